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
import type { ScoringRun, WarmResult } from "./incremental.server";
import type { WriteSlices } from "./recompute.server";
import type { Ran, ScoringTask } from "./worker.server";
import { SCORING_THREAD_LIMITS } from "./thread-limits";

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
  // eslint-disable-next-line no-var
  var rfmRecomputeLanes: Piscina<ScoringTask, Ran<unknown>>[] | undefined;
}

const threadCount = () => Math.min(4, Math.max(2, os.availableParallelism() - 1));

/**
 * Recomputes run in lanes: one thread each, a shop always in the same lane, so the scoring
 * state a full recompute leaves in its thread serves that shop's next recomputes (decision
 * 047). The thread stays while the process runs (unreferenced when idle): a thread that
 * exited would take its states with it.
 */
function lane(shopId: string): Piscina<ScoringTask, Ran<unknown>> {
  globalThis.rfmRecomputeLanes ??= Array.from({ length: threadCount() }, () => null as unknown as Piscina<ScoringTask, Ran<unknown>>);
  const lanes = globalThis.rfmRecomputeLanes;
  let hash = 0;
  for (let i = 0; i < shopId.length; i++) hash = (hash * 31 + shopId.charCodeAt(i)) | 0;
  const at = Math.abs(hash) % lanes.length;
  // Atomics off: the thread's event loop runs between tasks, so the state a full recompute
  // indexes after posting its result is built while the thread waits for the next task.
  lanes[at] ??= new Piscina<ScoringTask, Ran<unknown>>({
    filename: scoringWorkerFile(),
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Infinity,
    atomics: "disabled",
    resourceLimits: SCORING_THREAD_LIMITS,
  });
  return lanes[at];
}

function pool(): Piscina<ScoringTask, Ran<unknown>> {
  // Two threads at least, so a merchant's preview does not queue behind a long recompute.
  globalThis.rfmScoringPool ??= new Piscina<ScoringTask, Ran<unknown>>({
    filename: scoringWorkerFile(),
    minThreads: 0,
    maxThreads: threadCount(),
    idleTimeout: 60_000,
    resourceLimits: SCORING_THREAD_LIMITS,
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

/**
 * Recomputes a shop on its lane's scoring thread: only what changed when that thread holds a
 * valid state for the shop, else in full (recomputeWithState); `full` always in full.
 */
export function recomputeInWorker(shopId: string, deps: OffLoopDeps & { full?: boolean }): Promise<Ran<ScoringRun>> {
  const task: ScoringTask = {
    kind: "recompute",
    databaseUrl: databaseUrl(deps.db),
    shopId,
    asOf: (deps.now?.() ?? new Date()).toISOString(),
    writeSlices: { ...WRITE_SLICES, ...deps.writeSlices, yieldTo: lockWaiters() },
    incremental: deps.full !== true,
  };
  return runOnLane<ScoringRun>(shopId, task);
}

/**
 * Builds the shop's scoring state on its lane's thread ahead of need (decision 059), unless
 * the thread holds a valid one; writes nothing.
 */
export function warmInWorker(shopId: string, deps: OffLoopDeps): Promise<Ran<WarmResult>> {
  const task: ScoringTask = { kind: "warm", databaseUrl: databaseUrl(deps.db), shopId, asOf: (deps.now?.() ?? new Date()).toISOString() };
  return runOnLane<WarmResult>(shopId, task);
}

/** Tasks given to each lane and not yet settled (running or queued). */
const laneTasks = new WeakMap<Piscina<ScoringTask, Ran<unknown>>, number>();

function runOnLane<T>(shopId: string, task: ScoringTask): Promise<Ran<T>> {
  const l = lane(shopId);
  laneTasks.set(l, (laneTasks.get(l) ?? 0) + 1);
  return (l.run(task) as Promise<Ran<T>>).finally(() => laneTasks.set(l, laneTasks.get(l)! - 1));
}

/** Whether the shop's lane has nothing running or queued in this process: a warm-up there delays no recompute. */
export function laneIdle(shopId: string): boolean {
  return (laneTasks.get(lane(shopId)) ?? 0) === 0;
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
  const lanes = globalThis.rfmRecomputeLanes ?? [];
  globalThis.rfmScoringPool = undefined;
  globalThis.rfmRecomputeLanes = undefined;
  await Promise.all([current?.close(), ...lanes.map((l) => l?.close())]);
}
