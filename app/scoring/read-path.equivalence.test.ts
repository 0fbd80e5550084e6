/**
 * The columnar read path (app/sync/order-columns.server.ts + app/rfm/rules-columns.ts)
 * against the object path (canonical orders through applyRules): on random shops and
 * random merchant rules, identical metrics, scores and personas per customer, and an
 * identical rules report, figure for figure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import type { Db } from "~/db/index.server";
import { applyRules, countedOrderColumns, DEFAULT_SETTINGS, scoreCountedOrders, shopDayOf, utcDay, type RfmSettings } from "~/rfm";
import type { CanonicalOrder } from "~/rfm/order";
import { createOrderStore } from "~/sync/order-store.server";
import { readCountedOrders } from "~/sync/order-columns.server";

const DAY = 86_400_000;
const AS_OF = new Date("2026-07-01T00:00:00Z");

const lineArb = fc.record({
  totalMinor: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })),
  subscription: fc.boolean(),
});

const orderArb = fc.record({
  customer: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null, freq: 8 }),
  guest: fc.boolean(),
  daysBefore: fc.integer({ min: -5, max: 900 }),
  hour: fc.integer({ min: 0, max: 23 }),
  refund: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30_000 }), fc.constant(-1) /* exactly the total */),
  channel: fc.constantFrom("web", "Web", "pos", "wholesale", "Wholesale", null),
  tags: fc.subarray(["vip", "VIP", "b2b", "gift", "Wholesale"]),
  pos: fc.boolean(),
  subscription: fc.boolean(),
  test: fc.boolean(),
  cancelled: fc.boolean(),
  unpaid: fc.boolean(),
  amountUnknown: fc.boolean(),
  lines: fc.array(lineArb, { maxLength: 4 }),
  held: fc.boolean(), // a webhook copy awaiting its re-read: held from scoring on both paths
  deleted: fc.boolean(),
});

const rulesArb = fc.record({
  excludeSubscriptions: fc.boolean(),
  excludePos: fc.boolean(),
  excludeZeroPriceItems: fc.boolean(),
  excludeTest: fc.boolean(),
  excludeCancelled: fc.boolean(),
  netRefunds: fc.boolean(),
  lookbackDays: fc.constantFrom(null, 30, 365),
  excludedTags: fc.subarray(["vip", "Gift", "wholesale"]),
  excludedChannels: fc.subarray(["WHOLESALE", "pos"]),
});

/** The object path's input: every order iterateOrdersForScoring gives, in order. */
async function ordersForScoring(db: Db, shopId: string): Promise<CanonicalOrder[]> {
  const out: CanonicalOrder[] = [];
  for await (const order of createOrderStore(db).iterateOrdersForScoring(shopId)) out.push(order);
  return out;
}

type GeneratedOrder = typeof orderArb extends fc.Arbitrary<infer T> ? T : never;

function toCanonical(g: GeneratedOrder, n: number): CanonicalOrder {
  const id = `gid://shopify/Order/${String(n).padStart(4, "0")}`;
  const at = new Date(AS_OF.getTime() - g.daysBefore * DAY - g.hour * 3_600_000).toISOString();
  const lineItems = g.lines.map((l, i) => ({
    id: `L${i}`,
    quantity: 1,
    unitPriceMinor: g.amountUnknown ? 0 : l.totalMinor,
    totalMinor: g.amountUnknown ? 0 : l.totalMinor,
    subscription: l.subscription,
  }));
  const totalMinor = lineItems.reduce((s, l) => s + l.totalMinor, 0);
  const key = g.customer === null ? null : g.guest ? `email:c${g.customer}@example.com` : `gid://shopify/Customer/${g.customer}`;
  return {
    platform: "shopify",
    id,
    customerKey: key,
    guest: key !== null && g.guest,
    processedAt: at,
    updatedAt: at,
    currency: "USD",
    totalMinor: g.amountUnknown ? 4200 : totalMinor,
    refundedMinor: g.refund === -1 ? (g.amountUnknown ? 4200 : totalMinor) : g.refund,
    channel: g.channel,
    pos: g.pos,
    subscription: g.subscription,
    test: g.test,
    cancelled: g.cancelled,
    unpaid: g.unpaid,
    amountUnknown: g.amountUnknown,
    tags: g.tags,
    lineItems,
  };
}

