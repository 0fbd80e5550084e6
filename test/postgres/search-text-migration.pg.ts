import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, PROVIDERS } from "../../scripts/db.mjs";
import { createDatabase } from "../../scripts/pg-server.mjs";
import { postgresAdminUrl } from "../support/postgres";

// The migration that adds PostgreSQL's CustomerSearchText (docs/decisions/041) on a database
// that already holds customers: it fills their text, and the triggers follow from then on.

const MIGRATION = "20261201071000_customer_search_text";
let scratch: string | undefined;

afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A migrations directory holding the project's migrations before `upTo` (and `upTo` itself when `including`). */
function migrationsUpTo(upTo: string, including: boolean): string {
  scratch ??= mkdtempSync(path.join(os.tmpdir(), "rfm-pg-migrations-"));
  const dir = PROVIDERS.postgresql.migrationsDir;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".toml") || name < upTo || (including && name === upTo)) cpSync(path.join(dir, name), path.join(scratch, name), { recursive: true });
  }
  return scratch;
}

describe("PostgreSQL CustomerSearchText migration", () => {
  it("GIVEN a database with customers and contacts from before the table WHEN migrated THEN each customer has its lowercased text, and later writes are followed", async () => {
    const url = await createDatabase(postgresAdminUrl(), `search_text_${process.pid}_${Date.now()}`);
    await migrate(url, { migrationsDir: migrationsUpTo(MIGRATION, false) });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`INSERT INTO "Customer" ("shopId", "customerKey", email) VALUES ('s1', 'gid://shopify/Customer/1', 'Ann@Example.com'), ('s1', 'email:guest@example.com', NULL)`);
      await client.query(`INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt") VALUES ('s1', 'gid://shopify/Customer/1', 'Ann LEE', 'ann@orders.example', now())`);

      // WHEN: the rest of the migrations, this one included.
      await migrate(url, { migrationsDir: migrationsUpTo(MIGRATION, true) });

      const texts = async () => (await client.query(`SELECT "customerKey", lowered FROM "CustomerSearchText" WHERE "shopId" = 's1' ORDER BY 1`)).rows;
      expect(await texts()).toEqual([
        { customerKey: "email:guest@example.com", lowered: "email:guest@example.com\n\n\n" },
        { customerKey: "gid://shopify/Customer/1", lowered: "gid://shopify/customer/1\nann@example.com\nann@orders.example\nann lee" },
      ]);
      await client.query(`INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt") VALUES ('s1', 'email:guest@example.com', 'Bo', NULL, now())`);
      await client.query(`DELETE FROM "Customer" WHERE "customerKey" = 'gid://shopify/Customer/1'`);
      expect(await texts()).toEqual([{ customerKey: "email:guest@example.com", lowered: "email:guest@example.com\n\n\nbo" }]);
    } finally {
      await client.end();
    }
  });
});
