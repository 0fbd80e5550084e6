/**
 * Recording write-back outcomes beside a recompute that updates the same customers on
 * PostgreSQL: when the two lock rows in opposite orders, PostgreSQL fails one side with
 * "deadlock detected"; the outcomes (already sent to the store) must still be recorded.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { outcomeWriter } from "./store.server";

describe.skipIf(!onPostgres())("write-back outcomes beside a recompute (PostgreSQL)", () => {
  it("GIVEN another transaction holding customer b and then asking for a WHEN outcomes for a and b are recorded meanwhile THEN PostgreSQL breaks the deadlock and both outcomes are in the table", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, "deadlock.myshopify.com");
    for (const key of ["a", "b"]) {
      await db.prepare(`INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona) VALUES (?, ?, false, 1, 100, 'loyal')`).run(shopId, key);
    }
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      // GIVEN: the other transaction (a recompute) holds b…
      await other.query("BEGIN");
      await other.query(`UPDATE "Customer" SET frequency = 2 WHERE "shopId" = $1 AND "customerKey" = 'b'`, [shopId]);
      // WHEN: the outcomes lock a, then wait for b…
      const recorded = outcomeWriter(db, shopId, () => Date.now())([
        { customerKey: "a", written: null, status: "ok", error: null },
        { customerKey: "b", written: null, status: "ok", error: null },
      ]);
      await new Promise((r) => setTimeout(r, 200));
      // …and the other asks for a: a cycle, which PostgreSQL breaks by failing one side.
      const otherSide = other.query(`UPDATE "Customer" SET frequency = 2 WHERE "shopId" = $1 AND "customerKey" = 'a'`, [shopId]).then(
        () => other.query("COMMIT"),
        () => other.query("ROLLBACK"),
      );
      await Promise.all([recorded, otherSide]);

      // THEN
      const rows = (await db.prepare(`SELECT customerKey, writeStatus FROM "Customer" WHERE shopId = ? ORDER BY customerKey`).all(shopId)) as { customerKey: string; writeStatus: string }[];
      expect(rows).toEqual([
        { customerKey: "a", writeStatus: "ok" },
        { customerKey: "b", writeStatus: "ok" },
      ]);
    } finally {
      await other.end();
    }
  }, 30_000);
});
