/**
 * The SQL seam on SQLite: better-sqlite3 underneath (synchronous, one connection per
 * process), behind the async interface. Transactions are BEGIN IMMEDIATE — a second writer
 * (another connection) waits for the lock instead of failing — and a process-wide lock keeps
 * other async flows off the connection while one is open: better-sqlite3 has one connection,
 * so a statement issued meanwhile would otherwise run inside someone else's transaction.
 *
 * How a writer waits (docs/decisions/043-waiting-for-the-sqlite-lock.md): SQLite's own busy
 * handler sleeps on the calling thread, for 25–100 ms at a time once a wait passes a few
 * milliseconds — on the web process's thread that is its event loop, every request stalled
 * behind a scoring thread's write slice. With `waitAsync`, a statement that finds the database
 * locked is retried on a 1 ms timer instead: the event loop runs meanwhile, and the statement
 * gets in within about a millisecond of the lock coming free.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";
import type { Db, DialectSql, RunResult, Statement } from "./sql";
import { startWaiting } from "./lock-waiters.server";

type Native = Database.Database;
const NATIVE = Symbol("better-sqlite3");

const sqliteSql: DialectSql = {
  epochMs: (column) => column,
  least: (a, b) => `min(${a}, ${b})`,
  greatest: (a, b) => `max(${a}, ${b})`,
  plusMs: (time, ms) => `(${time} + ${Math.trunc(ms)})`,
  jsonText: (column, path) => `json_extract(${column}, '${path}')`,
};

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; we also accept booleans and Dates. */
function bindable(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return v;
}

function bindAll(params: unknown[]): unknown[] {
  if (params.length === 1 && params[0] !== null && typeof params[0] === "object" && !(params[0] instanceof Date) && !(params[0] instanceof Uint8Array) && !Array.isArray(params[0])) {
    const named: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params[0] as Record<string, unknown>)) named[k] = bindable(v);
    return [named];
  }
  return params.map(bindable);
}

class Lock {
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  get busy(): boolean {
    return this.held;
  }
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    this.held = true;
    return () => {
      this.held = false;
      release();
    };
  }
  /** Resolves when no transaction holds the connection. */
  async idle(): Promise<void> {
    while (this.held) await this.tail;
  }
}

interface TxState {
  depth: number;
}

export interface SqliteDb extends Db {
  readonly dialect: "sqlite";
  /**
   * fn with the better-sqlite3 connection, for SQLite-only hot paths (bulk ingest, the
   * embedded queue): run when no other flow's transaction holds the connection (or inside
   * the caller's own). fn must be synchronous — awaiting inside would let others in.
   * `atomic`: fn is one transaction (or reads), so if it fails busy it did nothing and may
   * run again once the lock is free — waiting on timers instead of blocking the thread.
   */
  withNative<T>(fn: (native: Native) => T, options?: { atomic?: boolean }): Promise<T>;
  /**
   * fn with a read-only connection that maps the database file, for a scan bigger than the
   * page cache (a short customer search of a big shop, docs/decisions/049): its pages are the OS
   * page cache's own, not read(2) into our cache again on every scan. Opened on first use; the
   * main connection serves instead inside a transaction (the caller's own writes) and for a
   * database in memory. fn must be synchronous and only read.
   */
  withMappedReads<T>(fn: (reader: Native) => T): Promise<T>;
}

/** The most of the file the mapped reader maps: SQLite's build limit (2 GB − 64 kB). */
const MAPPED_READ_BYTES = 0x7fff0000;

/** SQLITE_BUSY and its extended codes: the statement did nothing and may be run again. */
const isBusy = (e: unknown) => typeof (e as { code?: unknown })?.code === "string" && (e as { code: string }).code.startsWith("SQLITE_BUSY");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SqliteDbOptions {
  /**
   * Wait for another connection's write lock on timers rather than in SQLite's busy handler
   * (which blocks the thread), up to `busyTimeoutMs`. The connection's own busy_timeout is set
   * to 0 outside `withNative` calls that do not opt in.
   */
  waitAsync?: boolean;
  /** How long a writer waits for the lock before SQLITE_BUSY reaches the caller. */
  busyTimeoutMs?: number;
}

