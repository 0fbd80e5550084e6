/**
 * The job interface on PostgreSQL, on pg-boss (docs/decisions/031-queue-embedded-and-pg-boss.md):
 *
 * - One pg-boss queue per job type (`rfm.<type>`), each worked with its own concurrency, so a
 *   shop backfilling never takes the slots another shop's recompute needs (fairness).
 * - Queues are `stately` and every job's singleton key is `<shop>/<key>`: at most one queued
 *   and one running job per (shop, type, key) across every worker. A job asked for while one
 *   is queued merges into it (it keeps its time, which is within the debounce ceiling); asked
 *   for while one runs, it runs once more afterwards.
 * - A new payload or `expedite` edits the queued job (`update`, never an insert); `delayMs` is `startAfter`.
 * - Retries with exponential backoff (1 min doubling, at most 1 h, 6 attempts as the embedded
 *   runner), then `failed` and a copy in the dead-letter queue; failed jobs are listed per shop.
 * - Enqueueing inside the caller's `db.transaction` runs on that transaction's connection
 *   (pg-boss's `db` option): the job commits or rolls back with the caller's rows.
 * - `stop()` stops fetching and waits (bounded) for jobs in flight; pg-boss hands unfinished
 *   ones to another worker once they expire.
 */
import { PgBoss, type Db as IDatabase, type Job } from "pg-boss";
import type { PostgresDb } from "~/db/index.server";
import { JOB_TYPES, type EnqueueOptions, type FailedJob, type JobHandler, type JobQueue, type JobRunner, type JobType, type StopResult } from "./types";

export const PG_BOSS_SCHEMA = "pgboss";
const DEAD_LETTER = "rfm.dead";
/** How long after a job's due time this process's worker is woken to fetch it. */
const WAKE_AFTER_MS = 25;
const queueName = (type: JobType) => `rfm.${type}`;
const typeOf = (name: string) => name.replace(/^rfm\./, "") as JobType;

/**
 * Workers per process and job type: the long ones get few, webhook-driven ones more. A
 * write-back spends its time waiting for the store (its rate limit, its bulk operations), not
 * working: with 2 slots, four shops' first write-backs of 30–90 s held every slot of two
 * workers while other shops' one-customer write-backs after an order queued behind them
 * (docs/decisions/060).
 */
export const DEFAULT_CONCURRENCY: Record<JobType, number> = {
  backfill: 2,
  recompute: 2,
  sweep: 1,
  "refresh-order": 4,
  writeback: 8,
  cleanup: 1,
  prune: 1,
  "apply-inbox": 1,
  "erase-shop": 1,
};

interface JobData {
  shopId: string;
  key: string;
  payload: Record<string, unknown>;
}

export interface PgBossRunnerOptions {
  db: PostgresDb;
  handlers: Partial<Record<JobType, JobHandler>>;
  concurrency?: Partial<Record<JobType, number>>;
  /** Seconds between polls of an idle queue (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** Retries after the first attempt, and the first backoff in seconds (doubling, capped). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryDelayMaxSeconds?: number;
  /** A job running longer than this is taken as dead and retried. */
  expireInSeconds?: number;
  shutdownMs?: number;
  /** Connections of pg-boss's own pool (the app's pool is separate). */
  poolMax?: number;
  log?: (msg: string, ctx: Record<string, unknown>) => void;
}

