/**
 * The database connection a scoring task opens (worker.server.ts; the recompute benchmark
 * opens the same). On SQLite a recompute reads each order page once, front to back, so the
 * app's large page cache (64 MB) only adds to the thread's memory; 16 MB keeps the customer
 * table's writes cached without holding a scan's worth of order pages. On PostgreSQL a small
 * pool of its own (reads stream through one cursor, writes go in bulk statements).
 */
import { createPgPool, isPostgresUrl, openDatabase, openSqliteNative, type Db } from "~/db/index.server";
import { postgresDb } from "~/db/postgres.server";
import { sqliteDb } from "~/db/sqlite.server";

export function openScoringDatabase(databaseUrl: string): Db {
  if (isPostgresUrl(databaseUrl)) return postgresDb(createPgPool(databaseUrl, 2), { ownsPool: true });
  if (!databaseUrl.startsWith("file:")) return openDatabase(databaseUrl); // names the bad URL
  const native = openSqliteNative(databaseUrl);
  native.pragma("cache_size = -16384");
  return sqliteDb(native);
}
