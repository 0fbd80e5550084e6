import { readdirSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pendingMigrationSql, PROVIDERS, sourceSchema } from "../../scripts/db.mjs";
import { freshPostgresDatabase, postgresAdminUrl } from "../support/postgres";

// The SQLite half, and the derived schema file, are checked in test/foundation/schema-sync.test.ts.

async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe("PostgreSQL migrations follow prisma/schema.prisma", () => {
  it("GIVEN the committed PostgreSQL migrations WHEN diffed against the schema THEN nothing is pending", async () => {
    expect(await pendingMigrationSql("postgresql", { postgresUrl: postgresAdminUrl() })).toBe("");
  });

  it("GIVEN a model change no PostgreSQL migration covers WHEN checked THEN the pending SQL names the change", async () => {
    const source = sourceSchema().replace(/(model Shop \{\n)/, "$1  plan String?\n");

    const pending = await pendingMigrationSql("postgresql", { source, postgresUrl: postgresAdminUrl() });

    expect(pending).toContain('ALTER TABLE "Shop" ADD COLUMN     "plan" TEXT');
  });

  it("GIVEN a diff WHEN it is done THEN no shadow database is left on the server", async () => {
    await pendingMigrationSql("postgresql", { postgresUrl: postgresAdminUrl() });

    const shadows = await query<{ datname: string }>(postgresAdminUrl(), "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'");

    expect(shadows).toEqual([]);
  });

  it("GIVEN a test database WHEN inspected THEN every migration is applied, amounts are bigint and times timestamp(3)", async () => {
    const url = await freshPostgresDatabase();

    const applied = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1");
    const columns = await query<{ table_name: string; column_name: string; data_type: string; datetime_precision: number | null }>(
      url,
      `SELECT table_name, column_name, data_type, datetime_precision FROM information_schema.columns
        WHERE table_schema = 'public' AND (column_name LIKE '%Minor' OR table_name = 'Order' AND column_name = 'processedAt')`,
    );

    const dirs = readdirSync(PROVIDERS.postgresql.migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(applied.map((r) => r.migration_name)).toEqual(dirs.map((d) => d.name).sort());
    const type = (table: string, column: string) => columns.find((c) => c.table_name === table && c.column_name === column);
    for (const [table, column] of [
      ["Order", "totalMinor"],
      ["Order", "refundedMinor"],
      ["Order", "itemsTotalMinor"],
      ["OrderLine", "unitPriceMinor"],
      ["OrderLine", "totalMinor"],
      ["Customer", "monetaryMinor"],
      ["PersonaSnapshot", "revenueMinor"],
    ]) {
      expect(type(table, column)?.data_type, `${table}.${column}`).toBe("bigint");
    }
    expect(type("Order", "processedAt")).toMatchObject({ data_type: "timestamp without time zone", datetime_precision: 3 });
  });

  it("GIVEN several test files starting at once WHEN each asks for a database THEN each gets its own migrated copy", async () => {
    const urls = await Promise.all([1, 2, 3, 4].map(() => freshPostgresDatabase()));

    expect(new Set(urls).size).toBe(4);
    for (const url of urls) {
      const [row] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM "Shop"`);
      expect(row.n).toBe(0);
    }
  });
});
