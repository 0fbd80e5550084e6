/**
 * The app's SQL seam: one async, better-sqlite3-shaped interface over SQLite (the embedded
 * default) and PostgreSQL (production, selected by DATABASE_URL). Code written against it
 * runs on both. See docs/decisions/029-one-sql-seam.md for the rules SQL must follow.
 *
 * Transactions are ambient: inside `db.transaction(fn)` every statement of `db` — also in
 * functions fn calls — runs in that transaction (AsyncLocalStorage), and a nested call is a
 * savepoint, as better-sqlite3's nested transactions are. Never wait on anything but the
 * database inside one (no HTTP): on SQLite a transaction holds the process's connection.
 */
export type Dialect = "sqlite" | "postgres";

/** What a statement accepts: plain values; Dates are stored as the column's time type. */
export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array;
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Statement {
  get(...params: unknown[]): Promise<unknown>;
  all(...params: unknown[]): Promise<unknown[]>;
  run(...params: unknown[]): Promise<RunResult>;
  /** Rows one at a time, without holding the result in memory (a cursor on PostgreSQL). */
  iterate(...params: unknown[]): AsyncIterableIterator<unknown>;
  /** Return only the first column's value. */
  pluck(): Statement;
  /** Return rows as arrays of values, in select order. */
  raw(): Statement;
}

export interface Db {
  readonly dialect: Dialect;
  prepare(sql: string): Statement;
  /** Statements without parameters, run as one script. */
  exec(sql: string): Promise<void>;
  /** fn inside one write transaction (a savepoint when nested); rolled back if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** SQL fragments that differ between the dialects. */
  readonly sql: DialectSql;
  close(): Promise<void>;
}

/** The few expressions the two dialects spell differently. */
export interface DialectSql {
  /** A time column as epoch milliseconds (an integer expression). */
  epochMs(column: string): string;
  /** Scalar minimum / maximum of two expressions. */
  least(a: string, b: string): string;
  greatest(a: string, b: string): string;
  /** A time expression moved by a constant number of milliseconds. */
  plusMs(time: string, ms: number): string;
  /** A JSON text column's member at a path like `$.a.b`, as text. */
  jsonText(column: string, path: string): string;
}

/** Wraps a function so that it runs in one transaction of `db` (like better-sqlite3's db.transaction). */
export function inTransaction<A extends unknown[], R>(db: Db, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => db.transaction(() => fn(...args));
}
