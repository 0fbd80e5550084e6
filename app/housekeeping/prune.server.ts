/**
 * Daily housekeeping: rows that only ever grow are deleted once nothing needs them.
 * Retention periods are chosen per table (see RETENTION); run as the `prune` job.
 */
import type { JobQueue } from "~/jobs/queue.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";

const DAY_MS = 86_400_000;

export interface Retention {
  /** Webhook dedupe records: Shopify retries a delivery for up to 48 hours. */
  webhookEventsMs: number;
  /** Finished jobs (done, cancelled). */
  finishedJobsMs: number;
  /** Failed jobs stay visible longer: someone should look at them. */
  failedJobsMs: number;
  /** Write-back runs (the latest run of each shop is always kept). */
  writebackRunsMs: number;
  /** Unreadable webhooks whose order was re-read. */
  resolvedWebhookProblemsMs: number;
  /** Download tokens past their expiry (kept briefly so a late click reads "expired", not "unknown"). */
  expiredDownloadTokensMs: number;
}

export const RETENTION: Retention = {
  webhookEventsMs: 7 * DAY_MS,
  finishedJobsMs: 7 * DAY_MS,
  failedJobsMs: 30 * DAY_MS,
  writebackRunsMs: 90 * DAY_MS,
  resolvedWebhookProblemsMs: 30 * DAY_MS,
  expiredDownloadTokensMs: DAY_MS,
};

export type PruneCounts = Record<
  "webhookEvents" | "jobs" | "dataRequests" | "writebackRuns" | "webhookProblems" | "downloadTokens",
  number
>;

/**
 * Deletes what is past its retention, as of `now`. Dates are compared as epoch ms, as the
 * app's raw SQL writes them; rows Prisma wrote (ISO text) are compared on their parsed time.
 */
export function pruneOldRows(db: SqliteDatabase, now: Date, retention: Retention = RETENTION): PruneCounts {
  const t = now.getTime();
  // A date column as epoch ms whether it holds a number or an ISO string.
  const ms = (col: string) =>
    `(CASE WHEN typeof(${col}) IN ('integer', 'real') THEN ${col} ELSE CAST(strftime('%s', ${col}) AS INTEGER) * 1000 END)`;
  const run = (sql: string, ...params: unknown[]) => db.prepare(sql).run(...params).changes;
  return db.transaction((): PruneCounts => ({
    webhookEvents: run(`DELETE FROM "WebhookEvent" WHERE ${ms("receivedAt")} < ?`, t - retention.webhookEventsMs),
    jobs:
      run(`DELETE FROM "Job" WHERE status IN ('done', 'cancelled') AND ${ms("updatedAt")} < ?`, t - retention.finishedJobsMs) +
      run(`DELETE FROM "Job" WHERE status = 'failed' AND ${ms("updatedAt")} < ?`, t - retention.failedJobsMs),
    dataRequests: run(
      `DELETE FROM "DataRequest" WHERE coalesce(${ms("expiresAt")}, ${ms("createdAt")} + ?) <= ?`,
      30 * DAY_MS,
      t,
    ),
    writebackRuns: run(
      `DELETE FROM "WritebackRun" WHERE ${ms("startedAt")} < ?
         AND id NOT IN (SELECT max(id) FROM "WritebackRun" GROUP BY shopId)`,
      t - retention.writebackRunsMs,
    ),
    webhookProblems: run(
      `DELETE FROM "WebhookProblem" WHERE resolvedAt IS NOT NULL AND ${ms("resolvedAt")} < ?`,
      t - retention.resolvedWebhookProblemsMs,
    ),
    downloadTokens: run(
      `DELETE FROM "DownloadToken" WHERE ${ms("expiresAt")} < ?`,
      t - retention.expiredDownloadTokensMs,
    ),
  }))();
}

/** Milliseconds until the next prune (03:30 UTC, away from the midnight recompute). */
export function untilNextPrune(now: Date): number {
  const day = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  let next = day + 3.5 * 3_600_000;
  if (next <= now.getTime()) next += DAY_MS;
  return next - now.getTime();
}

/** The job queue's shop id for work that concerns every shop (the runner needs one). */
export const HOUSEKEEPING_SHOP = "*";

/** Queues the next daily prune (idempotent: an already pending one keeps its time). */
export function scheduleHousekeeping(queue: JobQueue, now: Date): void {
  queue.enqueue("prune", HOUSEKEEPING_SHOP, { key: "daily", delayMs: untilNextPrune(now) });
}
