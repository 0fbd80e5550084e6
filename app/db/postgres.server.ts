/**
 * The SQL seam on PostgreSQL (node-postgres). The app's SQL is written once, in the subset
 * both dialects share (docs/decisions/029-one-sql-seam.md); this side translates what only
 * differs in spelling: `?` and better-sqlite3's named parameters (`@name`, `:name`, `$name`)
 * become `$n`, and mixed-case identifiers (Prisma's columns, e.g. shopId) are quoted, since
 * PostgreSQL folds unquoted names to lower case. Results read like SQLite's: integers, sums
 * and times (epoch milliseconds) as numbers, booleans as 1/0.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import type { Db, DialectSql, RunResult, Statement } from "./sql";

const postgresSql: DialectSql = {
  epochMs: (column) => `(floor(extract(epoch from ${column}) * 1000))::bigint`,
  least: (a, b) => `least(${a}, ${b})`,
  greatest: (a, b) => `greatest(${a}, ${b})`,
  plusMs: (time, ms) => `(${time} + interval '${Math.trunc(ms)} milliseconds')`,
  jsonText: (column, path) => {
    const keys = path.replace(/^\$\.?/, "").split(".").filter(Boolean);
    return `(${column})::jsonb #>> '{${keys.join(",")}}'`;
  },
};

const { builtins } = pg.types;
const toNumber = (v: string) => Number(v);
/** Time columns are `timestamp(3)` holding UTC (the sessions run in UTC). */
const timestampMs = (v: string) => Date.parse(`${v.replace(" ", "T")}Z`);
const parsers = new Map<number, (v: string) => unknown>([
  [builtins.INT8, toNumber],
  [builtins.NUMERIC, toNumber],
  [builtins.BOOL, (v) => (v === "t" ? 1 : 0)],
  [builtins.TIMESTAMP, timestampMs],
  [builtins.TIMESTAMPTZ, (v) => Date.parse(v)],
]);
/** Per query, so Prisma's adapter (same pool, own parsers) is unaffected. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    return (parsers.get(oid) ?? pg.types.getTypeParser(oid, format as "text")) as (v: string) => unknown;
  },
};

interface Translated {
  text: string;
  /** For named parameters: the name of each `$n`, in order. */
  names: string[] | null;
  positional: number;
}

const cache = new Map<string, Translated>();

/** Rewrites placeholders and quotes mixed-case identifiers, leaving literals, quoted names and comments alone. */
export function translate(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit) return hit;
  let out = "";
  let positional = 0;
  const names: string[] = [];
  const slots = new Map<string, number>();
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      const end = j < 0 ? n : j;
      out += sql.slice(i, end);
      i = end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const j = sql.indexOf("*/", i + 2);
      const end = j < 0 ? n : j + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === "?") {
      out += `$${++positional}`;
      i++;
    } else if (c === ":" && sql[i + 1] === ":") {
      out += "::";
      i += 2;
    } else if ((c === "@" || c === ":" || c === "$") && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (j < n && /\w/.test(sql[j])) j++;
      const name = sql.slice(i + 1, j);
      let slot = slots.get(name);
      if (slot === undefined) {
        names.push(name);
        slot = names.length;
        slots.set(name, slot);
      }
      out += `$${slot}`;
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(sql[j])) j++;
      const word = sql.slice(i, j);
      out += /[a-z]/.test(word) && /[A-Z]/.test(word) ? `"${word}"` : word;
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(sql[j])) j++;
      out += sql.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error("SQL mixes ? and named parameters");
  const result = { text: out, names: names.length > 0 ? names : null, positional };
  cache.set(sql, result);
  return result;
}

/**
 * Text as PostgreSQL can store it: its text type holds no NUL character (SQLite's does), and a
 * write carrying one would fail every time it is retried. A NUL is dropped, nothing else.
 */
export function storableText(v: string): string {
  return v.includes("\u0000") ? v.replaceAll("\u0000", "") : v;
}

/** JSON for a statement that reads it into text columns (json_to_recordset), NULs dropped as storableText does. */
export function storableJson(v: unknown): string {
  return JSON.stringify(v, (_key, x: unknown) => (typeof x === "string" ? storableText(x) : x));
}

