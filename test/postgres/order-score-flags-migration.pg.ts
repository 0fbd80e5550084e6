import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate } from "../../scripts/db.mjs";
import { createDatabase } from "../../scripts/pg-server.mjs";
import { ORDER_FLAG } from "~/rfm/rules-columns";
import { migrationsBefore } from "../support/migrations";
import { postgresAdminUrl } from "../support/postgres";

// The migration that adds Order.scoreFlags (docs/decisions/074) on a database that already
// holds orders: each live order gets the flags its columns give, as the order store writes them.

const MIGRATION = "20261203233612_order_score_flags";
describe("PostgreSQL order score flags migration", () => {
  it("GIVEN orders stored before scoreFlags existed WHEN migrated THEN each live order's scoreFlags holds its flags", async () => {
    const url = await createDatabase(postgresAdminUrl(), `score_flags_${process.pid}_${Date.now()}`);
    await migrate(url, { migrationsDir: migrationsBefore("postgresql", MIGRATION) });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // id, guest, refundedMinor, pos, subscription, test, cancelled, unpaid, amountUnknown, deleted
      for (const row of [
        ["plain", false, 0, false, false, false, false, false, false, false],
        ["every", true, 100, true, true, true, true, true, true, false],
        ["part-refund", false, 99, false, false, true, false, false, false, false],
        ["tombstone", false, 0, true, false, false, false, false, false, true],
      ]) {
        await client.query(
          `INSERT INTO "Order" ("shopId", id, "customerKey", guest, "processedAt", "updatedAt", currency, "totalMinor", "refundedMinor",
            pos, subscription, test, cancelled, unpaid, "amountUnknown", deleted) VALUES ('s', $1, 'k', $2, now(), now(), 'USD', 100, $3, $4, $5, $6, $7, $8, $9, $10)`,
          row,
        );
      }

      await migrate(url);

      const flags = (await client.query(`SELECT id, "scoreFlags" FROM "Order" ORDER BY id`)).rows;
      const all = Object.values(ORDER_FLAG).reduce((sum, bit) => sum + bit, 0);
      expect(flags).toEqual([
        { id: "every", scoreFlags: all },
        { id: "part-refund", scoreFlags: ORDER_FLAG.test },
        { id: "plain", scoreFlags: 0 },
        { id: "tombstone", scoreFlags: 0 },
      ]);
    } finally {
      await client.end();
    }
  });
});
