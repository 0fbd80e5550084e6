import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { sqlitePath } from "./sync/sqlite.server";

/** A Prisma client on the Rust-free engine with the SQLite driver adapter. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (!databaseUrl.startsWith("file:")) {
    throw new Error(`DATABASE_URL ${databaseUrl.split(":")[0]}: only SQLite (file:) is wired up so far`);
  }
  const adapter = new PrismaBetterSQLite3({ url: sqlitePath(databaseUrl) });
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
