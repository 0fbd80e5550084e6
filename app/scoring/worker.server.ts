/**
 * The scoring worker: recompute and settings preview, run on a worker thread of the scoring
 * pool (pool.server.ts) so the web process's event loop keeps answering webhooks and pages
 * while a large shop is scored.
 *
 * A better-sqlite3 connection cannot cross threads: each task opens its own connection to
 * the same database file (WAL lets it read while the web process writes) and closes it when
 * done. Tasks and results are plain data (structured clone).
 *
 * Built on its own into build/server/scoring-worker.js (vite.worker.config.ts); in tests and
 * development it runs from source through worker-tsx.mjs.
 */
import os from "node:os";
import { threadId } from "node:worker_threads";
import type { ShopSettings } from "~/settings/shop-settings";
import { createOrderStore } from "~/sync/order-store.server";
import { openScoringDatabase } from "./connection.server";
import { previewSettings, type SettingsPreview } from "./preview.server";
import { recomputeShop, type RecomputeSummary } from "./recompute.server";

// Scoring yields the CPU to the web process's event loop: on Linux a thread's nice value is
// its own, so this lowers this thread only. Best effort (some platforms refuse).
try {
  os.setPriority(10);
} catch {
  // Runs at normal priority.
}

export type ScoringTask =
  | { kind: "recompute"; databaseFile: string; shopId: string; asOf: string; writeSlices: { sliceMs: number; pauseMs: number; checkpoint?: boolean } }
  | { kind: "preview"; databaseFile: string; shopId: string; asOf: string; candidate: ShopSettings };

/** A task's result and the thread that computed it. */
export interface Ran<T> {
  threadId: number;
  result: T;
}

export type ScoringResult = Ran<RecomputeSummary> | Ran<SettingsPreview>;

export default function runScoringTask(task: ScoringTask): ScoringResult {
  const db = openScoringDatabase(`file:${task.databaseFile}`);
  try {
    const store = createOrderStore(db);
    const now = () => new Date(task.asOf);
    switch (task.kind) {
      case "recompute":
        return { threadId, result: recomputeShop(task.shopId, { db, store, now, writeSlices: task.writeSlices }) };
      case "preview":
        return { threadId, result: previewSettings(task.shopId, task.candidate, { db, store, now }) };
    }
  } finally {
    db.close();
  }
}
