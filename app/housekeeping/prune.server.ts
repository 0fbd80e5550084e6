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
 * How long one delete transaction on SQLite may hold the write lock, and with it the process's
 * event loop (better-sqlite3 is synchronous). The prune deleted everything in one transaction:
 * 2.4 s for 1M applied deliveries and 1M dedupe records, nothing answered meanwhile (decision
 * 067, `npm run bench:prune`). A row's
 * cost varies with its size (a delivery keeps its payload), so slices are sized by time: the
 * next slice's rows from the last one's pace.
 */
export const PRUNE_SLICE_MS = 20;
const FIRST_SLICE_ROWS = 1_000;
const LEAST_SLICE_ROWS = 50;
const MOST_SLICE_ROWS = 20_000;
/** Before each slice: long enough for another process's writer, which retries every millisecond (decision 043). */
const BETWEEN_SLICES_MS = 2;

export interface PruneOptions {
  /** Target time of one slice (SQLite); Infinity: slices of maxSliceRows. */
  sliceMs?: number;
  /** At most this many rows per slice (SQLite). */
  maxSliceRows?: number;
}

/**
 * Deletes what is past its retention, as of `now`. Dates are compared as epoch ms, as the
 * app's raw SQL writes them; rows Prisma wrote (ISO text) are compared on their parsed time.
 * Nothing ties one table's deletes to another's, so each goes on its own: on PostgreSQL one
 * statement per table (a delete there locks only its own rows), on SQLite in slices.
 */
export async function pruneOldRows(db: Db, now: Date, retention: Retention = RETENTION, options: PruneOptions = {}): Promise<PruneCounts> {
  const t = now.getTime();
  const slices = { sliceMs: options.sliceMs ?? PRUNE_SLICE_MS, maxRows: Math.max(1, options.maxSliceRows ?? MOST_SLICE_ROWS) };
  // A date column as epoch ms; on SQLite whether it holds a number or an ISO string.
  const ms = (col: string) =>
    db.dialect === "sqlite"
      ? `(CASE WHEN typeof(${col}) IN ('integer', 'real') THEN ${col} ELSE CAST(strftime('%s', ${col}) AS INTEGER) * 1000 END)`
      : db.sql.epochMs(col);
  const run = (table: string, where: string, ...params: unknown[]) =>
    db.dialect === "sqlite" ? deleteInSlices(db, table, where, params, slices) : deleteAtOnce(db, table, where, params);
  return {
    webhookEvents: await run("WebhookEvent", `${ms("receivedAt")} < ?`, t - retention.webhookEventsMs),
    // One condition per table: on SQLite each condition walks the table.
    jobs: await run(
      "Job",
      `(status IN ('done', 'cancelled') AND ${ms("updatedAt")} < ?) OR (status = 'failed' AND ${ms("updatedAt")} < ?)`,
      t - retention.finishedJobsMs,
      t - retention.failedJobsMs,
    ),
    dataRequests: await run("DataRequest", `coalesce(${ms("expiresAt")}, ${ms("createdAt")} + ?) <= ?`, 30 * DAY_MS, t),
    writebackRuns: await run(
      "WritebackRun",
      `${ms("startedAt")} < ? AND id NOT IN (SELECT max(id) FROM "WritebackRun" GROUP BY shopId)`,
      t - retention.writebackRunsMs,
    ),
    webhookProblems: await run("WebhookProblem", `resolvedAt IS NOT NULL AND ${ms("resolvedAt")} < ?`, t - retention.resolvedWebhookProblemsMs),
    downloadTokens: await run("DownloadToken", `${ms("expiresAt")} < ?`, t - retention.expiredDownloadTokensMs),
    webhookInbox: await run(
      "WebhookInbox",
      `(outcome <> 'failed' AND ${ms("appliedAt")} < ?) OR (outcome = 'failed' AND ${ms("appliedAt")} < ?)`,
      t - retention.appliedInboxMs,
      t - retention.failedJobsMs,
    ),
  };
}

async function deleteAtOnce(db: Db, table: string, where: string, params: unknown[]): Promise<number> {
  return (await db.prepare(`DELETE FROM "${table}" WHERE ${where}`).run(...params)).changes;
}

/**
 * SQLite: the table in rowid order, a window of rows per transaction, whose matching rows go.
 * The window's end is found before its transaction from the rowids alone (no row's columns are
 * read: a delivery's payload sits before the columns the conditions test), so a slice's work is
 * bounded by the rows it looks at, matching or not. The delete then judges each row as it is
 * then. Walking on from the last window's end reads each row once, however many slices.
 */
async function deleteInSlices(db: Db, table: string, where: string, params: unknown[], slices: { sliceMs: number; maxRows: number }): Promise<number> {
  const windowEnd = db.prepare(`SELECT rowid FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ?`).pluck();
  const deleteUpTo = db.prepare(`DELETE FROM "${table}" WHERE rowid > ? AND rowid <= ? AND (${where})`);
  const deleteRest = db.prepare(`DELETE FROM "${table}" WHERE rowid > ? AND (${where})`);
  let after = 0;
  let deleted = 0;
  // Without a time bound, one slice of up to maxRows (benchmarks compare with it).
  let rows = Number.isFinite(slices.sliceMs) ? Math.min(FIRST_SLICE_ROWS, slices.maxRows) : slices.maxRows;
  for (;;) {
    // Whatever waited while the last slice (or the last table's) held the thread goes first.
    await new Promise((resolve) => setTimeout(resolve, BETWEEN_SLICES_MS));
    const started = performance.now();
    const end = (await windowEnd.get(after, rows - 1)) as number | undefined;
    const done = await db.transaction(async () =>
      end === undefined ? (await deleteRest.run(after, ...params)).changes : (await deleteUpTo.run(after, end, ...params)).changes,
    );
    // The slice's pages into the database file now, on the prune's time: otherwise the next
    // commit past the WAL's auto-checkpoint mark copies them, a webhook receipt's as likely.
    if (done > 0) await db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    deleted += done;
    if (end === undefined) return deleted;
    after = end;
    const took = performance.now() - started;
    const pace = took > 0 ? Math.floor((rows * slices.sliceMs) / took) : rows * 2;
    rows = Math.max(Math.min(LEAST_SLICE_ROWS, slices.maxRows), Math.min(slices.maxRows, rows * 2, pace));
  }
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
