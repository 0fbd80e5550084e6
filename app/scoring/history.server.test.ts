import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { DAY_MS } from "~/rfm";
import { createOrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { backdatedThrough } from "./history.server";
import { recomputeShop } from "./recompute.server";

const TODAY = Date.parse("2026-07-01T09:00:00Z");
const at = (ms: number) => () => new Date(ms);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** 60 customers over two years: customer i orders every (i % 9 + 2) weeks from (i * 11) days ago back to two years ago. */
async function shopWithTwoYears(settings: unknown = {}) {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "history.myshopify.com", { settings });
  const orders = [];
  for (let i = 0; i < 60; i++) {
    for (let back = i * 11; back < 730; back += 7 * ((i % 9) + 2)) {
      const when = new Date(TODAY - back * DAY_MS - 3_600_000).toISOString();
      orders.push(anOrder({ customerKey: `gid://shopify/Customer/${i}`, processedAt: when, updatedAt: when, totalMinor: 1000 + i * 250, lineItems: [{ id: "l", quantity: 1, unitPriceMinor: 1000 + i * 250, totalMinor: 1000 + i * 250, subscription: false }] }));
    }
  }
  const store = createOrderStore(db);
  await store.upsertOrders(shopId, orders);
  return { db, shopId, store };
}

const snapshotDays = async (db: Db, shopId: string) =>
  (await db.prepare(`SELECT day, max(CASE WHEN backdatedUnder IS NOT NULL THEN 1 ELSE 0 END) AS backdated, sum(customers) AS customers FROM "PersonaSnapshot" WHERE shopId = ? GROUP BY day ORDER BY day`).all(shopId)) as {
    day: string;
    backdated: number;
    customers: number;
  }[];
const movesOn = async (db: Db, shopId: string, day: string) =>
  (await db.prepare(`SELECT fromPersona, toPersona, customers FROM "PersonaTransition" WHERE shopId = ? AND day = ? ORDER BY 1, 2`).all(shopId, day)) as {
    fromPersona: string;
    toPersona: string;
    customers: number;
  }[];

