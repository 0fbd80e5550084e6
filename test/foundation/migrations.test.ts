import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../scripts/db.mjs";

const dirs: string[] = [];
function emptyDatabaseFile() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-migrate-"));
  dirs.push(dir);
  return path.join(dir, "fresh.db");
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("migrations (Prisma's WASM schema engine)", () => {
  it("GIVEN an empty SQLite file WHEN migrated THEN every table exists and the migration is recorded", async () => {
    const file = emptyDatabaseFile();

    const applied = await migrate(`file:${file}`);

    expect(applied.length).toBeGreaterThan(0);
    const db = new Database(file, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    const names = tables.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["Session", "Shop", "_prisma_migrations"]));
    const recorded = db.prepare("SELECT migration_name, finished_at FROM _prisma_migrations").all() as {
      migration_name: string;
      finished_at: string | null;
    }[];
    expect(recorded.map((r) => r.migration_name)).toEqual(applied);
    expect(applied[0]).toMatch(/^\d{14}_init$/);
    expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
    db.close();
  });

  it("GIVEN a migrated database WHEN migrated again THEN nothing is applied and nothing changes", async () => {
    const file = emptyDatabaseFile();
    await migrate(`file:${file}`);
    const before = new Database(file, { readonly: true });
    const schemaBefore = before.prepare("SELECT sql FROM sqlite_master ORDER BY name").all();
    before.close();

    const appliedAgain = await migrate(`file:${file}`);

    expect(appliedAgain).toEqual([]);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT sql FROM sqlite_master ORDER BY name").all()).toEqual(schemaBefore);
    const recorded = after.prepare("SELECT migration_name FROM _prisma_migrations").all() as { migration_name: string }[];
    expect(new Set(recorded.map((r) => r.migration_name)).size).toBe(recorded.length);
    after.close();
  });
});
