/**
 * The scoring worker: recompute, its warm-up and settings preview, run on a worker thread of the scoring
 * pool (pool.server.ts) so the web process's event loop keeps answering webhooks and pages
 * while a large shop is scored.
 *
 * A connection cannot cross threads: each task opens its own to the same database (on
 * SQLite, WAL lets it read while the web process writes) and closes it when done. Tasks and
 * results are plain data (structured clone).
 *
 * Built on its own into build/server/scoring-worker.js (vite.worker.config.ts); in tests and
 * development it runs from source through worker-tsx.mjs.
 */
import os from "node:os";
import { threadId } from "node:worker_threads";
import { runningSince } from "~/jobs/queue.server";
import type { ShopSettings } from "~/settings/shop-settings";
import { openScoringDatabase } from "./connection.server";
import { previewSettings, type SettingsPreview } from "./preview.server";
import { recomputeWithState, warmScoringState, type ScoringRun, type WarmResult } from "./incremental.server";
import type { WriteSlices } from "./recompute.server";

// Scoring yields the CPU to the web process's event loop: on Linux a thread's nice value is
// its own, so this lowers this thread only. Best effort (some platforms refuse).
try {
  os.setPriority(10);
} catch {
  // Runs at normal priority.
}

export type ScoringTask =
  /** incremental: apply only what changed when this thread holds a valid state (decision 047); false = full. */
  | { kind: "recompute"; databaseUrl: string; shopId: string; asOf: string; writeSlices: WriteSlices; incremental: boolean }
  | { kind: "preview"; databaseUrl: string; shopId: string; asOf: string; candidate: ShopSettings }
  /** Builds the shop's state in this thread ahead of need, writing nothing (decision 059). */
  | { kind: "warm"; databaseUrl: string; shopId: string; asOf: string };

/** A task's result and the thread that computed it. */
export interface Ran<T> {
  threadId: number;
  result: T;
}

export type ScoringResult = Ran<ScoringRun> | Ran<SettingsPreview> | Ran<WarmResult>;

export default async function runScoringTask(task: ScoringTask): Promise<ScoringResult> {
  const db = openScoringDatabase(task.databaseUrl);
  try {
    const now = () => new Date(task.asOf);
    switch (task.kind) {
      case "recompute":
        // The state of a full recompute is indexed after the result is back (the write-back need not wait).
        return {
          threadId,
          result: await recomputeWithState(task.shopId, { db, now, writeSlices: task.writeSlices, incremental: task.incremental, deferBuild: true }),
        };
      case "preview":
        return { threadId, result: await previewSettings(task.shopId, task.candidate, { db, now }) };
      case "warm":
        return { threadId, result: await warmScoringState(task.shopId, { db, now, running: async (shopId) => (await runningSince(db, shopId, "recompute")) !== null }) };
    }
  } finally {
    await db.close();
  }
}
