/**
 * A durable job queue with an in-process runner (the embedded default), safe for several
 * runner processes on one database.
 *
 * - Jobs live in the database, so a restart loses nothing.
 * - A runner claims a job with its owner id and a lease (`owner`, `leaseUntil`) that it renews
 *   while the job runs. A job whose lease ran out (its process died) is reclaimable by any
 *   runner; other runners' live jobs are never touched.
 * - Attempts are counted when a job is claimed, so a job that kills its process still uses
 *   up attempts: after `maxAttempts` claims it is `failed` ("poison"), with lastError saying so.
 * - Work for one shop is serialised across processes, per lane: the claim, in one IMMEDIATE
 *   transaction, refuses a shop that has a running job in the job's lane (store writes, or
 *   everything else; STORE_WRITE_JOBS). Shops run in parallel.
 * - Finishing is conditional on still owning the running job, so a job cancelled meanwhile
 *   (app/uninstalled) or retaken after its lease stays as the other party left it.
 * - Enqueueing a job that is already pending for the same (shop, type, key) debounces:
 *   with a delay, its run time moves to the latest requested, but never past `maxWaitMs` after
 *   the first; without one, it keeps its time (or comes forward), so it keeps its place.
 * - A failing job is retried with exponential backoff, then marked failed with its error.
 * - `stop()` (SIGTERM, see stopRunnerOnSignals) claims nothing new, waits a bounded time for
 *   jobs in flight, then hands the unfinished ones back for another process to retake.
 *
 * This runner is SQLite's (the embedded default; PostgreSQL runs pg-boss, see
 * pg-boss.server.ts): its SQL is synchronous better-sqlite3 inside the seam's `withNative`,
 * so an enqueue made inside a caller's `db.transaction` runs in it at once, and a webhook
 * records its data and the work it causes in one transaction. Dates are epoch milliseconds.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import type Database from "better-sqlite3";
import { isPostgres, type Db } from "~/db/index.server";
import { sqliteDb, type SqliteDb } from "~/db/sqlite.server";
import { duePgBossJobTypes, failedPgBossJobs, pgBossRunningSince } from "./pg-boss.server";
import type { EnqueueOptions, FailedJob, JobHandler, JobQueue, JobRunner as JobRunnerInterface, JobType } from "./types";

export type { EnqueueOptions, FailedJob, JobContext, JobHandler, JobQueue, JobType } from "./types";

type Native = Database.Database;

/** The SQLite handle of a seam handle or of a raw connection (code not yet on the seam). */
const wrapped = new WeakMap<Native, SqliteDb>();
export function embeddedDb(db: Db | Native): SqliteDb {
  if ("dialect" in db) {
    if (db.dialect !== "sqlite") throw new Error("the embedded job runner runs on SQLite; PostgreSQL uses pg-boss");
    return db as SqliteDb;
  }
  let seam = wrapped.get(db);
  if (!seam) wrapped.set(db, (seam = sqliteDb(db)));
  return seam;
}

/** A better-sqlite3 transaction taking the write lock up front (a savepoint inside another). */
function immediate<A extends unknown[], R>(native: Native, fn: (...args: A) => R): (...args: A) => R {
  const t = native.transaction(fn).immediate as unknown as (...args: A) => R;
  return (...args) => t(...args);
}

interface JobRow {
  id: number;
  shopId: string;
  type: string;
  payload: string;
  attempts: number;
}

