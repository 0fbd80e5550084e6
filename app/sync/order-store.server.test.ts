import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { createOrderStore } from "./order-store.server";

function setup() {
  const { db } = freshDatabase();
  const shopId = addShop(db);
  return { db, shopId, store: createOrderStore(db) };
}

describe("order store", () => {
  it("GIVEN orders WHEN upserted and read back THEN they equal the input, line items included", () => {
    const { store, shopId } = setup();
    const orders = [anOrder({ tags: ["a", "b"] }), anOrder({ customerKey: "email:x@y.z", guest: true, pos: true })];

    store.upsertOrders(shopId, orders);

    expect([...store.iterateOrders(shopId)]).toEqual([...orders].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it("GIVEN a stored order WHEN an older version arrives THEN it is ignored; a newer one replaces it and its lines", () => {
    const { store, shopId } = setup();
    const v2 = anOrder({ id: "gid://shopify/Order/1", updatedAt: "2026-06-02T00:00:00.000Z", totalMinor: 200 });
    store.upsertOrders(shopId, [v2]);

    const stale = store.upsertOrders(shopId, [{ ...v2, updatedAt: "2026-06-01T00:00:00.000Z", totalMinor: 100 }]);
    expect(stale).toEqual({ written: 0, stale: 1, awaitingReread: 0 });

    const v3 = { ...v2, updatedAt: "2026-06-03T00:00:00.000Z", lineItems: [] };
    expect(store.upsertOrders(shopId, [v3]).written).toBe(1);
    expect([...store.iterateOrders(shopId)]).toEqual([v3]);
  });

  it("GIVEN a deleted order WHEN a late update arrives THEN the order stays deleted", () => {
    const { store, shopId } = setup();
    const order = anOrder({ id: "gid://shopify/Order/2" });
    store.upsertOrders(shopId, [order]);

    store.deleteOrder(shopId, order.id, new Date("2026-06-05T00:00:00Z"));
    store.upsertOrders(shopId, [{ ...order, updatedAt: "2026-07-01T00:00:00.000Z" }]);

    expect([...store.iterateOrders(shopId)]).toEqual([]);
    expect(store.countOrders(shopId)).toBe(0);
  });

  it("GIVEN bulk lines whose children come before and far after their parent WHEN written THEN orders are whole", () => {
    const { store, shopId } = setup();
    const a = anOrder({ id: "gid://shopify/Order/10" });
    const b = anOrder({ id: "gid://shopify/Order/11" });
    const { lineItems: aLines, ...aHeader } = a;
    const { lineItems: bLines, ...bHeader } = b;

    store.writeBulkBatch(shopId, [], [{ orderId: b.id, lineItem: bLines[0] }]);
    store.writeBulkBatch(shopId, [aHeader, bHeader], []);
    store.writeBulkBatch(shopId, [], [{ orderId: a.id, lineItem: aLines[0] }]);

    expect([...store.iterateOrders(shopId)]).toEqual([a, b]);
  });

  it("GIVEN two shops WHEN a customer's orders are deleted in one THEN the other shop is untouched", () => {
    const { db, store, shopId } = setup();
    const other = addShop(db, "other.myshopify.com");
    store.upsertOrders(shopId, [anOrder({ customerKey: "gid://shopify/Customer/9" })]);
    store.upsertOrders(other, [anOrder({ customerKey: "gid://shopify/Customer/9" })]);

    expect(store.deleteCustomerOrders(shopId, "gid://shopify/Customer/9")).toBe(1);

    expect(store.countOrders(shopId)).toBe(0);
    expect(store.countOrders(other)).toBe(1);
    expect(db.prepare(`SELECT count(*) n FROM "OrderLine" WHERE shopId = ?`).get(shopId)).toEqual({ n: 0 });
  });
});

describe("order store: how the merchant knows a customer", () => {
  const contactOf = (db: ReturnType<typeof setup>["db"], shopId: string, key: string) =>
    db.prepare(`SELECT name, email FROM "CustomerContact" WHERE shopId = ? AND customerKey = ?`).get(shopId, key);

  it("GIVEN orders naming a customer WHEN stored, by webhook or bulk export, in any order THEN the newest order's name and email are kept and a withheld one never erases them", () => {
    const { db, store, shopId } = setup();
    const key = "gid://shopify/Customer/1";
    store.upsertOrders(shopId, [anOrder({ updatedAt: "2026-06-05T00:00:00.000Z", contact: { name: "Ann Lee", email: "ann@example.com" } })]);
    // An older order (a late webhook) with an old name does not win.
    store.upsertOrders(shopId, [anOrder({ updatedAt: "2026-06-01T00:00:00.000Z", contact: { name: "Ann Smith", email: "old@example.com" } })]);
    expect(contactOf(db, shopId, key)).toEqual({ name: "Ann Lee", email: "ann@example.com" });

    // A newer order without the email (withheld) renames and keeps the email.
    const { lineItems: _, ...header } = anOrder({ updatedAt: "2026-06-09T00:00:00.000Z", contact: { name: "Ann Lee-Smith", email: null } });
    store.writeBulkBatch(shopId, [header], []);
    expect(contactOf(db, shopId, key)).toEqual({ name: "Ann Lee-Smith", email: "ann@example.com" });

    // Orders without contact, or without a customer, store no contact at all.
    store.upsertOrders(shopId, [anOrder({ customerKey: "gid://shopify/Customer/2" }), anOrder({ customerKey: null, contact: { name: "Nobody", email: null } })]);
    expect(db.prepare(`SELECT count(*) FROM "CustomerContact" WHERE shopId = ?`).pluck().get(shopId)).toBe(1);
  });
});

describe("order store: reading for scoring", () => {
  it("GIVEN orders with and without subscription/$0 lines WHEN read for scoring THEN rules see the same money and lines that matter", async () => {
    const { applyRules, DEFAULT_SETTINGS } = await import("~/rfm");
    const { store, shopId } = setup();
    const plain = anOrder({
      lineItems: [
        { id: "a", quantity: 1, unitPriceMinor: 700, totalMinor: 700, subscription: false },
        { id: "b", quantity: 3, unitPriceMinor: 100, totalMinor: 300, subscription: false },
      ],
    });
    const special = anOrder({
      lineItems: [
        { id: "c", quantity: 1, unitPriceMinor: 900, totalMinor: 900, subscription: true },
        { id: "d", quantity: 1, unitPriceMinor: 0, totalMinor: 0, subscription: false },
        { id: "e", quantity: 1, unitPriceMinor: 500, totalMinor: 500, subscription: false },
      ],
    });
    const empty = anOrder({ lineItems: [] });
    store.upsertOrders(shopId, [plain, special, empty]);

    const asOf = new Date("2026-07-01T00:00:00Z");
    const exact = applyRules(store.iterateOrders(shopId), DEFAULT_SETTINGS.rules, asOf);
    const fast = applyRules(store.iterateOrdersForScoring(shopId), DEFAULT_SETTINGS.rules, asOf);

    expect(fast.counted).toEqual(exact.counted);
    expect(fast.report).toEqual(exact.report);
    const byId = new Map([...store.iterateOrdersForScoring(shopId)].map((o) => [o.id, o.lineItems]));
    expect(byId.get(plain.id)).toEqual([{ id: "*", quantity: 2, unitPriceMinor: 1000, totalMinor: 1000, subscription: false }]);
    expect(byId.get(special.id)).toHaveLength(3);
  });

  it("GIVEN a bulk export whose children land apart from parents WHEN aggregates are refreshed THEN scoring reads match", () => {
    const { store, shopId } = setup();
    const o = anOrder({ id: "gid://shopify/Order/77" });
    const { lineItems, ...header } = o;
    store.writeBulkBatch(shopId, [], lineItems.map((lineItem) => ({ orderId: o.id, lineItem })));
    store.writeBulkBatch(shopId, [header], []);

    store.refreshLineAggregates(shopId);

    const [scoring] = [...store.iterateOrdersForScoring(shopId)];
    expect(scoring.lineItems).toEqual([{ id: "*", quantity: 1, unitPriceMinor: 5000, totalMinor: 5000, subscription: false }]);
  });

  describe("webhook copies, which cannot tell subscription lines", () => {
    const sub = (id: string) => ({ id, quantity: 1, unitPriceMinor: 4000, totalMinor: 4000, subscription: true });
    const plain = (id: string) => ({ id, quantity: 1, unitPriceMinor: 2500, totalMinor: 2500, subscription: false });

    it("GIVEN a new order from a webhook WHEN stored THEN it awaits its re-read and is not scored until the Admin API copy lands", () => {
      const { store, shopId } = setup();
      const fromWebhook = anOrder({ id: "gid://shopify/Order/5", lineItems: [plain("gid://shopify/LineItem/50")] });

      expect(store.upsertOrders(shopId, [fromWebhook], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 1 });
      expect(store.isAwaitingReread(shopId, fromWebhook.id)).toBe(true);
      expect([...store.iterateOrdersForScoring(shopId)]).toEqual([]);

      store.upsertOrders(shopId, [{ ...fromWebhook, lineItems: [sub("gid://shopify/LineItem/50")] }]);

      expect(store.countAwaitingReread(shopId)).toBe(0);
      expect([...store.iterateOrdersForScoring(shopId)].map((o) => o.lineItems[0].subscription)).toEqual([true]);
    });

    it("GIVEN a re-read order WHEN a webhook update with the same lines arrives THEN it stays scored and its lines keep what the Admin API said", () => {
      const { store, shopId } = setup();
      const known = anOrder({ id: "gid://shopify/Order/6", lineItems: [sub("gid://shopify/LineItem/60"), plain("gid://shopify/LineItem/61")] });
      store.upsertOrders(shopId, [known]);

      const update = { ...known, updatedAt: "2030-01-01T00:00:00.000Z", tags: ["gift"], lineItems: known.lineItems.map((l) => ({ ...l, subscription: false })) };
      expect(store.upsertOrders(shopId, [update], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 0 });

      const [scored] = [...store.iterateOrdersForScoring(shopId)];
      expect(scored.tags).toEqual(["gift"]);
      expect(scored.lineItems.map((l) => [l.id, l.subscription])).toEqual([
        ["gid://shopify/LineItem/60", true],
        ["gid://shopify/LineItem/61", false],
      ]);
    });

    it("GIVEN a re-read order WHEN a webhook adds a line THEN the order waits for its re-read again", () => {
      const { store, shopId } = setup();
      const known = anOrder({ id: "gid://shopify/Order/7", lineItems: [plain("gid://shopify/LineItem/70")] });
      store.upsertOrders(shopId, [known]);

      const edited = { ...known, updatedAt: "2030-01-01T00:00:00.000Z", lineItems: [...known.lineItems, plain("gid://shopify/LineItem/71")] };
      expect(store.upsertOrders(shopId, [edited], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 1 });
      expect(store.isAwaitingReread(shopId, known.id)).toBe(true);
    });
  });
});
