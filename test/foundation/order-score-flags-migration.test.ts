import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrate } from "../../scripts/db.mjs";
import { ORDER_FLAG } from "~/rfm/rules-columns";
import { migrationsBefore, scratchDir } from "../support/migrations";

// The migration that adds Order.scoreFlags (docs/decisions/074) on a database that already
// holds orders: each live order gets the flags its columns give, as the order store writes them.

const MIGRATION = "20261203233612_order_score_flags";

describe("the order score flags migration on SQLite", () => {
  it("GIVEN orders stored before scoreFlags existed WHEN migrated THEN each live order's scoreFlags holds its flags", async () => {
    const file = path.join(scratchDir(), "shop.db");
    await migrate(`file:${file}`, { migrationsDir: migrationsBefore("sqlite", MIGRATION) });
    const before = new Database(file);
    const insert = before.prepare(`INSERT INTO "Order" (shopId, id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor,
      pos, subscription, test, cancelled, unpaid, amountUnknown, deleted) VALUES ('s', ?, 'k', ?, 0, 0, 'USD', 100, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // id, guest, refundedMinor, pos, subscription, test, cancelled, unpaid, amountUnknown, deleted
    insert.run("plain", 0, 0, 0, 0, 0, 0, 0, 0, 0);
    insert.run("every", 1, 100, 1, 1, 1, 1, 1, 1, 0);
    insert.run("part-refund", 0, 99, 0, 0, 1, 0, 0, 0, 0);
    insert.run("tombstone", 0, 0, 1, 0, 0, 0, 0, 0, 1);
    before.close();

    const applied = await migrate(`file:${file}`);

    expect(applied).toContain(MIGRATION);
    const db = new Database(file);
    const flags = db.prepare(`SELECT id, scoreFlags FROM "Order" ORDER BY id`).raw().all();
    db.close();
    const all = Object.values(ORDER_FLAG).reduce((sum, bit) => sum + bit, 0);
    expect(flags).toEqual([
      ["every", all],
      ["part-refund", ORDER_FLAG.test],
      ["plain", 0],
      ["tombstone", 0],
    ]);
  });
});