/** The queue half: usable wherever there is a database, with or without a runner. */
export function createJobQueue(database: Db | Native, now: () => Date = () => new Date(), onEnqueue?: () => void): JobQueue {
  const seam = embeddedDb(database);
  let enqueue: ((type: JobType, shopId: string, options: EnqueueOptions) => void) | undefined;
  const prepared = (db: Native) => {
    const findPending = db.prepare(
      `SELECT id, runAt, createdAt FROM "Job" WHERE shopId = ? AND type = ? AND key = ? AND status = 'pending'`,
    );
    const reschedule = db.prepare(`UPDATE "Job" SET runAt = ?, payload = coalesce(?, payload), updatedAt = ? WHERE id = ?`);
    const insert = db.prepare(
      `INSERT INTO "Job" (shopId, type, key, status, runAt, attempts, payload, createdAt, updatedAt)
       VALUES (?, ?, ?, 'pending', ?, 0, ?, ?, ?)`,
    );
    // Find-then-write in one write transaction (a savepoint inside a caller's), so two
    // processes enqueueing the same job cannot both insert it.
    return immediate(db, (type: JobType, shopId: string, options: EnqueueOptions) => {
    const { key = "", delayMs = 0, maxWaitMs, payload, expedite = false } = options;
    const t = now().getTime();
    const at = t + delayMs;
    const existing = findPending.get(shopId, type, key) as { id: number; runAt: number; createdAt: number } | undefined;
    if (existing) {
      const ceiling = maxWaitMs === undefined ? Infinity : Number(existing.createdAt) + maxWaitMs;
      // A debounce (a delay) pushes the job later, up to its ceiling; a request to run now never
      // does: it would send a due recompute behind every re-read queued since (pg-boss keeps a
      // queued job's time too).
      const runAt = expedite ? t : delayMs > 0 ? Math.min(Math.max(Number(existing.runAt), at), ceiling) : Math.min(Number(existing.runAt), at);
      reschedule.run(runAt, payload ? JSON.stringify(payload) : null, t, existing.id);
    } else {
      insert.run(shopId, type, key, at, JSON.stringify(payload ?? {}), t, t);
    }
    });
  };
  return {
    async enqueue(type, shopId, options = {}) {
      // Synchronous when the connection is free or the caller's transaction holds it.
      await seam.withNative((native) => (enqueue ??= prepared(native))(type, shopId, options), { atomic: true });
      onEnqueue?.();
    },
  };
}

/** Which of `types` a shop has running, or queued to start by `until` — from whichever backend runs the database's jobs. */
export async function dueJobTypes(db: Db, shopId: string, types: readonly JobType[], until: Date): Promise<Set<JobType>> {
  if (isPostgres(db)) return duePgBossJobTypes(db, shopId, types, until);
  const rows = (await db
    .prepare(
      `SELECT DISTINCT type FROM "Job" WHERE shopId = ? AND type IN (${types.map(() => "?").join(", ")})
         AND (status = 'running' OR (status = 'pending' AND runAt <= ?))`,
    )
    .pluck()
    .all(shopId, ...types, until)) as JobType[];
  return new Set(rows);
}

/**
 * When the earliest of a shop's running jobs of a type was claimed (epoch ms), or null — from
 * whichever backend runs the database's jobs. A job starts after its claim, so anything it
 * stamps with its own start time is stamped no earlier than this.
 */
export async function runningSince(db: Db, shopId: string, type: JobType): Promise<number | null> {
  if (isPostgres(db)) return pgBossRunningSince(db, shopId, type);
  const claimed = (await db
    .prepare(`SELECT min(updatedAt) FROM "Job" WHERE shopId = ? AND type = ? AND status = 'running'`)
    .pluck()
    .get(shopId, type)) as number | null;
  return claimed === null || claimed === undefined ? null : Number(claimed);
}

/**
 * Failed jobs of a shop not since superseded by a successful run of the same type, newest
 * first, for the dashboard — from whichever backend runs the database's jobs.
 */
export async function failedJobs(db: Db, shopId: string, limit = 10): Promise<FailedJob[]> {
  if (isPostgres(db)) return failedPgBossJobs(db, shopId, limit);
  const rows = (await db
    .prepare(
      `SELECT f.id, f.type, f.attempts, f.lastError, f.updatedAt AS failedAt FROM "Job" f
       WHERE f.shopId = ? AND f.status = 'failed'
         AND NOT EXISTS (SELECT 1 FROM "Job" d WHERE d.shopId = f.shopId AND d.type = f.type AND d.status = 'done' AND d.updatedAt > f.updatedAt)
       ORDER BY f.updatedAt DESC, f.id DESC LIMIT ?`,
    )
    .all(shopId, limit)) as FailedJob[];
  return rows.map((row) => ({ ...row, failedAt: Number(row.failedAt) }));
}

