/**
 * The jobs a shop has in the queue, whichever runner holds them: the embedded runner's "Job"
 * table on SQLite, pg-boss's job table on PostgreSQL. Statuses in the embedded runner's words.
 */
import { isPostgres, type Db } from "~/db/index.server";
import { PG_BOSS_SCHEMA } from "~/jobs/pg-boss.server";
import { HOUSEKEEPING_SHOP } from "~/housekeeping/prune.server";
import { eraseShop } from "~/shops/shop-data.server";

export interface QueuedJob {
  type: string;
  key: string;
  payload: string;
  status: "pending" | "running" | "done" | "failed" | "cancelled";
  /** When it may run (epoch ms). */
  runAt: number;
}

const PG_BOSS_STATUS: Record<string, QueuedJob["status"]> = {
  created: "pending",
  retry: "pending",
  active: "running",
  completed: "done",
  failed: "failed",
  cancelled: "cancelled",
};

/** A shop's jobs (all of them, or those of `type`), oldest first; applying the webhook inbox is plumbing, not listed. */
export async function queuedJobs(db: Db, shopId: string, type?: string): Promise<QueuedJob[]> {
  if (isPostgres(db)) {
    const exists = await db.pool.query(`SELECT to_regclass('${PG_BOSS_SCHEMA}.job') IS NOT NULL AS ok`);
    if (!exists.rows[0].ok) return []; // pg-boss not started yet: nothing was ever queued
    const { rows } = await db.pool.query(
      `SELECT name, state, data, start_after FROM ${PG_BOSS_SCHEMA}.job
       WHERE name LIKE 'rfm.%' AND name NOT IN ('rfm.dead', 'rfm.apply-inbox') AND data->>'shopId' = $1 AND ($2::text IS NULL OR name = 'rfm.' || $2)
       ORDER BY created_on, id`,
      [shopId, type ?? null],
    );
    return rows.map((r: { name: string; state: string; data: { key?: string; payload?: unknown }; start_after: Date }) => ({
      type: r.name.replace(/^rfm\./, ""),
      key: r.data.key ?? "",
      payload: JSON.stringify(r.data.payload ?? {}),
      status: PG_BOSS_STATUS[r.state] ?? "pending",
      runAt: new Date(r.start_after).getTime(),
    }));
  }
  return (await db
    .prepare(`SELECT type, key, payload, status, runAt FROM "Job" WHERE shopId = ? AND type <> 'apply-inbox' AND (? IS NULL OR type = ?) ORDER BY id`)
    .all(shopId, type ?? null, type ?? null)) as QueuedJob[];
}

/** Forgets a shop's jobs, whichever runner holds them (a test driving job steps itself). */
export async function dropQueuedJobs(db: Db, shopId: string): Promise<void> {
  if (isPostgres(db)) await db.pool.query(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE data->>'shopId' = $1`, [shopId]);
  else await db.prepare(`DELETE FROM "Job" WHERE shopId = ?`).run(shopId);
}

/** A shop's queued jobs taken as running by a worker, whichever runner holds them (a test of what happens meanwhile). */
export async function markJobsRunning(db: Db, shopId: string): Promise<void> {
  if (isPostgres(db)) {
    await db.pool.query(`UPDATE ${PG_BOSS_SCHEMA}.job SET state = 'active', started_on = now() WHERE data->>'shopId' = $1 AND state IN ('created', 'retry')`, [shopId]);
  } else {
    await db.prepare(`UPDATE "Job" SET status = 'running' WHERE shopId = ? AND status = 'pending'`).run(shopId);
  }
}

/** When the next job of any shop that may run before `before` is due (epoch ms), or null. */
export async function nextDueJob(db: Db, before: Date): Promise<number | null> {
  if (isPostgres(db)) {
    const exists = await db.pool.query(`SELECT to_regclass('${PG_BOSS_SCHEMA}.job') IS NOT NULL AS ok`);
    if (!exists.rows[0].ok) return null;
    const { rows } = await db.pool.query(
      `SELECT min(start_after) AS at FROM ${PG_BOSS_SCHEMA}.job
       WHERE name LIKE 'rfm.%' AND name <> 'rfm.dead' AND state IN ('created', 'retry') AND start_after <= $1`,
      [before],
    );
    return rows[0].at === null ? null : new Date(rows[0].at).getTime();
  }
  return ((await db.prepare(`SELECT min(runAt) FROM "Job" WHERE status = 'pending' AND runAt <= ?`).pluck().get(before)) as number | null) ?? null;
}

/**
 * The erasures shop/redact queued (erase-shop jobs), done now as the job does them, and the jobs
 * gone; how many ran. Tests that look at what shop/redact leaves run them after the delivery.
 */
export async function runQueuedErasures(db: Db): Promise<number> {
  const jobs = (await queuedJobs(db, HOUSEKEEPING_SHOP, "erase-shop")).filter((j) => j.status === "pending");
  for (const job of jobs) {
    const { shopId, domain } = JSON.parse(job.payload) as { shopId: string; domain: string };
    await eraseShop(db, shopId, domain);
  }
  if (isPostgres(db)) await db.pool.query(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE name = 'rfm.erase-shop'`);
  else await db.prepare(`DELETE FROM "Job" WHERE type = 'erase-shop'`).run();
  return jobs.length;
}
