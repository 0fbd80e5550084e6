import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { derivePostgresSchema, migrate, pendingMigrationSql, PROVIDERS, sourceSchema } from "../../scripts/db.mjs";

// The PostgreSQL half (its migrations against the schema, on a real server) is in
// test/postgres/schema-sync.pg.ts, run by `npm run test:pg`.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The source schema with one model's body edited. */
function withModelChange(model: string, edit: (body: string) => string): string {
  const source = sourceSchema();
  const changed = source.replace(new RegExp(`(model ${model} \\{\n)([\\s\\S]*?\n)(\\}\n)`), (_, open, body, close) => open + edit(body) + close);
  expect(changed).not.toBe(source);
  return changed;
}

describe("one schema for both databases: prisma/schema.prisma (SQLite) is the source", () => {
  it("GIVEN the source schema WHEN the PostgreSQL schema is derived THEN it is the committed prisma/postgresql/schema.prisma (npm run db:generate was run)", () => {
    const committed = readFileSync(PROVIDERS.postgresql.schemaPath, "utf8");

    expect(derivePostgresSchema()).toBe(committed);
    expect(committed).toMatch(/^\/\/ GENERATED/);
    expect(committed).toMatch(/datasource db \{\s*provider = "postgresql"/);
    expect(committed).toContain('output     = "../../node_modules/.prisma/postgresql"');
  });

  it("GIVEN the committed SQLite migrations WHEN diffed against the schema THEN nothing is pending", async () => {
    expect(await pendingMigrationSql("sqlite")).toBe("");
  });

  it("GIVEN a model change no SQLite migration covers WHEN checked THEN the pending SQL names the change", async () => {
    const source = withModelChange("Shop", (body) => `${body}  plan String?\n`);

    const pending = await pendingMigrationSql("sqlite", { source });

    expect(pending).toContain('ALTER TABLE "Shop" ADD COLUMN "plan" TEXT');
  });

  it("GIVEN a column type change on Order WHEN the SQLite migration is written THEN the rebuilt table stays WITHOUT ROWID", async () => {
    const source = withModelChange("Order", (body) => body.replace(/lineCount\s+Int/, "lineCount BigInt"));

    const pending = await pendingMigrationSql("sqlite", { source });

    expect(pending).toMatch(/CREATE TABLE "new_Order" \([^;]*\) WITHOUT ROWID;/);
  });

  it("GIVEN a DATABASE_URL of a database we do not support WHEN migrating THEN it is refused naming DATABASE_URL", async () => {
    await expect(migrate("mysql://root@127.0.0.1/rfm")).rejects.toThrow(/DATABASE_URL must start with file: \(SQLite\) or postgresql:\/\/ \(PostgreSQL\), got mysql:/);
  });

  it("GIVEN an empty SQLite file WHEN migrated THEN Order, OrderLine and Customer are WITHOUT ROWID and amounts are BIGINT", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-sync-"));
    dirs.push(dir);
    const file = path.join(dir, "fresh.db");

    await migrate(`file:${file}`);

    const db = new Database(file, { readonly: true });
    const sql = (table: string) => (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string }).sql;
    for (const table of ["Order", "OrderLine", "Customer"]) expect(sql(table)).toMatch(/\)\s*WITHOUT ROWID$/);
    expect(sql("Order")).toContain('"totalMinor" BIGINT NOT NULL');
    expect(sql("Customer")).toContain('"monetaryMinor" BIGINT NOT NULL');
    db.close();
  });
});