export interface JobRunnerOptions {
  db: Db | Native;
  handlers: Partial<Record<JobType, JobHandler>>;
  pollMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  concurrency?: number;
  now?: () => Date;
  log?: (msg: string, ctx: Record<string, unknown>) => void;
  /** This runner's identity in `Job.owner`; unique per process by default. */
  owner?: string;
  /** How long a claim holds without renewal; a job of a dead process is retaken after this. */
  leaseMs?: number;
  /** How often running jobs' leases are renewed (default a third of the lease). */
  renewMs?: number;
  /** How long stop() waits for jobs in flight before handing them back. */
  shutdownMs?: number;
}

export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_SHUTDOWN_MS = 25_000;

/**
 * A shop's jobs run one at a time per lane. Writing to the store (write-back, removal) is its
 * own lane: a write-back paced by the store's rate limit can take minutes, and the same shop's
 * order re-reads and recomputes must not wait behind it (docs/decisions/046). pg-boss already
 * runs each type apart (one queue per type), so both backends let these overlap.
 */
export const STORE_WRITE_JOBS: readonly JobType[] = ["writeback", "cleanup"];
const LANE = (column: string) => `CASE WHEN ${column} IN (${STORE_WRITE_JOBS.map((t) => `'${t}'`).join(", ")}) THEN 'w' ELSE 'd' END`;

/**
 * The next due job whose shop has nothing running in its lane. The busy (shop, lane) pairs are
 * listed once per claim (a few running rows), not looked up per candidate: a busy shop's
 * backlog of due jobs (a webhook burst's re-reads) made every claim check each of them against
 * all of that shop's rows.
 */
export const NEXT_DUE_SQL = `SELECT id, shopId, type, payload, attempts FROM "Job"
  WHERE status = 'pending' AND runAt <= ?
    AND shopId || '/' || ${LANE("type")} NOT IN (SELECT shopId || '/' || ${LANE("type")} FROM "Job" WHERE status = 'running')
  ORDER BY runAt, id LIMIT 1`;

