/**
 * The process's database, chosen by DATABASE_URL: `file:…` → SQLite (the embedded default),
 * `postgresql://…` → PostgreSQL. One handle per process, like the Prisma client.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { postgresDb, type PostgresDb } from "./postgres.server";
import type { Db } from "./sql";
import { sqliteDb, type SqliteDb, type SqliteDbOptions } from "./sqlite.server";

export type { Db, Dialect, Statement } from "./sql";
export { inTransaction } from "./sql";
export type { SqliteDb } from "./sqlite.server";
export type { PostgresDb } from "./postgres.server";

export const DEFAULT_DATABASE_URL = "file:./data/rfm.db";

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** Resolve a `file:` URL to a path; relative paths are relative to the project root (cwd). */
export function sqlitePath(url: string): string {
  const p = url.replace(/^file:/, "");
  return path.isAbsolute(p) ? p : path.resolve(process.cwd(), p);
}

/** A better-sqlite3 connection set up for the app (WAL, busy timeout, a 64 MB cache, statement journals in memory). */
export function openSqliteNative(databaseUrl: string): Database.Database {
  const file = sqlitePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const native = new Database(file);
  // WAL lets the web process read while a job writes; NORMAL is durable across app crashes.
  native.pragma("journal_mode = WAL");
  native.pragma("synchronous = NORMAL");
  native.pragma("busy_timeout = 10000");
  native.pragma("cache_size = -65536");
  // A write statement inside a transaction first copies every page it touches that the
  // transaction already dirtied into a statement journal (Customer's totals triggers make every
  // upsert such a statement). On disk that journal tripled a large recompute's file writes;
  // in memory it is a copy. Temporary tables and sorts stay in memory too (docs/decisions/039).
  native.pragma("temp_store = MEMORY");
  return native;
}

/** A pool whose sessions run in UTC (time columns hold UTC wall time). */
export function createPgPool(databaseUrl: string, max = Number(process.env.DATABASE_POOL_MAX ?? 10)): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max, options: "-c TimeZone=UTC" });
}

/** A new handle on a database (tests, scripts, worker threads); the caller closes it. */
export function openDatabase(databaseUrl: string, sqlite: SqliteDbOptions = {}): Db {
  if (isPostgresUrl(databaseUrl)) return postgresDb(createPgPool(databaseUrl), { ownsPool: true });
  if (databaseUrl.startsWith("file:")) return sqliteDb(openSqliteNative(databaseUrl), sqlite);
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL), got ${databaseUrl.split(":")[0]}:`);
}

export function isSqlite(db: Db): db is SqliteDb {
  return db.dialect === "sqlite";
}

export function isPostgres(db: Db): db is PostgresDb {
  return db.dialect === "postgres";
}

declare global {
  // eslint-disable-next-line no-var
  var rfmDatabase: { url: string; db: Db } | undefined;
}

/**
 * The process's handle on DATABASE_URL. On SQLite it waits for another connection's write
 * lock on timers, not in SQLite's busy handler: this handle serves requests, and the busy
 * handler would stall the event loop behind a scoring thread's writes (decision 043).
 */
export function database(): Db {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!globalThis.rfmDatabase || globalThis.rfmDatabase.url !== url) {
    void globalThis.rfmDatabase?.db.close();
    globalThis.rfmDatabase = { url, db: openDatabase(url, { waitAsync: true }) };
  }
  return globalThis.rfmDatabase.db;
}
