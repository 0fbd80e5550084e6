/**
 * What the dashboard says about write-back beyond per-customer failures: problems the last
 * finished run recorded (e.g. the store defines one of our fields with another type).
 */
import type { SqliteDatabase } from "~/sync/sqlite.server";

/** The last finished write-back run's problem or error, or null when it went cleanly. */
export function writebackProblem(db: SqliteDatabase, shopId: string): string | null {
  const row = db
    .prepare(`SELECT error FROM "WritebackRun" WHERE shopId = ? AND status != 'running' ORDER BY id DESC LIMIT 1`)
    .get(shopId) as { error: string | null } | undefined;
  return row?.error ?? null;
}
