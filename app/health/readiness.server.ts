/**
 * Readiness (GET /readyz): this process can serve, i.e. its database answers and has every
 * migration this build ships. Load balancers and deploys wait for it; liveness is /healthz.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "~/db/index.server";

export type Readiness = { ready: true } | { ready: false; reason: "database unreachable" | "migrations pending"; pending?: string[] };

/** The migrations this build ships for the database's engine. */
export function migrationsDirFor(db: Db, root = process.cwd()): string {
  return path.join(root, "prisma", ...(db.dialect === "postgres" ? ["postgresql"] : []), "migrations");
}

export async function readiness(db: Db, migrationsDir = migrationsDirFor(db)): Promise<Readiness> {
  let applied: Set<string>;
  try {
    const names = (await db
      .prepare(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)
      .pluck()
      .all()) as string[];
    applied = new Set(names);
  } catch (err) {
    // No migrations table at all is a database nobody migrated.
    if (/_prisma_migrations/.test(String(err))) return { ready: false, reason: "migrations pending", pending: shipped(migrationsDir) };
    return { ready: false, reason: "database unreachable" };
  }
  const pending = shipped(migrationsDir).filter((m) => !applied.has(m));
  return pending.length === 0 ? { ready: true } : { ready: false, reason: "migrations pending", pending };
}

function shipped(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}