export function createJobRunner(options: JobRunnerOptions) {
  const { handlers } = options;
  const seam = embeddedDb(options.db);
  const pollMs = options.pollMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffMs = options.backoffMs ?? ((a: number) => Math.min(60_000 * 2 ** (a - 1), 3_600_000));
  const concurrency = options.concurrency ?? 4;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const renewMs = options.renewMs ?? Math.max(10, Math.floor(leaseMs / 3));
  const shutdownMs = options.shutdownMs ?? DEFAULT_SHUTDOWN_MS;
  const inFlight = new Map<number, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let stopped = true;
  let claiming = true;

  const queue = createJobQueue(seam, now, () => {
    if (!stopped) schedule(0);
  });

  const statements = (db: Native) => {
    // Cheap read first: most polls find nothing and should not take the write lock.
    const anyWork = db.prepare(
      `SELECT 1 FROM "Job" WHERE (status = 'pending' AND runAt <= ?)
         OR (status = 'running' AND (leaseUntil IS NULL OR leaseUntil <= ?)) LIMIT 1`,
    );
    // Running jobs whose process stopped renewing (died): out of attempts → failed ("poison"),
    // else pending again at once (the lease already made it wait).
    const buryExpired = db.prepare(
      `UPDATE "Job" SET status = 'failed', owner = NULL, leaseUntil = NULL, updatedAt = @t,
         lastError = 'never finished: its process stopped while running it (' || attempts || ' attempts)'
       WHERE status = 'running' AND (leaseUntil IS NULL OR leaseUntil <= @t) AND attempts >= @max`,
    );
    const requeueExpired = db.prepare(
      `UPDATE "Job" SET status = 'pending', owner = NULL, leaseUntil = NULL, updatedAt = @t,
         lastError = 'its process stopped while running it'
       WHERE status = 'running' AND (leaseUntil IS NULL OR leaseUntil <= @t)`,
    );
    const nextDue = db.prepare(NEXT_DUE_SQL);
    const markClaimed = db.prepare(
      `UPDATE "Job" SET status = 'running', owner = ?, leaseUntil = ?, attempts = attempts + 1, updatedAt = ?
       WHERE id = ? AND status = 'pending'`,
    );
    return {
      anyWork,
      renew: db.prepare(`UPDATE "Job" SET leaseUntil = ? WHERE owner = ? AND status = 'running'`),
      finish: db.prepare(
        `UPDATE "Job" SET status = ?, lastError = ?, runAt = coalesce(?, runAt), owner = NULL, leaseUntil = NULL, updatedAt = ?
         WHERE id = ? AND owner = ? AND status = 'running'`,
      ),
      // Handed back at shutdown: the job did not fail, so the attempt is returned.
      release: db.prepare(
        `UPDATE "Job" SET status = 'pending', owner = NULL, leaseUntil = NULL, attempts = max(attempts - 1, 0), updatedAt = ?
         WHERE id = ? AND owner = ? AND status = 'running'`,
      ),
      expediteAll: db.prepare(`UPDATE "Job" SET runAt = ? WHERE status = 'pending' AND lastError IS NULL`),
      pending: (shopId?: string) =>
        db
          .prepare(
            `SELECT type, status, runAt, attempts, lastError FROM "Job" WHERE status IN ('pending','running')
             ${shopId ? "AND shopId = ?" : ""} ORDER BY runAt`,
          )
          .all(...(shopId ? [shopId] : [])) as { type: string; status: string; runAt: number; attempts: number; lastError: string | null }[],
      /** One claim, atomically: expired leases settled, then the next due job of a free shop. */
      claimNext: immediate(db, (t: number): JobRow | undefined => {
        buryExpired.run({ t, max: maxAttempts });
        requeueExpired.run({ t });
        const job = nextDue.get(t) as JobRow | undefined;
        if (!job) return undefined;
        markClaimed.run(owner, t + leaseMs, t, job.id);
        return { ...job, attempts: job.attempts + 1 };
      }),
    };
  };
  let prepared: ReturnType<typeof statements> | undefined;
  /** fn — one statement or one claim — with the runner's statements, synchronously on the connection once it is free. */
  const sql = <T>(fn: (s: ReturnType<typeof statements>) => T): Promise<T> =>
    seam.withNative((native) => fn((prepared ??= statements(native))), { atomic: true });

  function renewLeases() {
    sql((s) => s.renew.run(now().getTime() + leaseMs, owner)).catch((err: unknown) => log("job lease renewal failed", { error: String(err) }));
  }

  async function runJob(job: JobRow) {
    const handler = handlers[job.type as JobType];
    const attempt = job.attempts;
    let outcome: { status: string; error: string | null; runAt: number | null };
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await handler({ shopId: job.shopId, payload: JSON.parse(job.payload), attempt, queue });
      outcome = { status: "done", error: null, runAt: null };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = attempt >= maxAttempts;
      log("job failed", { job: job.type, shopId: job.shopId, attempt, error: message, final: failed });
      outcome = { status: failed ? "failed" : "pending", error: message, runAt: failed ? null : now().getTime() + backoffMs(attempt) };
    }
    const changed = (await sql((s) => s.finish.run(outcome.status, outcome.error, outcome.runAt, now().getTime(), job.id, owner))).changes;
    // Cancelled (uninstall) or handed back meanwhile: whoever changed it has the last word.
    if (changed === 0) log("job outcome dropped: the job was cancelled or released meanwhile", { job: job.type, shopId: job.shopId, outcome: outcome.status });
  }

  /** Claim and start due jobs while there is room; returns how many started. */
  async function tick(): Promise<number> {
    let started = 0;
    while (claiming && inFlight.size < concurrency) {
      // One claim per call: each is one transaction, so a claim that finds the database
      // locked waits on timers without having started anything.
      const t = now().getTime();
      const job = await sql((s) => (s.anyWork.get(t, t) ? s.claimNext(t) : undefined));
      if (!job) break;
      const p: Promise<void> = runJob(job).finally(() => {
        inFlight.delete(job.id);
        if (inFlight.size === 0 && renewTimer) {
          clearInterval(renewTimer);
          renewTimer = undefined;
        }
        if (!stopped) schedule(0);
      });
      inFlight.set(job.id, p);
      renewTimer ??= setInterval(renewLeases, renewMs);
      started++;
    }
    return started;
  }

  function schedule(ms: number) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      tick()
        .catch((err: unknown) => log("job poll failed", { error: String(err) }))
        .finally(() => {
          if (!stopped && !timer) schedule(pollMs);
        });
    }, ms);
  }

  const runner = {
    queue,
    owner,
    enqueue: queue.enqueue,
    /** Poll for due jobs (and jobs whose process died) until stopped. */
    start() {
      stopped = false;
      claiming = true;
      schedule(0);
    },
    /**
     * Claim nothing new, wait up to `timeoutMs` for jobs in flight, then hand the unfinished
     * ones back (pending, attempt returned) so another process retakes them at once.
     * Resolves with how many finished and how many were handed back.
     */
    async stop({ timeoutMs = shutdownMs }: { timeoutMs?: number } = {}): Promise<{ finished: number; released: number }> {
      stopped = true;
      claiming = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const running = [...inFlight.entries()];
      let waitTimer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((r) => (waitTimer = setTimeout(r, timeoutMs)));
      await Promise.race([Promise.allSettled(running.map(([, p]) => p)), timedOut]);
      clearTimeout(waitTimer);
      let released = 0;
      for (const [id] of running) {
        if (!inFlight.has(id)) continue;
        released += (await sql((s) => s.release.run(now().getTime(), id, owner))).changes;
        inFlight.delete(id);
      }
      if (released > 0) log("jobs handed back at shutdown", { released });
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = undefined;
      return { finished: running.length - released, released };
    },
    /**
     * Run jobs until none is due (tests, demo, CLI). Jobs scheduled for later are left
     * alone unless `includeDelayed`, which runs them as if their time had come (not
     * those waiting out a retry backoff).
     */
    async drain({ includeDelayed = false, maxJobs = 10_000 } = {}) {
      claiming = true;
      let total = 0;
      for (;;) {
        if (includeDelayed) await sql((s) => s.expediteAll.run(now().getTime()));
        const started = await tick();
        total += started;
        if (inFlight.size > 0) await Promise.race([...inFlight.values()]);
        else if (started === 0) return total;
        if (total > maxJobs) throw new Error(`drain ran more than ${maxJobs} jobs`);
      }
    },
    /** Pending and running jobs, for status pages and tests. */
    pending(shopId?: string) {
      return sql((s) => s.pending(shopId));
    },
    /** Jobs that gave up (errors, or a process that died running them), for the dashboard. */
    failed(shopId: string): Promise<FailedJob[]> {
      return failedJobs(seam, shopId);
    },
  };
  return runner satisfies JobRunnerInterface;
}

