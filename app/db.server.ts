import { createRequire } from "node:module";
import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type Database from "better-sqlite3";
import { isPostgresUrl, sqlitePath } from "./db/index.server";

/** Prisma's connection waits this long for another writer (the raw connection, another process). */
export const PRISMA_BUSY_TIMEOUT_MS = 10_000;

/**
 * The adapter's connection, set up like our raw one (WAL, busy timeout) and with its
 * transactions begun IMMEDIATE: the adapter issues a plain (deferred) BEGIN, and a deferred
 * transaction that reads and then writes fails at once with SQLITE_BUSY when another
 * process wrote in between, instead of waiting out the busy timeout.
 */
class SqliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;
  constructor(private readonly inner: PrismaBetterSQLite3) {
    this.adapterName = inner.adapterName;
  }
  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await this.inner.connect();
    const client = (adapter as unknown as { client?: Database.Database }).client;
    // Fail loudly if an adapter upgrade moves the connection: silently deferred would lose webhooks.
    if (!client || typeof client.prepare !== "function") throw new Error("Prisma SQLite adapter: connection not found");
    client.pragma("journal_mode = WAL");
    client.pragma("synchronous = NORMAL");
    const prepare = client.prepare.bind(client);
    client.prepare = ((sql: string) => prepare(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql)) as typeof client.prepare;
    return adapter;
  }
  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.inner.connectToShadowDb();
  }
}

export { isPostgresUrl };

/** Epoch milliseconds of a `timestamp` (UTC wall time: sessions run in UTC) or `timestamptz` text. */
function epochMs(text: string, zoned: boolean): number {
  if (text === "infinity") return Infinity;
  if (text === "-infinity") return -Infinity;
  const iso = text.replace(" ", "T");
  // timestamptz prints its offset as ±HH when whole hours, which ISO parsing refuses
  const ms = Date.parse(zoned ? iso.replace(/([+-]\d\d)$/, "$1:00") : `${iso}Z`);
  if (Number.isNaN(ms)) throw new RangeError(`PostgreSQL time ${text} is outside what the app reads`);
  return ms;
}

function safeInteger(text: string): number {
  const n = Number(text);
  // Our int8 values are minor-unit sums, counts and epoch ms, far below 2^53; never round silently.
  if (!Number.isSafeInteger(n)) throw new RangeError(`PostgreSQL bigint ${text} is beyond 2^53: read it as text`);
  return n;
}

const PG_PARSERS = new Map<number, (text: string) => unknown>([
  [pg.types.builtins.INT8, safeInteger],
  [pg.types.builtins.NUMERIC, Number], // sum(bigint) is numeric; avg may have a fraction
  [pg.types.builtins.TIMESTAMP, (t) => epochMs(t, false)],
  [pg.types.builtins.TIMESTAMPTZ, (t) => epochMs(t, true)],
]);

/**
 * The pool's type parsers: integers, sums and times come back as JS numbers (times as epoch
 * milliseconds), the way raw SQL on SQLite returns them. Per pool, not pg's global registry:
 * Prisma's adapter passes its own parsers with every query on the same pool and is unaffected.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    (format ?? "text") === "text" && PG_PARSERS.has(oid)
      ? PG_PARSERS.get(oid)
      : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Connections per process (DATABASE_POOL_MAX, default 10). */
function poolMax(): number {
  const raw = process.env.DATABASE_POOL_MAX?.trim();
  if (!raw) return 10;
  const max = Number(raw);
  if (!Number.isInteger(max) || max < 1) throw new Error(`DATABASE_POOL_MAX must be a whole number of connections (1 or more), got "${raw}"`);
  return max;
}

/** How every connection is made: the app's parsers, and sessions in UTC (time columns hold UTC wall time). */
export function pgPoolConfig(databaseUrl: string, max = poolMax()): pg.PoolConfig {
  return { connectionString: databaseUrl, max, types: pgTypes, options: "-c TimeZone=UTC" };
}

declare global {
  // eslint-disable-next-line no-var
  var rfmPgPools: Map<string, pg.Pool> | undefined;
}

/**
 * The process's pool for a PostgreSQL URL (default DATABASE_URL), shared by Prisma and the SQL
 * seam: one per URL per process, kept on globalThis so dev-server reloads reuse it.
 */
export function pgPool(databaseUrl = process.env.DATABASE_URL ?? ""): pg.Pool {
  if (!isPostgresUrl(databaseUrl)) throw new Error(`pgPool: ${databaseUrl.split(":")[0] || "DATABASE_URL"} is not a postgresql:// URL`);
  const pools = (globalThis.rfmPgPools ??= new Map<string, pg.Pool>());
  let pool = pools.get(databaseUrl);
  if (!pool) {
    pool = new pg.Pool(pgPoolConfig(databaseUrl));
    // An idle connection dropped by the server (restart, failover) must not end the process.
    pool.on("error", (err) => console.warn(`PostgreSQL pool: idle connection lost: ${err.message}`));
    pools.set(databaseUrl, pool);
  }
  return pool;
}

/** Closes every pool this process opened (shutdown, the end of a test file). */
export async function closePgPools(): Promise<void> {
  const pools = [...(globalThis.rfmPgPools?.values() ?? [])];
  globalThis.rfmPgPools?.clear();
  await Promise.all(pools.map((p) => p.end()));
}

type PostgresClientModule = typeof import(".prisma/postgresql");
const requireHere = createRequire(import.meta.url);

/**
 * A Prisma client on the Rust-free engine: SQLite's driver adapter for `file:` URLs; for
 * `postgresql://` the client generated from prisma/postgresql/schema.prisma on the shared pool.
 * Both are typed as the SQLite client (the same models; PostgreSQL's extras stay unused).
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (isPostgresUrl(databaseUrl)) {
    // Loaded only here, so SQLite deployments never load PostgreSQL's query compiler.
    const { PrismaClient: PostgresPrismaClient } = requireHere(".prisma/postgresql") as PostgresClientModule;
    return new PostgresPrismaClient({ adapter: new PrismaPg(pgPool(databaseUrl)) }) as unknown as PrismaClient;
  }
  if (!databaseUrl.startsWith("file:")) {
    throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL), got ${databaseUrl.split(":")[0]}:`);
  }
  const adapter = new SqliteAdapterFactory(new PrismaBetterSQLite3({ url: sqlitePath(databaseUrl), timeout: PRISMA_BUSY_TIMEOUT_MS }));
  return new PrismaClient({ adapter });
}

declare global {
  // eslint-disable-next-line no-var
  var prismaGlobal: PrismaClient | undefined;
}

// One client per process; kept on globalThis so dev-server reloads don't open new ones.
const prisma: PrismaClient =
  globalThis.prismaGlobal ?? createPrismaClient(process.env.DATABASE_URL || "file:./data/rfm.db");
if (process.env.NODE_ENV !== "production") globalThis.prismaGlobal = prisma;

export default prisma;
