/**
 * Reading many rows without holding them: every row of a statement as an array of values,
 * handed to a synchronous callback. On SQLite the statement runs on the connection without
 * an await per row (withNative: the raw driver's speed); on PostgreSQL through a server-side
 * cursor fetched in batches (the seam's `raw().iterate`). For scans of a whole shop
 * (recompute reads); see docs/decisions/033-recompute-on-postgresql.md.
 */
import { isSqlite, type Db } from "./index.server";

export async function scanRows(db: Db, sql: string, params: unknown[], each: (row: unknown[]) => void): Promise<void> {
  if (isSqlite(db)) {
    await db.withNative((native) => {
      for (const r of native.prepare(sql).raw().iterate(...params) as IterableIterator<unknown[]>) each(r);
    });
    return;
  }
  for await (const r of db.prepare(sql).raw().iterate(...params)) each(r as unknown[]);
}
