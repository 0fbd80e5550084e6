/**
 * A durable job queue with an in-process runner (the embedded default).
 *
 * - Jobs live in the database, so a restart loses nothing: running jobs left behind by a
 *   crash go back to pending on start.
 * - Work for one shop is serialised (one job per shop at a time); shops run in parallel.
 * - Enqueueing a job that is already pending for the same (shop, type, key) debounces:
 *   its run time moves to the latest requested, but never past `maxWaitMs` after the first.
 * - A failing job is retried with exponential backoff, then marked failed with its error.
 *
 * Enqueueing is synchronous SQL on the app's connection, so a webhook can record its data
 * and the work it causes in one transaction. Dates are epoch milliseconds.
 */
import type { SqliteDatabase } from "~/sync/sqlite.server";

export type JobType = "backfill" | "recompute" | "sweep" | "refresh-order" | "writeback" | "cleanup";

export interface JobContext {
  shopId: string;
  payload: Record<string, unknown>;
  attempt: number;
  queue: JobQueue;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

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
  enqueue(type: JobType, shopId: string, options?: EnqueueOptions): void;
}

interface JobRow {
  id: number;
  shopId: string;
  type: string;
  payload: string;
  attempts: number;
}

/** The queue half: usable wherever there is a database, with or without a runner. */
export function createJobQueue(db: SqliteDatabase, now: () => Date = () => new Date(), onEnqueue?: () => void): JobQueue {
  const findPending = db.prepare(
    `SELECT id, runAt, createdAt FROM "Job" WHERE shopId = ? AND type = ? AND key = ? AND status = 'pending'`,
  );
  const reschedule = db.prepare(`UPDATE "Job" SET runAt = ?, payload = coalesce(?, payload), updatedAt = ? WHERE id = ?`);
  const insert = db.prepare(
    `INSERT INTO "Job" (shopId, type, key, status, runAt, attempts, payload, createdAt, updatedAt)
     VALUES (?, ?, ?, 'pending', ?, 0, ?, ?, ?)`,
  );
  return {
    enqueue(type, shopId, { key = "", delayMs = 0, maxWaitMs, payload, expedite = false } = {}) {
      const t = now().getTime();
      const at = t + delayMs;
      const existing = findPending.get(shopId, type, key) as { id: number; runAt: number; createdAt: number } | undefined;
      if (existing) {
        const ceiling = maxWaitMs === undefined ? Infinity : Number(existing.createdAt) + maxWaitMs;
        const runAt = expedite ? t : Math.min(Math.max(Number(existing.runAt), at), ceiling);
        reschedule.run(runAt, payload ? JSON.stringify(payload) : null, t, existing.id);
      } else {
        insert.run(shopId, type, key, at, JSON.stringify(payload ?? {}), t, t);
      }
      onEnqueue?.();
    },
  };
}

export interface JobRunnerOptions {
  db: SqliteDatabase;
  handlers: Partial<Record<JobType, JobHandler>>;
  pollMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  concurrency?: number;
  now?: () => Date;
  log?: (msg: string, ctx: Record<string, unknown>) => void;
}

export function createJobRunner(options: JobRunnerOptions) {
  const { db, handlers } = options;
  const pollMs = options.pollMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffMs = options.backoffMs ?? ((a: number) => Math.min(60_000 * 2 ** (a - 1), 3_600_000));
  const concurrency = options.concurrency ?? 4;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const busyShops = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  const queue = createJobQueue(db, now, () => {
    if (!stopped) schedule(0);
  });
  const dueJobs = db.prepare(
    `SELECT id, shopId, type, payload, attempts FROM "Job" WHERE status = 'pending' AND runAt <= ?
     ORDER BY runAt, id LIMIT 50`,
  );
  const claim = db.prepare(`UPDATE "Job" SET status = 'running', updatedAt = ? WHERE id = ? AND status = 'pending'`);
  const finish = db.prepare(
    `UPDATE "Job" SET status = ?, attempts = ?, lastError = ?, runAt = coalesce(?, runAt), updatedAt = ? WHERE id = ?`,
  );

  async function runJob(job: JobRow) {
    const handler = handlers[job.type as JobType];
    const attempt = job.attempts + 1;
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await handler({ shopId: job.shopId, payload: JSON.parse(job.payload), attempt, queue });
      finish.run("done", attempt, null, null, now().getTime(), job.id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = attempt >= maxAttempts;
      log("job failed", { job: job.type, shopId: job.shopId, attempt, error: message, final: failed });
      const t = now().getTime();
      finish.run(failed ? "failed" : "pending", attempt, message, failed ? null : t + backoffMs(attempt), t, job.id);
    } finally {
      busyShops.delete(job.shopId);
    }
  }

  /** Start every due job whose shop is free; returns how many started. */
  function tick(): number {
    const due = dueJobs.all(now().getTime()) as JobRow[];
    let started = 0;
    for (const job of due) {
      if (inFlight.size >= concurrency) break;
      if (busyShops.has(job.shopId)) continue;
      // Claim it: only one runner wins if several poll the same database.
      if (claim.run(now().getTime(), job.id).changes !== 1) continue;
      busyShops.add(job.shopId);
      const p: Promise<void> = runJob(job).finally(() => {
        inFlight.delete(p);
        if (!stopped) schedule(0);
      });
      inFlight.add(p);
      started++;
    }
    return started;
  }

  function schedule(ms: number) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      try {
        tick();
      } catch (err) {
        log("job poll failed", { error: String(err) });
      }
      if (!stopped && !timer) schedule(pollMs);
    }, ms);
  }

  return {
    queue,
    enqueue: queue.enqueue,
    /** Reset jobs a crash left running, then poll. */
    start() {
      db.prepare(`UPDATE "Job" SET status = 'pending' WHERE status = 'running'`).run();
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight]);
    },
    /**
     * Run jobs until none is due (tests, demo, CLI). Jobs scheduled for later are left
     * alone unless `includeDelayed`, which runs them as if their time had come (not
     * those waiting out a retry backoff).
     */
    async drain({ includeDelayed = false, maxJobs = 10_000 } = {}) {
      let total = 0;
      for (;;) {
        if (includeDelayed) {
          db.prepare(`UPDATE "Job" SET runAt = ? WHERE status = 'pending' AND lastError IS NULL`).run(now().getTime());
        }
        const started = tick();
        total += started;
        if (inFlight.size > 0) await Promise.race([...inFlight]);
        else if (started === 0) return total;
        if (total > maxJobs) throw new Error(`drain ran more than ${maxJobs} jobs`);
      }
    },
    /** Pending and running jobs, for status pages and tests. */
    pending(shopId?: string): { type: string; status: string; runAt: number; attempts: number; lastError: string | null }[] {
      return db
        .prepare(
          `SELECT type, status, runAt, attempts, lastError FROM "Job" WHERE status IN ('pending','running')
           ${shopId ? "AND shopId = ?" : ""} ORDER BY runAt`,
        )
        .all(...(shopId ? [shopId] : [])) as never;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
