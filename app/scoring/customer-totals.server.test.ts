import { describe, expect, it } from "vitest";
import { createPgPool, type Db } from "~/db/index.server";
import { postgresDb } from "~/db/postgres.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { createOrderStore } from "~/sync/order-store.server";
import { holdTotalsInThisTransaction, pauseTotals, rebuildTotals, totalsPaused } from "./customer-totals.server";
import { recomputeShop } from "./recompute.server";

const NOW = Date.parse("2026-07-01T09:00:00Z");
const DAY = 86_400_000;

const orders = (shop: number) =>
  Array.from({ length: 9 }, (_, i) => {
    const at = new Date(NOW - (3 + i * 41) * DAY).toISOString();
    const cents = 1_000 + i * 900 + shop;
    return anOrder({
      customerKey: `gid://shopify/Customer/${i % 6}`,
      processedAt: at,
      updatedAt: at,
      totalMinor: cents,
      lineItems: [{ id: "l", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }],
    });
  });

/** The shop's stored totals, rows that hold customers only. */
const stored = (db: Db, shopId: string) =>
  db
    .prepare(
      `SELECT persona, r, f, m, lastOrderDay, customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes
       FROM "CustomerTotal" WHERE shopId = ? AND customers <> 0 ORDER BY persona, r, f, m, lastOrderDay`,
    )
    .all(shopId);

async function scoredShops() {
  const { db, url } = await freshDatabase();
  const shopId = await addShop(db, "rebuild.myshopify.com");
  const other = await addShop(db, "other.myshopify.com");
  const store = createOrderStore(db);
  await store.upsertOrders(shopId, orders(0));
  await store.upsertOrders(other, orders(1));
  await recomputeShop(shopId, { db, now: () => new Date(NOW) });
  await recomputeShop(other, { db, now: () => new Date(NOW) });
  return { db, url, shopId, other };
}

const spendFollowed = async (db: Db, shopId: string) => {
  const totals = await db.prepare(`SELECT sum(monetaryMinor) FROM "CustomerTotal" WHERE shopId = ?`).pluck().get(shopId);
  const live = await db.prepare(`SELECT sum(monetaryMinor) FROM "Customer" WHERE shopId = ?`).pluck().get(shopId);
  return Number(totals) === Number(live);
};

describe.runIf(onPostgres())("totals held by a recompute's own write transactions (PostgreSQL)", () => {
  it("GIVEN a write transaction that held a paused shop's totals WHEN it commits THEN its rows left the totals alone, and the connection's next writes follow them again", async () => {
    const { url, shopId, other } = await scoredShops();
    // One connection: whatever the transaction set is there for the writes after it.
    const one = postgresDb(createPgPool(url, 1), { ownsPool: true });
    try {
      const kept = await stored(one, shopId);
      await pauseTotals(one, shopId);

      await one.transaction(async () => {
        await holdTotalsInThisTransaction(one);
        await one.prepare(`UPDATE "Customer" SET monetaryMinor = monetaryMinor + 1 WHERE shopId = ?`).run(shopId);
      });
      await one.prepare(`UPDATE "Customer" SET monetaryMinor = monetaryMinor + 1 WHERE shopId = ?`).run(other);

      expect(await stored(one, shopId)).toEqual(kept);
      expect(await spendFollowed(one, other)).toBe(true);
      await rebuildTotals(one, shopId);
      expect(await spendFollowed(one, shopId)).toBe(true);
    } finally {
      await one.close();
    }
  });
});

describe("customer totals rebuilt after a large recompute", () => {
  it("GIVEN a shop's totals paused WHEN its customers change THEN the triggers leave its totals alone, the other shop's still follow, and a rebuild makes them exact again", async () => {
    const { db, shopId, other } = await scoredShops();
    const kept = await stored(db, shopId);
    expect(kept.length).toBeGreaterThan(0);

    await pauseTotals(db, shopId);
    expect(await totalsPaused(db, shopId)).toBe(true);
    await db.prepare(`UPDATE "Customer" SET persona = 'someone-else', monetaryMinor = monetaryMinor + 1 WHERE shopId = ?`).run(shopId);
    await db.prepare(`UPDATE "Customer" SET monetaryMinor = monetaryMinor + 1 WHERE shopId = ?`).run(other);

    expect(await stored(db, shopId)).toEqual(kept);
    const otherSpend = await db.prepare(`SELECT sum(monetaryMinor) FROM "CustomerTotal" WHERE shopId = ?`).pluck().get(other);
    const otherLive = await db.prepare(`SELECT sum(monetaryMinor) FROM "Customer" WHERE shopId = ?`).pluck().get(other);
    expect(Number(otherSpend)).toBe(Number(otherLive));

    await rebuildTotals(db, shopId);
    expect(await totalsPaused(db, shopId)).toBe(false);
    const rebuilt = await stored(db, shopId);
    expect(rebuilt.map((r) => (r as { persona: string }).persona)).toEqual(rebuilt.map(() => "someone-else"));
    const live = await db.prepare(`SELECT count(*) AS n, sum(monetaryMinor) AS spend FROM "Customer" WHERE shopId = ?`).get(shopId);
    const sums = rebuilt.reduce<{ n: number; spend: number }>(
      (a, r) => ({ n: a.n + Number((r as { customers: number }).customers), spend: a.spend + Number((r as { monetaryMinor: number }).monetaryMinor) }),
      { n: 0, spend: 0 },
    );
    expect(sums).toEqual({ n: Number((live as { n: number }).n), spend: Number((live as { spend: number }).spend) });
  });

  it("GIVEN a recompute that stopped between pausing the totals and rebuilding them WHEN the shop is recomputed again THEN its totals are rebuilt and the triggers are on again", async () => {
    const { db, shopId } = await scoredShops();
    const before = await stored(db, shopId);
    await pauseTotals(db, shopId);
    await db.prepare(`DELETE FROM "CustomerTotal" WHERE shopId = ?`).run(shopId);

    await recomputeShop(shopId, { db, now: () => new Date(NOW) });

    expect(await totalsPaused(db, shopId)).toBe(false);
    expect(await stored(db, shopId)).toEqual(before);
  });

  it("GIVEN a recompute that stopped while correcting its totals (triggers on again, rows not yet exact) WHEN the shop is recomputed again THEN its totals are rebuilt and the correction is over", async () => {
    const { db, shopId } = await scoredShops();
    const before = await stored(db, shopId);
    await db.prepare(`UPDATE "SyncState" SET "totalsRebuilding" = TRUE WHERE shopId = ?`).run(shopId);
    await db.prepare(`UPDATE "CustomerTotal" SET customers = customers + 5, monetaryMinor = monetaryMinor - 7 WHERE shopId = ?`).run(shopId);

    await recomputeShop(shopId, { db, now: () => new Date(NOW) });

    expect(await stored(db, shopId)).toEqual(before);
    expect(await db.prepare(`SELECT "totalsPaused" OR "totalsRebuilding" FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)).toBe(0);
  });
});