describe("backdated history on install and after a rule change", async () => {
  it("GIVEN a shop with two years of orders WHEN it is first recomputed THEN 51 weekly snapshots before today are stored as backdated and with today's the trend has 52 weeks", async () => {
    const { db, shopId, store } = await shopWithTwoYears();

    const summary = await recomputeShop(shopId, { db, now: at(TODAY) });

    expect(summary.backdatedWeeks).toBe(51);
    const days = await snapshotDays(db, shopId);
    expect(days).toHaveLength(52);
    expect(days[0].day).toBe(iso(TODAY - 357 * DAY_MS));
    expect(days[50]).toMatchObject({ day: iso(TODAY - 7 * DAY_MS), backdated: 1 });
    expect(days[51]).toMatchObject({ day: iso(TODAY), backdated: 0, customers: 60 });
    expect(await backdatedThrough(db, shopId)).toBe(iso(TODAY - 7 * DAY_MS));
    // A year ago the same customers stood elsewhere.
    const sizes = async (day: string) => await db.prepare(`SELECT persona, customers FROM "PersonaSnapshot" WHERE shopId = ? AND day = ? ORDER BY persona`).all(shopId, day);
    expect(await sizes(days[0].day)).not.toEqual(await sizes(days[51].day));
  });

  it("GIVEN a first recompute WHEN its moves are read THEN today's are last week's personas to today's, not every customer arriving new to scoring", async () => {
    const { db, shopId, store } = await shopWithTwoYears();

    const summary = await recomputeShop(shopId, { db, now: at(TODAY) });

    expect(summary.personaChanges).toBe(60); // the customer rows: all new
    const today = await movesOn(db, shopId, iso(TODAY));
    const newToday = today.filter((m) => m.fromPersona === "").reduce((s, m) => s + m.customers, 0);
    expect(newToday).toBe(0); // every customer's first order is over a week old
    expect(today.length).toBeGreaterThan(0);
    const weekAgo = await movesOn(db, shopId, iso(TODAY - 7 * DAY_MS));
    expect(weekAgo.every((m) => m.fromPersona !== m.toPersona)).toBe(true);
  });

  it("GIVEN history stored WHEN the shop is recomputed the next days under the same rules THEN it is not computed again and daily snapshots follow it", async () => {
    const { db, shopId, store } = await shopWithTwoYears();
    await recomputeShop(shopId, { db, now: at(TODAY) });

    const next = await recomputeShop(shopId, { db, now: at(TODAY + DAY_MS) });

    expect(next.backdatedWeeks).toBe(0);
    expect(next.timingsMs.phases.history).toBe(0);
    const days = await snapshotDays(db, shopId);
    expect(days).toHaveLength(53);
    expect(days.slice(-2).map((d) => d.backdated)).toEqual([0, 0]);
  });

  it("GIVEN history stored and a week of daily snapshots WHEN the merchant changes a rule THEN the past is computed again under the new rule and replaces what was recorded under the old one", async () => {
    const { db, shopId, store } = await shopWithTwoYears();
    await recomputeShop(shopId, { db, now: at(TODAY) });
    for (let d = 1; d <= 3; d++) await recomputeShop(shopId, { db, now: at(TODAY + d * DAY_MS) });
    const before = await snapshotDays(db, shopId);
    expect(before).toHaveLength(55);

    await db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify({ rules: { lookbackDays: 90 } }), shopId);
    const changed = await recomputeShop(shopId, { db, now: at(TODAY + 4 * DAY_MS) });

    expect(changed.backdatedWeeks).toBe(51);
    const after = await snapshotDays(db, shopId);
    expect(after).toHaveLength(52);
    expect(after[50]).toMatchObject({ day: iso(TODAY - 3 * DAY_MS), backdated: 1 });
    // A 90-day window makes customers Lost sooner: the year-old point differs from before.
    const lostThen = async (day: string) =>
      await db.prepare(`SELECT customers FROM "PersonaSnapshot" WHERE shopId = ? AND day = ? AND persona = 'lost'`).pluck().get(shopId, day);
    expect(await lostThen(after[0].day)).toBeGreaterThan(0);
    expect(await db.prepare(`SELECT count(DISTINCT backdatedUnder) FROM "PersonaSnapshot" WHERE shopId = ?`).pluck().get(shopId)).toBe(1);
  });

  it("GIVEN history stored WHEN a new import of the store finishes THEN the history is computed again from it", async () => {
    const { db, shopId, store } = await shopWithTwoYears();
    await recomputeShop(shopId, { db, now: at(TODAY) });

    await db.prepare(`UPDATE "SyncState" SET backfillFinishedAt = ? WHERE shopId = ?`).run(new Date(TODAY + 3_600_000), shopId);
    const again = await recomputeShop(shopId, { db, now: at(TODAY + 2 * 3_600_000) });

    expect(again.backdatedWeeks).toBe(51);
  });

  it("GIVEN a store that served only the last 60 days WHEN first recomputed THEN no backdated week lies before where its history starts", async () => {
    const { db, shopId, store } = await shopWithTwoYears();
    await db.prepare(`UPDATE "SyncState" SET historyFrom = ? WHERE shopId = ?`).run(new Date(TODAY - 60 * DAY_MS), shopId);

    const summary = await recomputeShop(shopId, { db, now: at(TODAY) });

    expect(summary.backdatedWeeks).toBe(8);
    expect((await snapshotDays(db, shopId))[0].day).toBe(iso(TODAY - 56 * DAY_MS));
  });

  it("GIVEN a store without orders WHEN recomputed THEN there is no history to store and nothing backdated", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "empty.myshopify.com");
    const store = createOrderStore(db);

    const summary = await recomputeShop(shopId, { db, now: at(TODAY) });

    expect(summary.backdatedWeeks).toBe(0);
    expect(await backdatedThrough(db, shopId)).toBeNull();
  });
});
