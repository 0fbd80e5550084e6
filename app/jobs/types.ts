/**
 * The one job interface, whatever runs the jobs: the embedded runner on SQLite
 * (queue.server.ts) or pg-boss on PostgreSQL (pg-boss.server.ts). See
 * docs/decisions/031-queue-embedded-and-pg-boss.md.
 */
export type JobType =
  | "backfill"
  | "recompute"
  | "sweep"
  | "refresh-order"
  | "writeback"
  | "cleanup"
  | "prune"
  | "apply-inbox"
  | "erase-shop";

export const JOB_TYPES: readonly JobType[] = ["backfill", "recompute", "sweep", "refresh-order", "writeback", "cleanup", "prune", "apply-inbox", "erase-shop"];

export interface JobContext {
  shopId: string;
  payload: Record<string, unknown>;
  attempt: number;
  queue: JobQueue;
}

/** A handler may return a few figures about its run, for the process log (`onJob`). */
export type JobHandler = (ctx: JobContext) => Promise<void | Record<string, number>>;

export interface EnqueueOptions {
  key?: string;
  delayMs?: number;
  /** Debounce ceiling: a pending job is never pushed later than this after it was first queued. */
  maxWaitMs?: number;
  payload?: Record<string, unknown>;
  /** Run a pending job now (e.g. a poll woken by a webhook), whatever its scheduled time. */
  expedite?: boolean;
}

export interface JobQueue {
  /**
   * Queue a job; inside the caller's database transaction (`db.transaction`) it commits or
   * rolls back with it. A job already pending for (shop, type, key) is debounced into.
   */
  enqueue(type: JobType, shopId: string, options?: EnqueueOptions): Promise<void>;
}

/** A failed job, for the dashboard. */
export interface FailedJob {
  id: number | string;
  type: string;
  attempts: number;
  lastError: string | null;
  failedAt: number;
}

export interface StopResult {
  finished: number;
  released: number;
}

/** What a process that runs jobs holds: the queue, and start/stop of the work. */
export interface JobRunner {
  queue: JobQueue;
  enqueue: JobQueue["enqueue"];
  start(): void | Promise<void>;
  /** Claim nothing new, let jobs in flight finish for a bounded time, hand the rest back. */
  stop(options?: { timeoutMs?: number }): Promise<StopResult>;
  /** Run jobs until none is due (tests, demo, CLI). */
  drain(options?: { includeDelayed?: boolean; maxJobs?: number }): Promise<number>;
  /** Jobs that gave up, for the dashboard. */
  failed(shopId: string): Promise<FailedJob[]>;
}
