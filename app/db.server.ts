import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type Database from "better-sqlite3";
import { sqlitePath } from "./sync/sqlite.server";

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

/** A Prisma client on the Rust-free engine with the SQLite driver adapter. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (!databaseUrl.startsWith("file:")) {
    throw new Error(`DATABASE_URL ${databaseUrl.split(":")[0]}: only SQLite (file:) is wired up so far`);
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
