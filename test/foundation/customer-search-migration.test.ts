import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, PROVIDERS } from "../../scripts/db.mjs";

// SQLite's search index is filled by its migration from the customers already stored
// (docs/decisions/036); PostgreSQL's GIN indexes are built from the rows by CREATE INDEX itself.

const SEARCH_MIGRATION = "20261130232000_customer_search";
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the customer search migration on SQLite", () => {
  it("GIVEN customers and contacts stored before the search index existed WHEN migrated THEN a search through the index finds them", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-search-migration-"));
    dirs.push(dir);
    const earlier = path.join(dir, "migrations");
    cpSync(PROVIDERS.sqlite.migrationsDir, earlier, { recursive: true });
    for (const name of readdirSync(earlier)) if (name >= SEARCH_MIGRATION && !name.endsWith(".toml")) rmSync(path.join(earlier, name), { recursive: true });
    const file = path.join(dir, "shop.db");
    await migrate(`file:${file}`, { migrationsDir: earlier });
    const before = new Database(file);
    before.prepare(`INSERT INTO "Customer" (shopId, customerKey, email) VALUES ('s', 'gid://shopify/Customer/1', 'first@example.com'), ('s', 'gid://shopify/Customer/2', NULL)`).run();
    before.prepare(`INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES ('s', 'gid://shopify/Customer/2', 'Anna Lindqvist', 'anna@orders.example', 0)`).run();
    before.close();

    const applied = await migrate(`file:${file}`);

    expect(applied).toContain(SEARCH_MIGRATION);
    const db = new Database(file);
    const found = (match: string) =>
      db.prepare(`SELECT t.customerKey FROM "CustomerSearch" s JOIN "CustomerSearchText" t ON t.id = s.rowid WHERE "CustomerSearch" MATCH ? ORDER BY 1`).pluck().all(match);
    expect(found(`"ndq" AND "dqv"`)).toEqual(["gid://shopify/Customer/2"]);
    expect(found(`"fir" AND "irs"`)).toEqual(["gid://shopify/Customer/1"]);
    expect(found(`"r/1"`)).toEqual(["gid://shopify/Customer/1"]);
    db.prepare(`INSERT INTO "CustomerSearch" ("CustomerSearch", rank) VALUES ('integrity-check', 1)`).run();
    db.close();
  });
});
