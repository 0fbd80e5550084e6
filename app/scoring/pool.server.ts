/**
 * The scoring pool: recompute and settings preview run on worker threads (Piscina), never
 * on the web process's event loop. A 1M-order recompute is seconds of CPU; on the loop it
 * stalled every other shop's webhooks, admin pages and /healthz for as long.
 *
 * The worker opens its own connection to the same database (worker.server.ts). Idle
 * threads are unreferenced, so the pool never keeps a process alive; they exit after a
 * minute without work. See docs/decisions/013-scoring-off-the-event-loop.md.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ShopSettings } from "~/settings/shop-settings";
import { isSqlite, type Db, type PostgresDb } from "~/db/index.server";
import { legacySync } from "~/db/sqlite.server";
import { lockWaiters } from "~/db/lock-waiters.server";
import type { SettingsPreview } from "./preview.server";
import type { RecomputeSummary, WriteSlices } from "./recompute.server";
import type { Ran, ScoringTask } from "./worker.server";

export type { Ran } from "./worker.server";

/**
 * Write transactions of up to 1 s that end as soon as a writer of this process (webhook
 * receipt, the queue, the inbox applier) waits for the lock, and let it in before the next
 * (decision 043): long transactions write a large recompute with far fewer WAL frames
 * (decisions 039, 048), and a waiting writer gets in within a few rows' writes. Checkpointing
 * between slices keeps the web process's commits from running long WAL checkpoints.
 * Measured with npm run bench:responsiveness and bench:recompute.
 */
const WRITE_SLICES = { sliceMs: 1_000, pauseMs: 0, checkpoint: true };

/**
 * The worker entry: the production build's bundle (next to build/server/index.js), else the
 * TypeScript source through tsx (tests, `npm run dev`).
 */
export function scoringWorkerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const name of ["scoring-worker.js", "worker-tsx.mjs"]) {
    const file = path.join(here, name);
    if (existsSync(file)) return file;
  }
  throw new Error(`scoring worker not found next to ${here}: run npm run build`);
}

declare global {
  // eslint-disable-next-line no-var
  var rfmScoringPool: Piscina<ScoringTask, Ran<unknown>> | undefined;
}

function pool(): Piscina<ScoringTask, Ran<unknown>> {
  // Two threads at least, so a merchant's preview does not queue behind a long recompute.
  globalThis.rfmScoringPool ??= new Piscina<ScoringTask, Ran<unknown>>({
    filename: scoringWorkerFile(),
    minThreads: 0,
    maxThreads: Math.min(4, Math.max(2, os.availableParallelism() - 1)),
    idleTimeout: 60_000,
  });
  return globalThis.rfmScoringPool;
}

/** The database behind a handle: the worker opens its own (connections cannot cross threads). */
function databaseUrl(db: Db): string {
  if (!isSqlite(db)) return (db as PostgresDb).pool.options.connectionString as string;
  const native = legacySync(db);
  if (native.memory) throw new Error("scoring runs on a worker thread and needs the database in a file, not in memory");
  return `file:${path.resolve(native.name)}`;
}

export interface OffLoopDeps {
  db: Db;
  now?: () => Date;
  /** Tests: other slice limits than the shipped ones. */
  writeSlices?: Partial<Omit<WriteSlices, "yieldTo">>;
}

/** Recomputes a shop on a scoring thread (see recomputeShop). */
export function recomputeInWorker(shopId: string, deps: OffLoopDeps): Promise<Ran<RecomputeSummary>> {
  const task: ScoringTask = {
    kind: "recompute",
    databaseUrl: databaseUrl(deps.db),
    shopId,
    asOf: (deps.now?.() ?? new Date()).toISOString(),
    writeSlices: { ...WRITE_SLICES, ...deps.writeSlices, yieldTo: lockWaiters() },
  };
  return pool().run(task) as Promise<Ran<RecomputeSummary>>;
}

/**
 * Previews settings on a scoring thread (see previewSettings). An aborted signal (the
 * merchant left or sent another preview) drops the task, or stops its thread if it started.
 */
export function previewInWorker(
  shopId: string,
  candidate: ShopSettings,
  deps: OffLoopDeps & { signal?: AbortSignal },
): Promise<Ran<SettingsPreview>> {
  const task: ScoringTask = {
    kind: "preview",
    databaseUrl: databaseUrl(deps.db),
    shopId,
    asOf: (deps.now?.() ?? new Date()).toISOString(),
    candidate,
  };
  return pool().run(task, { signal: deps.signal }) as Promise<Ran<SettingsPreview>>;
}

/** Waits for running tasks, then stops every scoring thread (graceful shutdown). */
export async function closeScoringPool(): Promise<void> {
  const current = globalThis.rfmScoringPool;
  globalThis.rfmScoringPool = undefined;
  await current?.close();
}
