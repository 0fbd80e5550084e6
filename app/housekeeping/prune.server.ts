/**
 * Daily housekeeping: rows that only ever grow are deleted once nothing needs them.
 * Retention periods are chosen per table (see RETENTION); run as the `prune` job.
 */
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/types";

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
  /** Applied webhook deliveries (the dedupe record outlives them); ones set aside as failed stay as failed jobs do. */
  appliedInboxMs: number;
}

export const RETENTION: Retention = {
  webhookEventsMs: 7 * DAY_MS,
  finishedJobsMs: 7 * DAY_MS,
  failedJobsMs: 30 * DAY_MS,
  writebackRunsMs: 90 * DAY_MS,
  resolvedWebhookProblemsMs: 30 * DAY_MS,
  expiredDownloadTokensMs: DAY_MS,
  appliedInboxMs: 2 * DAY_MS,
};

export type PruneCounts = Record<
  "webhookEvents" | "jobs" | "dataRequests" | "writebackRuns" | "webhookProblems" | "downloadTokens" | "webhookInbox",
  number
>;

/**
 * Deletes what is past its retention, as of `now`. Dates are compared as epoch ms, as the
 * app's raw SQL writes them; rows Prisma wrote (ISO text) are compared on their parsed time.
 */
export async function pruneOldRows(db: Db, now: Date, retention: Retention = RETENTION): Promise<PruneCounts> {
  const t = now.getTime();
  // A date column as epoch ms; on SQLite whether it holds a number or an ISO string.
  const ms = (col: string) =>
    db.dialect === "sqlite"
      ? `(CASE WHEN typeof(${col}) IN ('integer', 'real') THEN ${col} ELSE CAST(strftime('%s', ${col}) AS INTEGER) * 1000 END)`
      : db.sql.epochMs(col);
  const run = async (sql: string, ...params: unknown[]) => (await db.prepare(sql).run(...params)).changes;
  return db.transaction(async (): Promise<PruneCounts> => ({
    webhookEvents: await run(`DELETE FROM "WebhookEvent" WHERE ${ms("receivedAt")} < ?`, t - retention.webhookEventsMs),
    jobs:
      (await run(`DELETE FROM "Job" WHERE status IN ('done', 'cancelled') AND ${ms("updatedAt")} < ?`, t - retention.finishedJobsMs)) +
      (await run(`DELETE FROM "Job" WHERE status = 'failed' AND ${ms("updatedAt")} < ?`, t - retention.failedJobsMs)),
    dataRequests: await run(
      `DELETE FROM "DataRequest" WHERE coalesce(${ms("expiresAt")}, ${ms("createdAt")} + ?) <= ?`,
      30 * DAY_MS,
      t,
    ),
    writebackRuns: await run(
      `DELETE FROM "WritebackRun" WHERE ${ms("startedAt")} < ?
         AND id NOT IN (SELECT max(id) FROM "WritebackRun" GROUP BY shopId)`,
      t - retention.writebackRunsMs,
    ),
    webhookProblems: await run(
      `DELETE FROM "WebhookProblem" WHERE resolvedAt IS NOT NULL AND ${ms("resolvedAt")} < ?`,
      t - retention.resolvedWebhookProblemsMs,
    ),
    downloadTokens: await run(
      `DELETE FROM "DownloadToken" WHERE ${ms("expiresAt")} < ?`,
      t - retention.expiredDownloadTokensMs,
    ),
    webhookInbox:
      (await run(`DELETE FROM "WebhookInbox" WHERE outcome <> 'failed' AND ${ms("appliedAt")} < ?`, t - retention.appliedInboxMs)) +
      (await run(`DELETE FROM "WebhookInbox" WHERE outcome = 'failed' AND ${ms("appliedAt")} < ?`, t - retention.failedJobsMs)),
  }));
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
export async function scheduleHousekeeping(queue: JobQueue, now: Date): Promise<void> {
  await queue.enqueue("prune", HOUSEKEEPING_SHOP, { key: "daily", delayMs: untilNextPrune(now) });
}
