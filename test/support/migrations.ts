/**
 * A migration's test on a database that holds rows from before it: the project's migrations
 * up to (not including) one, in a scratch directory to migrate with; `migrate(url)` afterwards
 * applies the rest, that one included.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { PROVIDERS } from "../../scripts/db.mjs";

const scratch: string[] = [];
afterEach(() => scratch.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory of `provider`'s migrations before `migration` (removed after the test). */
export function migrationsBefore(provider: "sqlite" | "postgresql", migration: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-migrations-"));
  scratch.push(dir);
  const from = PROVIDERS[provider].migrationsDir;
  for (const name of readdirSync(from)) if (name.endsWith(".toml") || name < migration) cpSync(path.join(from, name), path.join(dir, name), { recursive: true });
  return dir;
}

/** A scratch directory for a test's database file (removed after the test). */
export function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-migrated-"));
  scratch.push(dir);
  return dir;
}