function value(v: unknown): unknown {
  if (typeof v === "string") return storableText(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (v === undefined) return null;
  return v;
}

function values(t: Translated, params: unknown[]): unknown[] {
  if (t.names) {
    const bag = (params[0] ?? {}) as Record<string, unknown>;
    return t.names.map((name) => {
      if (!(name in bag)) throw new Error(`SQL parameter @${name} missing`);
      return value(bag[name]);
    });
  }
  if (params.length !== t.positional) throw new Error(`SQL expects ${t.positional} parameters, got ${params.length}`);
  return params.map(value);
}

type Client = pg.PoolClient;
interface TxState {
  client: Client;
  depth: number;
}

/** Rows fetched per round trip when iterating with a cursor. */
const CURSOR_BATCH = 10_000;

export interface PostgresDb extends Db {
  readonly dialect: "postgres";
  readonly pool: pg.Pool;
  /** fn with a connection of its own (inside the ambient transaction's, if any), e.g. for COPY. */
  withClient<T>(fn: (client: Client) => Promise<T>): Promise<T>;
}

export function postgresDb(pool: pg.Pool, options: { ownsPool?: boolean } = {}): PostgresDb {
  const tx = new AsyncLocalStorage<TxState>();
  let savepoints = 0;

  async function query(sql: string, params: unknown[], rowMode?: "array"): Promise<pg.QueryResult> {
    const t = translate(sql);
    const config = { text: t.text, values: values(t, params), types, ...(rowMode ? { rowMode } : {}) };
    const client = tx.getStore()?.client;
    return client ? client.query(config) : pool.query(config);
  }

  function statement(sql: string, mode: "rows" | "pluck" | "raw"): Statement {
    const rowMode = mode === "rows" ? undefined : "array";
    const shape = (row: unknown) => (mode === "pluck" ? (row as unknown[])[0] : row);
    return {
      async get(...params) {
        const r = await query(sql, params, rowMode);
        return r.rows.length > 0 ? shape(r.rows[0]) : undefined;
      },
      async all(...params) {
        const r = await query(sql, params, rowMode);
        return mode === "pluck" ? r.rows.map(shape) : r.rows;
      },
      async run(...params): Promise<RunResult> {
        const r = await query(sql, params, rowMode);
        return { changes: r.rowCount ?? 0 };
      },
      async *iterate(...params) {
        const t = translate(sql);
        const own = tx.getStore()?.client;
        const client = own ?? (await pool.connect());
        const cursor = `c${++savepoints}`;
        let open = false;
        try {
          if (!own) await client.query("BEGIN");
          await client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${t.text}`, values: values(t, params) });
          open = true;
          for (;;) {
            const r = await client.query({ text: `FETCH ${CURSOR_BATCH} FROM ${cursor}`, types, ...(rowMode ? { rowMode } : {}) });
            for (const row of r.rows) yield shape(row);
            if (r.rows.length < CURSOR_BATCH) break;
          }
        } finally {
          if (open) await client.query(`CLOSE ${cursor}`).catch(() => {});
          if (!own) {
            await client.query("COMMIT").catch(() => {});
            client.release();
          }
        }
      },
      pluck: () => statement(sql, "pluck"),
      raw: () => statement(sql, "raw"),
    };
  }

  return {
    dialect: "postgres",
    pool,
    sql: postgresSql,
    prepare: (sql) => statement(sql, "rows"),
    async exec(sql) {
      const client = tx.getStore()?.client;
      await (client ? client.query(sql) : pool.query(sql));
    },
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
      const outer = tx.getStore();
      if (outer) {
        const name = `sp${++savepoints}`;
        await outer.client.query(`SAVEPOINT ${name}`);
        try {
          const result = await tx.run({ client: outer.client, depth: outer.depth + 1 }, fn);
          await outer.client.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (e) {
          await outer.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          throw e;
        }
      }
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        try {
          const result = await tx.run({ client, depth: 1 }, fn);
          await client.query("COMMIT");
          return result;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          throw e;
        }
      } finally {
        client.release();
      }
    },
    async withClient(fn) {
      const own = tx.getStore()?.client;
      if (own) return fn(own);
      const client = await pool.connect();
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    },
    async close() {
      if (options.ownsPool) await pool.end();
    },
  };
}
