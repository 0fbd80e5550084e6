import path from "node:path";
import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

/** Resolve a `file:` URL to a path; relative paths are relative to the project root (cwd). */
export function sqlitePath(url: string): string {
  const p = url.replace(/^file:/, "");
  return path.isAbsolute(p) ? p : path.resolve(process.cwd(), p);
}

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