export function createPgBossRunner(options: PgBossRunnerOptions): JobRunner & { boss: PgBoss; ready(): Promise<PgBoss> } {
  const { db, handlers } = options;
  const log = options.log ?? (() => {});
  // pg-boss's own small pool: starting it or fetching jobs never waits for the app's pool,
  // whose connections may all be held by transactions that are enqueueing.
  const boss = new PgBoss({ connectionString: db.pool.options.connectionString, max: options.poolMax ?? 3, schema: PG_BOSS_SCHEMA });
  boss.on("error", (err: Error) => log("pg-boss error", { error: err.message }));
  let starting: Promise<PgBoss> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  let working = false;
  /** This process's pg-boss worker per job type (while working). */
  const workerIds = new Map<JobType, string>();

  /**
   * A job this process asked for is fetched when due by this process's own worker, if it has
   * one for the type, without waiting for the next poll: a webhook's chain of jobs (apply →
   * re-read → debounced recompute → write-back) would otherwise wait up to a poll interval at
   * each hop. A little after the due time, so an enqueue inside a transaction has committed;
   * other processes still find it by polling.
   */
  function wake(type: JobType, inMs: number): void {
    const id = workerIds.get(type);
    if (!working || id === undefined) return;
    setTimeout(() => working && boss.notifyWorker(id), Math.max(0, inMs) + WAKE_AFTER_MS).unref();
  }

  /** pg-boss started (its schema installed on first use) and every queue created. */
  function ready(): Promise<PgBoss> {
    starting ??= (async () => {
      await boss.start();
      const existing = new Set((await boss.getQueues()).map((q) => q.name));
      if (!existing.has(DEAD_LETTER)) await boss.createQueue(DEAD_LETTER, { policy: "standard" });
      for (const type of JOB_TYPES) {
        if (existing.has(queueName(type))) continue;
        await boss.createQueue(queueName(type), {
          policy: "stately",
          retryLimit: options.retryLimit ?? 5,
          retryDelay: options.retryDelaySeconds ?? 60,
          retryBackoff: true,
          retryDelayMax: options.retryDelayMaxSeconds ?? 3600,
          expireInSeconds: options.expireInSeconds ?? 15 * 60,
          deadLetter: DEAD_LETTER,
        });
      }
      return boss;
    })();
    return starting;
  }

  const queue: JobQueue = {
    async enqueue(type, shopId, opts: EnqueueOptions = {}) {
      await ready();
      const { key = "", delayMs = 0, payload, expedite = false } = opts;
      const singletonKey = `${shopId}/${key}`;
      const data: JobData = { shopId, key, payload: payload ?? {} };
      // The ambient transaction's connection, if any: the job commits with the caller's rows.
      const conn = { db: transactionExecutor(db) };
      const startAfter = new Date(Date.now() + (expedite ? 0 : delayMs));
      const id = await boss.send(queueName(type), data, { singletonKey, startAfter, ...conn });
      wake(type, startAfter.getTime() - Date.now());
      if (id !== null) return;
      // One is queued already: it absorbs this request (debounce); a new payload or an
      // expedite is written into it. An edit, never an insert: a job inserted by the edit
      // would have no data (an upsert without a payload inserted one when the queued job
      // started meanwhile). If it did start, this request is queued anew after it.
      if (payload || expedite) {
        const { updated } = await boss.update(queueName(type), payload ? data : undefined, { singletonKey, ...(expedite ? { startAfter: new Date() } : {}), ...conn });
        if (updated === 0) await boss.send(queueName(type), data, { singletonKey, startAfter: expedite ? new Date() : startAfter, ...conn });
        if (expedite) wake(type, 0);
      }
    },
  };

  async function run(job: Job<JobData | null> & { retryCount?: number; singletonKey?: string | null }): Promise<void> {
    const type = typeOf(job.name);
    // A job without data (inserted by an edit of one that had started) still names its shop in its key.
    const shopId = job.data?.shopId ?? job.singletonKey?.slice(0, job.singletonKey.lastIndexOf("/")) ?? "";
    const attempt = (job.retryCount ?? 0) + 1;
    try {
      const handler = handlers[type];
      if (!handler) throw new Error(`no handler for job type ${type}`);
      await handler({ shopId, payload: job.data?.payload ?? {}, attempt, queue });
    } catch (err) {
      log("job failed", { job: type, shopId, attempt, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  }

  return {
    boss,
    ready,
    queue,
    enqueue: queue.enqueue,
    async start() {
      await ready();
      working = true;
      for (const type of JOB_TYPES) {
        if (!handlers[type]) continue;
        const workerId = await boss.work<JobData>(
          queueName(type),
          {
            localConcurrency: options.concurrency?.[type] ?? DEFAULT_CONCURRENCY[type],
            pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
            includeMetadata: true,
          },
          async (jobs) => {
            for (const job of jobs) await track(run(job as Job<JobData> & { retryCount?: number }));
          },
        );
        workerIds.set(type, workerId);
      }
    },
    async stop({ timeoutMs = options.shutdownMs ?? 25_000 }: { timeoutMs?: number } = {}): Promise<StopResult> {
      const running = inFlight.size;
      if (starting) {
        await starting.catch(() => {});
        // Stop fetching, wait for handlers in flight, close pg-boss's own pool.
        await boss.stop({ graceful: true, timeout: timeoutMs });
      }
      working = false;
      workerIds.clear();
      const released = inFlight.size;
      return { finished: running - released, released };
    },
    /** Runs due jobs in this process until none is left (tests, CLI); `includeDelayed` ignores start times. */
    async drain({ includeDelayed = false, maxJobs = 10_000 } = {}) {
      await ready();
      if (working) throw new Error("drain() is for a runner that is not working its queues");
      let total = 0;
      for (;;) {
        let ran = 0;
        for (const type of JOB_TYPES) {
          const jobs = await boss.fetch<JobData>(queueName(type), { batchSize: 1, includeMetadata: true, ignoreStartAfter: includeDelayed });
          for (const job of jobs) {
            ran++;
            try {
              await run(job);
              await boss.complete(queueName(type), job.id);
            } catch (err) {
              await boss.fail(queueName(type), job.id, { message: err instanceof Error ? err.message : String(err) });
            }
          }
        }
        total += ran;
        if (ran === 0) return total;
        if (total > maxJobs) throw new Error(`drain ran more than ${maxJobs} jobs`);
      }
    },
    failed: (shopId) => failedPgBossJobs(db, shopId),
  };
}

/** Statements on the ambient transaction's connection when there is one, else the pool. */
function transactionExecutor(db: PostgresDb): IDatabase {
  return { executeSql: (text, values) => db.withClient((client) => client.query(text, values as unknown[])) };
}

/** How many jobs of (type, shop, key) wait to run (queued or due for a retry; not running). */
export async function pendingPgBossJobs(db: PostgresDb, type: JobType, shopId: string, key = ""): Promise<number> {
  return (await db
    .prepare(`SELECT count(*) FROM ${PG_BOSS_SCHEMA}.job WHERE name = ? AND singleton_key = ? AND state IN ('created', 'retry')`)
    .pluck()
    .get(queueName(type), `${shopId}/${key}`)) as number;
}

/** Stops a shop's work (uninstall): its queued and running jobs are cancelled, in the caller's transaction. */
export async function cancelPgBossJobs(db: PostgresDb, shopId: string): Promise<void> {
  await db
    .prepare(`UPDATE ${PG_BOSS_SCHEMA}.job SET state = 'cancelled', completed_on = now() WHERE data->>'shopId' = ? AND state IN ('created', 'retry', 'active')`)
    .run(shopId);
}

/** A shop's jobs, every state, gone (shop erasure: their payloads name the shop's orders). */
export async function deletePgBossJobs(db: PostgresDb, shopId: string): Promise<number> {
  return (await db.prepare(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE data->>'shopId' = ?`).run(shopId)).changes;
}

/** Which of `types` a shop has running, or queued to start by `until` (the dashboard's "under way"). */
export async function duePgBossJobTypes(db: PostgresDb, shopId: string, types: readonly JobType[], until: Date): Promise<Set<JobType>> {
  const names = (await db
    .prepare(
      `SELECT DISTINCT name FROM ${PG_BOSS_SCHEMA}.job WHERE data->>'shopId' = ? AND name = ANY(?::text[])
         AND (state = 'active' OR (state IN ('created', 'retry') AND start_after <= ?))`,
    )
    .pluck()
    .all(shopId, types.map(queueName), until)) as string[];
  return new Set(names.map(typeOf));
}

/** When the earliest of a shop's running jobs of a type started (epoch ms), or null. */
export async function pgBossRunningSince(db: PostgresDb, shopId: string, type: JobType): Promise<number | null> {
  const started = (await db
    .prepare(`SELECT min(started_on) FROM ${PG_BOSS_SCHEMA}.job WHERE data->>'shopId' = ? AND name = ? AND state = 'active'`)
    .pluck()
    .get(shopId, queueName(type))) as Date | string | null;
  return started === null || started === undefined ? null : new Date(started).getTime();
}

/**
 * Failed jobs of a shop not since superseded by a completed run of the same type, newest
 * first (the dashboard's list, as the embedded runner's failedJobs gives it).
 */
export async function failedPgBossJobs(db: PostgresDb, shopId: string, limit = 10): Promise<FailedJob[]> {
  const { rows } = await db.pool.query(
    `SELECT f.id, f.name, f.retry_count, f.output, f.completed_on FROM ${PG_BOSS_SCHEMA}.job f
     WHERE f.state = 'failed' AND f.name LIKE 'rfm.%' AND f.name <> $3 AND f.data->>'shopId' = $1
       AND NOT EXISTS (SELECT 1 FROM ${PG_BOSS_SCHEMA}.job d WHERE d.name = f.name AND d.state = 'completed'
                         AND d.data->>'shopId' = $1 AND d.completed_on > f.completed_on)
     ORDER BY f.completed_on DESC LIMIT $2`,
    [shopId, limit, DEAD_LETTER],
  );
  return rows.map((r: { id: string; name: string; retry_count: number; output: { message?: string } | null; completed_on: Date }) => ({
    id: r.id,
    type: typeOf(r.name),
    attempts: r.retry_count + 1,
    lastError: r.output?.message ?? null,
    failedAt: new Date(r.completed_on).getTime(),
  }));
}