export function sqliteDb(native: Native, { waitAsync = false, busyTimeoutMs = 10_000 }: SqliteDbOptions = {}): SqliteDb {
  const tx = new AsyncLocalStorage<TxState>();
  const lock = new Lock();
  let savepoints = 0;
  if (waitAsync) native.pragma("busy_timeout = 0");

  /**
   * fn now, or — with waitAsync, when another connection holds the write lock — again every
   * millisecond until it gets in or busyTimeoutMs pass. Only for work that did nothing when it
   * failed busy: one statement, or one transaction's BEGIN. `holdsLock`: the caller holds the
   * process's transaction lock (a BEGIN), so nobody else can open a transaction meanwhile.
   */
  async function whenFree<T>(fn: () => T, holdsLock = false): Promise<T> {
    if (!waitAsync) return fn();
    let deadline = 0;
    let stopWaiting: (() => void) | undefined;
    try {
      for (;;) {
        try {
          return fn();
        } catch (e) {
          if (!isBusy(e)) throw e;
          const now = performance.now();
          deadline ||= now + busyTimeoutMs;
          if (now >= deadline) throw e;
          // Tell this process's scoring threads, so a long write transaction commits now.
          stopWaiting ??= startWaiting();
        }
        await sleep(1);
        // Another flow may have opened a transaction on this connection while we slept.
        if (!holdsLock) while (blocked()) await lock.idle();
      }
    } finally {
      stopWaiting?.();
    }
  }

  /**
   * Outside a transaction, another flow's open transaction blocks us. Callers check this in a
   * loop right before running synchronously, so no transaction can begin in between.
   */
  const blocked = () => lock.busy && !tx.getStore();

  // Compiled once per SQL text and mode: callers write db.prepare(sql) on every call, and
  // compiling is most of a small statement's cost (e.g. a webhook's inbox insert).
  const compiled = new Map<string, Database.Statement>();
  function statement(sql: string, mode: "rows" | "pluck" | "raw"): Statement {
    const compile = () => {
      const prepared = native.prepare(sql);
      if (mode === "pluck") prepared.pluck();
      if (mode === "raw") prepared.raw();
      return prepared;
    };
    const stmt = () => {
      let prepared = compiled.get(mode + sql);
      if (!prepared) {
        // Bounded, in case some caller builds SQL texts without end.
        if (compiled.size >= 1_000) compiled.delete(compiled.keys().next().value!);
        compiled.set(mode + sql, (prepared = compile()));
      }
      return prepared;
    };
    return {
      async get(...params) {
        while (blocked()) await lock.idle();
        return whenFree(() => stmt().get(...bindAll(params)));
      },
      async all(...params) {
        while (blocked()) await lock.idle();
        return whenFree(() => stmt().all(...bindAll(params)));
      },
      async run(...params): Promise<RunResult> {
        while (blocked()) await lock.idle();
        const r = await whenFree(() => stmt().run(...bindAll(params)));
        return { changes: r.changes };
      },
      async *iterate(...params) {
        while (blocked()) await lock.idle();
        // Its own statement: an iteration holds it busy while the caller awaits between rows.
        for (const row of compile().iterate(...bindAll(params))) yield row;
      },
      pluck: () => statement(sql, "pluck"),
      raw: () => statement(sql, "raw"),
    };
  }

  let reader: Native | null | undefined;
  function mappedReader(): Native | null {
    if (reader === undefined) {
      if (native.memory) reader = null;
      else {
        reader = new Database(native.name, { readonly: true, fileMustExist: true });
        reader.pragma(`mmap_size = ${MAPPED_READ_BYTES}`);
        // Its pages come from the mapping; a cache would only copy them again.
        reader.pragma("cache_size = -2048");
      }
    }
    return reader;
  }

  const handle: SqliteDb & { [NATIVE]: Native } = {
    [NATIVE]: native,
    dialect: "sqlite",
    async withNative(fn, { atomic = false } = {}) {
      while (blocked()) await lock.idle();
      // Work that did nothing if it failed busy (one transaction) waits on timers, like a
      // statement; anything else keeps SQLite's own wait, which cannot re-run half of it.
      if (atomic || !waitAsync) return whenFree(() => fn(native));
      native.pragma(`busy_timeout = ${busyTimeoutMs}`);
      try {
        return fn(native);
      } finally {
        native.pragma("busy_timeout = 0");
      }
    },
    async withMappedReads(fn) {
      const mapped = tx.getStore() ? null : mappedReader();
      // A reader in WAL mode never waits for the write lock.
      return mapped ? fn(mapped) : handle.withNative(fn);
    },
    sql: sqliteSql,
    prepare: (sql) => statement(sql, "rows"),
    async exec(sql) {
      while (blocked()) await lock.idle();
      await whenFree(() => native.exec(sql));
    },
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
      const outer = tx.getStore();
      if (outer) {
        const name = `sp${++savepoints}`;
        native.exec(`SAVEPOINT ${name}`);
        try {
          const result = await tx.run({ depth: outer.depth + 1 }, fn);
          native.exec(`RELEASE ${name}`);
          return result;
        } catch (e) {
          native.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
          throw e;
        }
      }
      const release = await lock.acquire();
      try {
        await whenFree(() => native.exec("BEGIN IMMEDIATE"), true);
        try {
          const result = await tx.run({ depth: 1 }, fn);
          native.exec("COMMIT");
          return result;
        } catch (e) {
          if (native.inTransaction) native.exec("ROLLBACK");
          throw e;
        }
      } finally {
        release();
      }
    },
    async close() {
      await lock.idle();
      reader?.close();
      native.close();
    },
  };
  return handle;
}

/**
 * The better-sqlite3 connection behind a SQLite handle, for code not yet on the async seam.
 * Throws on PostgreSQL. Synchronous use bypasses the seam's transaction lock, so keep it to
 * code that never runs inside another flow's transaction (reads for pages, tests).
 */
export function legacySync(db: Db): Native {
  const native = (db as { [NATIVE]?: Native })[NATIVE];
  if (!native) throw new Error(`this code runs on SQLite only (database is ${db.dialect})`);
  return native;
}
