/**
 * The database connection a scoring task opens (worker.server.ts; the recompute benchmark
 * opens the same). A recompute reads each order page once, front to back, so the app's large
 * page cache (openSqlite: 64 MB) only adds to the thread's memory; 16 MB keeps the customer
 * table's writes cached without holding a scan's worth of order pages.
 */
import { openSqlite, type SqliteDatabase } from "~/sync/sqlite.server";

export function openScoringDatabase(databaseUrl: string): SqliteDatabase {
  const db = openSqlite(databaseUrl);
  db.pragma("cache_size = -16384");
  return db;
}
