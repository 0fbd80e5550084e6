/**
 * A customer's recency as of the shop's last recompute, derived when read. Recompute writes a
 * customer only when its persona, scores or metrics change, so the stored recencyDays holds as
 * of the day the row was last written; the shop's scoring day (SyncState.scoringDay) minus the
 * day of the last counted order (lastOrderAt, written as day × 86 400 000) is today's figure.
 * Rows without a scoring day (or, on SQLite, an epoch lastOrderAt) read the stored value.
 * Use in queries over "Customer" (unaliased), e.g. `SELECT ${recencyDaysSql(db)} AS recencyDays`.
 */
import type { Db } from "~/db/index.server";

/** SQLite's spelling (code still on the synchronous connection). */
export const RECENCY_DAYS_SQL = `(CASE WHEN "Customer".recencyDays IS NULL THEN NULL ELSE coalesce(
  (SELECT s.scoringDay - "Customer".lastOrderAt / 86400000 FROM "SyncState" s
    WHERE s.shopId = "Customer".shopId AND s.scoringDay IS NOT NULL AND typeof("Customer".lastOrderAt) = 'integer'),
  "Customer".recencyDays) END)`;

/** PostgreSQL's: time columns are timestamps there, never text. */
const POSTGRES_RECENCY_DAYS_SQL = `(CASE WHEN "Customer".recencyDays IS NULL THEN NULL ELSE coalesce(
  (SELECT s.scoringDay - (floor(extract(epoch from "Customer".lastOrderAt) / 86400))::integer FROM "SyncState" s
    WHERE s.shopId = "Customer".shopId AND s.scoringDay IS NOT NULL AND "Customer".lastOrderAt IS NOT NULL),
  "Customer".recencyDays) END)`;

/** Today's recency of a "Customer" row, as a SQL expression of the database's dialect. */
export function recencyDaysSql(db: Pick<Db, "dialect">): string {
  return db.dialect === "postgres" ? POSTGRES_RECENCY_DAYS_SQL : RECENCY_DAYS_SQL;
}
