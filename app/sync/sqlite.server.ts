import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

/** Resolve a `file:` URL to a path; relative paths are relative to the project root (cwd). */
export function sqlitePath(url: string): string {
  const p = url.replace(/^file:/, "");
  return path.isAbsolute(p) ? p : path.resolve(process.cwd(), p);
}

/**
 * A raw better-sqlite3 connection to the app's database, for the hot paths that move
 * millions of rows (order ingest, recompute reads/writes). Prisma serves everything else.
 * See docs/decisions/004-order-storage-and-ingest.md.
 */
export function openSqlite(databaseUrl: string): SqliteDatabase {
  const file = sqlitePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // WAL lets the web process read while a job writes; NORMAL is durable across app crashes.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("cache_size = -65536");
  return db;
}

/**
 * A write transaction that runs as BEGIN IMMEDIATE. better-sqlite3's default (DEFERRED) takes
 * the write lock only at the first write; if another process committed in between, that
 * upgrade fails at once with SQLITE_BUSY ("database is locked") instead of waiting out
 * busy_timeout. Taking the lock up front makes a second writer wait its turn. Called inside
 * another transaction it becomes a savepoint, as db.transaction does.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function writeTransaction<F extends (...args: any[]) => any>(
  db: SqliteDatabase,
  fn: F,
): (...args: Parameters<F>) => ReturnType<F> {
  const immediate = db.transaction(fn).immediate as unknown as (...args: Parameters<F>) => ReturnType<F>;
  return (...args) => immediate(...args);
}

declare global {
  // eslint-disable-next-line no-var
  var rfmSqlite: { url: string; db: SqliteDatabase } | undefined;
}

/** The process's raw connection to DATABASE_URL (one per process, like the Prisma client). */
export function sqlite(): SqliteDatabase {
  const url = process.env.DATABASE_URL || "file:./data/rfm.db";
  if (!globalThis.rfmSqlite || globalThis.rfmSqlite.url !== url) {
    globalThis.rfmSqlite?.db.close();
    globalThis.rfmSqlite = { url, db: openSqlite(url) };
  }
  return globalThis.rfmSqlite.db;
}