/** Everything a recompute takes from a scoring run, per customer key. */
function byCustomer(scored: ReturnType<typeof scoreCountedOrders>, customerKeys: string[]) {
  const out = new Map<string, unknown>();
  const { metrics } = scored;
  for (let c = 0; c < scored.customerCount; c++) {
    out.set(customerKeys[c], {
      frequency: metrics.frequency[c],
      monetaryMinor: metrics.monetaryMinor[c],
      firstDay: metrics.firstDay[c],
      lastDay: metrics.lastDay[c],
      recencyDays: metrics.recencyDays[c],
      inWindow: metrics.inWindow[c],
      r: scored.r[c],
      f: scored.f[c],
      m: scored.m[c],
      persona: scored.persona[c],
    });
  }
  return out;
}

/**
 * The counted orders as (customer key, day, amount), sorted: the read comes in no set order on
 * PostgreSQL (what a recompute does with it does not depend on the order), so the customers'
 * numbering and the rows' order are free.
 */
function countedRows(read: { columns: { customerIndex: Int32Array; day: Int32Array; amountMinor: Float64Array; customerCount: number }; customerKeys: string[] }) {
  const { columns, customerKeys } = read;
  expect(new Set(columns.customerIndex).size).toBe(columns.customerCount);
  return Array.from(columns.customerIndex, (c, i) => `${customerKeys[c]}|${columns.day[i]}|${columns.amountMinor[i]}`).sort();
}

describe("columnar read path ≡ object path", () => {
  it("GIVEN random shops, merchant rules and shop time zones WHEN both paths read and score THEN metrics, scores, personas and every rules-report figure are identical", async () => {
    const { db } = await freshDatabase();
    let shops = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(orderArb, { maxLength: 60 }), rulesArb, fc.constantFrom(null, "America/New_York", "Asia/Kolkata"), async (generated, rules, timeZone) => {
        const shopId = await addShop(db, `equivalence-${shops++}.myshopify.com`);
        const store = createOrderStore(db);
        const orders = generated.map(toCanonical);
        await store.upsertOrders(shopId, orders.filter((_, i) => !generated[i].held));
        await store.upsertOrders(shopId, orders.filter((_, i) => generated[i].held), { unverified: true });
        for (const [i, o] of orders.entries()) if (generated[i].deleted) await store.deleteOrder(shopId, o.id);
        const settings: RfmSettings = { ...DEFAULT_SETTINGS, rules: { ...DEFAULT_SETTINGS.rules, ...rules } };

        const objects = applyRules(await ordersForScoring(db, shopId), settings.rules, AS_OF, { timeZone });
        const objectColumns = countedOrderColumns(objects.counted);
        const dayOf = shopDayOf(timeZone);
        const columns = await readCountedOrders(db, shopId, settings.rules, dayOf(AS_OF), dayOf);

        expect(columns.report).toEqual(objects.report);
        expect([...columns.customerKeys].sort()).toEqual([...objectColumns.customerKeys].sort());
        expect(countedRows(columns)).toEqual(countedRows(objectColumns));
        expect(byCustomer(scoreCountedOrders(columns.columns, settings, AS_OF, { timeZone }), columns.customerKeys)).toEqual(
          byCustomer(scoreCountedOrders(objectColumns.columns, settings, AS_OF, { timeZone }), objectColumns.customerKeys),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("GIVEN orders whose lines no rule can drop WHEN read THEN no line row is needed (aggregates suffice) and the default rules agree", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "plain.myshopify.com");
    const store = createOrderStore(db);
    const orders = Array.from({ length: 40 }, (_, n) =>
      toCanonical(
        {
          customer: n % 7, guest: false, daysBefore: n * 11, hour: 1, refund: n % 5 === 0 ? 700 : 0, channel: "web", tags: [],
          pos: false, subscription: false, test: false, cancelled: false, unpaid: false, amountUnknown: false,
          lines: [{ totalMinor: 1000 + n, subscription: false }, { totalMinor: 250, subscription: false }],
          held: false, deleted: false,
        },
        n,
      ),
    );
    await store.upsertOrders(shopId, orders);
    // Line rows gone: only the order's stored aggregates can still describe its lines.
    await db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ?`).run(shopId);

    const objects = applyRules(await ordersForScoring(db, shopId), DEFAULT_SETTINGS.rules, AS_OF);
    const columns = await readCountedOrders(db, shopId, DEFAULT_SETTINGS.rules, utcDay(AS_OF));

    expect(columns.report).toEqual(objects.report);
    expect(countedRows(columns)).toEqual(countedRows(countedOrderColumns(objects.counted)));
    expect(columns.report.counted.orders).toBe(40);
    expect(columns.report.lookbackWindow.ordersBefore).toBe(6);
  });
});