export type EmbeddedJobRunner = ReturnType<typeof createJobRunner>;
export type { JobRunnerInterface as JobRunner };

/**
 * SIGTERM / SIGINT: stop the runner (bounded drain, see stop()), then exit. A second signal,
 * or the drain overrunning its bound, exits at once: shutdown never hangs.
 */
export function stopRunnerOnSignals(
  runner: Pick<JobRunnerInterface, "stop">,
  {
    signals = ["SIGTERM", "SIGINT"] as NodeJS.Signals[],
    timeoutMs = DEFAULT_SHUTDOWN_MS,
    exit = (code: number) => process.exit(code),
    log = (msg: string) => console.warn(msg),
  }: { signals?: NodeJS.Signals[]; timeoutMs?: number; exit?: (code: number) => void; log?: (msg: string) => void } = {},
): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return exit(1);
    stopping = true;
    log(`[jobs] ${signal}: finishing jobs in flight (up to ${Math.round(timeoutMs / 1000)} s)`);
    // Backstop in case something in the drain itself never settles.
    setTimeout(() => exit(1), timeoutMs + 5_000).unref();
    runner.stop({ timeoutMs }).then(
      ({ finished, released }) => {
        log(`[jobs] stopped: ${finished} finished, ${released} handed back`);
        exit(0);
      },
      () => exit(1),
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
