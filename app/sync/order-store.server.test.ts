import { describe, expect, it } from "vitest";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { isSqlite } from "~/db/index.server";
import { anOrder } from "../../test/support/orders";
import { ORDER_FLAG } from "~/rfm/rules-columns";
import { scoreFlagsSql } from "./order-columns.server";
import { createOrderStore, DELETE_CUSTOMER_ORDERS, SQLITE_MARK_ORDERS_CUSTOMERS, SQLITE_STORED_CUSTOMERS } from "./order-store.server";

async function setup() {
  const { db } = await freshDatabase();
  const shopId = await addShop(db);
  return { db, shopId, store: createOrderStore(db) };
}

describe("order store", () => {
  it("GIVEN orders WHEN upserted and read back THEN they equal the input, line items included", async () => {
    const { store, shopId } = await setup();
    const orders = [anOrder({ tags: ["a", "b"] }), anOrder({ customerKey: "email:x@y.z", guest: true, pos: true })];

    await store.upsertOrders(shopId, orders);

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([...orders].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it("GIVEN a stored order WHEN an older version arrives THEN it is ignored; a newer one replaces it and its lines", async () => {
    const { store, shopId } = await setup();
    const v2 = anOrder({ id: "gid://shopify/Order/1", updatedAt: "2026-06-02T00:00:00.000Z", totalMinor: 200 });
    await store.upsertOrders(shopId, [v2]);

    const stale = await store.upsertOrders(shopId, [{ ...v2, updatedAt: "2026-06-01T00:00:00.000Z", totalMinor: 100 }]);
    expect(stale).toEqual({ written: 0, stale: 1, awaitingReread: 0, each: ["stale"] });

    const v3 = { ...v2, updatedAt: "2026-06-03T00:00:00.000Z", lineItems: [] };
    expect((await store.upsertOrders(shopId, [v3])).written).toBe(1);
    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([v3]);
  });

  it("GIVEN a deleted order WHEN a late update arrives THEN the order stays deleted", async () => {
    const { store, shopId } = await setup();
    const order = anOrder({ id: "gid://shopify/Order/2" });
    await store.upsertOrders(shopId, [order]);

    await store.deleteOrder(shopId, order.id, new Date("2026-06-05T00:00:00Z"));
    await store.upsertOrders(shopId, [{ ...order, updatedAt: "2026-07-01T00:00:00.000Z" }]);

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([]);
    expect(await store.countOrders(shopId)).toBe(0);
  });

  it("GIVEN bulk lines whose children come before and far after their parent WHEN written THEN orders are whole", async () => {
    const { store, shopId } = await setup();
    const a = anOrder({ id: "gid://shopify/Order/10" });
    const b = anOrder({ id: "gid://shopify/Order/11" });
    const { lineItems: aLines, ...aHeader } = a;
    const { lineItems: bLines, ...bHeader } = b;

    await store.writeBulkBatch(shopId, [], [{ orderId: b.id, lineItem: bLines[0] }]);
    await store.writeBulkBatch(shopId, [aHeader, bHeader], []);
    await store.writeBulkBatch(shopId, [], [{ orderId: a.id, lineItem: aLines[0] }]);

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([a, b]);
  });

  it("GIVEN two shops WHEN a customer's orders are deleted in one THEN the other shop is untouched", async () => {
    const { db, store, shopId } = await setup();
    const other = await addShop(db, "other.myshopify.com");
    await store.upsertOrders(shopId, [anOrder({ customerKey: "gid://shopify/Customer/9" })]);
    await store.upsertOrders(other, [anOrder({ customerKey: "gid://shopify/Customer/9" })]);

    expect(await store.deleteCustomerOrders(shopId, "gid://shopify/Customer/9")).toBe(1);

    expect(await store.countOrders(shopId)).toBe(0);
    expect(await store.countOrders(other)).toBe(1);
    expect(await db.prepare(`SELECT count(*) AS n FROM "OrderLine" WHERE shopId = ?`).get(shopId)).toEqual({ n: 0 });
  });
});

describe("order store: the flags a recompute reads (scoreFlags)", () => {
  /** Each stored order's scoreFlags beside the flags its own columns give, by id. */
  async function storedFlags(db: Awaited<ReturnType<typeof setup>>["db"], shopId: string) {
    const rows = (await db
      .prepare(`SELECT id, scoreFlags AS stored, ${scoreFlagsSql((name) => name)} AS derived FROM "Order" WHERE shopId = ? ORDER BY id`)
      .all(shopId)) as { id: string; stored: number; derived: number }[];
    return rows;
  }

  it("GIVEN orders with every flag, by webhook and by bulk export WHEN stored, updated and deleted THEN scoreFlags always equals the flags of the order's own columns", async () => {
    const { db, store, shopId } = await setup();
    const flagged = [
      anOrder({ id: "gid://shopify/Order/1" }),
      anOrder({ id: "gid://shopify/Order/2", test: true, pos: true, guest: true, customerKey: "email:g@example.com" }),
      anOrder({ id: "gid://shopify/Order/3", cancelled: true, subscription: true, unpaid: true }),
      anOrder({ id: "gid://shopify/Order/4", amountUnknown: true, refundedMinor: 5000 }),
      anOrder({ id: "gid://shopify/Order/5", refundedMinor: 4999 }),
    ];
    // By webhook (the upsert) and by bulk export (header batches).
    await store.upsertOrders(shopId, flagged.slice(0, 3));
    await store.writeBulkBatch(shopId, flagged.slice(3).map(({ lineItems: _, ...header }) => header), []);

    const written = await storedFlags(db, shopId);
    expect(written.map((r) => r.stored)).toEqual([
      0,
      ORDER_FLAG.test + ORDER_FLAG.pos + ORDER_FLAG.guestKey,
      ORDER_FLAG.cancelled + ORDER_FLAG.subscription + ORDER_FLAG.unpaid,
      ORDER_FLAG.amountUnknown + ORDER_FLAG.refundedWholeTotal,
      0,
    ]);

    // WHEN later versions change the flags (by webhook and by export), and one order is deleted
    const later = "2026-06-09T00:00:00.000Z";
    await store.upsertOrders(shopId, [
      { ...flagged[1], updatedAt: later, test: false, pos: false },
      { ...flagged[4], updatedAt: later, refundedMinor: 5000, cancelled: true },
    ]);
    const { lineItems: _, ...header } = flagged[2];
    await store.writeBulkBatch(shopId, [{ ...header, updatedAt: later, cancelled: false, subscription: false, unpaid: false }], []);
    await store.deleteOrder(shopId, flagged[3].id, new Date(later));

    const rewritten = await storedFlags(db, shopId);
    expect(rewritten.map((r) => r.stored)).toEqual([0, ORDER_FLAG.guestKey, 0, 0, ORDER_FLAG.cancelled + ORDER_FLAG.refundedWholeTotal]);
    expect(rewritten.filter((r) => r.stored !== r.derived)).toEqual([]);
  });
});

describe("order store: how the merchant knows a customer", async () => {
  const contactOf = async (db: Awaited<ReturnType<typeof setup>>["db"], shopId: string, key: string) =>
    await db.prepare(`SELECT name, email FROM "CustomerContact" WHERE shopId = ? AND customerKey = ?`).get(shopId, key);

  it("GIVEN orders naming a customer WHEN stored, by webhook or bulk export, in any order THEN the newest order's name and email are kept and a withheld one never erases them", async () => {
    const { db, store, shopId } = await setup();
    const key = "gid://shopify/Customer/1";
    await store.upsertOrders(shopId, [anOrder({ updatedAt: "2026-06-05T00:00:00.000Z", contact: { name: "Ann Lee", email: "ann@example.com" } })]);
    // An older order (a late webhook) with an old name does not win.
    await store.upsertOrders(shopId, [anOrder({ updatedAt: "2026-06-01T00:00:00.000Z", contact: { name: "Ann Smith", email: "old@example.com" } })]);
    expect(await contactOf(db, shopId, key)).toEqual({ name: "Ann Lee", email: "ann@example.com" });

    // A newer order without the email (withheld) renames and keeps the email.
    const { lineItems: _, ...header } = anOrder({ updatedAt: "2026-06-09T00:00:00.000Z", contact: { name: "Ann Lee-Smith", email: null } });
    await store.writeBulkBatch(shopId, [header], []);
    expect(await contactOf(db, shopId, key)).toEqual({ name: "Ann Lee-Smith", email: "ann@example.com" });

    // Orders without contact, or without a customer, store no contact at all.
    await store.upsertOrders(shopId, [anOrder({ customerKey: "gid://shopify/Customer/2" }), anOrder({ customerKey: null, contact: { name: "Nobody", email: null } })]);
    expect(await db.prepare(`SELECT count(*) FROM "CustomerContact" WHERE shopId = ?`).pluck().get(shopId)).toBe(1);
  });

  it("GIVEN a name carrying a NUL character WHEN stored by webhook and by bulk export THEN the orders and the contact are stored (PostgreSQL's text cannot hold NUL: only it is dropped)", async () => {
    const { db, store, shopId } = await setup();
    const key = "gid://shopify/Customer/3";
    const named = (name: string, updatedAt: string) => anOrder({ customerKey: key, updatedAt, tags: ["vip\u0000"], contact: { name, email: "c3@example.com" } });
    const withoutNul = (v: unknown) => String(v).replaceAll("\u0000", "");

    await store.upsertOrders(shopId, [named("Ann\u0000 Lee", "2026-06-01T00:00:00.000Z")]);
    const { lineItems: _, ...header } = named("Ann\u0000 Lee-Smith", "2026-06-02T00:00:00.000Z");
    await store.writeBulkBatch(shopId, [header], []);

    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND customerKey = ?`).pluck().get(shopId, key)).toBe(2);
    const contact = (await contactOf(db, shopId, key)) as { name: string; email: string };
    expect({ ...contact, name: withoutNul(contact.name) }).toEqual({ name: "Ann Lee-Smith", email: "c3@example.com" });
  });
});

describe("order store: reading for scoring", () => {
  it("GIVEN orders with and without subscription/$0 lines WHEN read for scoring THEN rules see the same money and lines that matter", async () => {
    const { applyRules, DEFAULT_SETTINGS } = await import("~/rfm");
    const { store, shopId } = await setup();
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
    await store.upsertOrders(shopId, [plain, special, empty]);

    const asOf = new Date("2026-07-01T00:00:00Z");
    const exact = applyRules(await Array.fromAsync(store.iterateOrders(shopId)), DEFAULT_SETTINGS.rules, asOf);
    const fast = applyRules(await Array.fromAsync(store.iterateOrdersForScoring(shopId)), DEFAULT_SETTINGS.rules, asOf);

    expect(fast.counted).toEqual(exact.counted);
    expect(fast.report).toEqual(exact.report);
    const byId = new Map((await Array.fromAsync(store.iterateOrdersForScoring(shopId))).map((o) => [o.id, o.lineItems]));
    expect(byId.get(plain.id)).toEqual([{ id: "*", quantity: 2, unitPriceMinor: 1000, totalMinor: 1000, subscription: false }]);
    expect(byId.get(special.id)).toHaveLength(3);
  });

  it("GIVEN a bulk export whose children land apart from parents WHEN aggregates are refreshed THEN scoring reads match", async () => {
    const { store, shopId } = await setup();
    const o = anOrder({ id: "gid://shopify/Order/77" });
    const { lineItems, ...header } = o;
    await store.writeBulkBatch(shopId, [], lineItems.map((lineItem) => ({ orderId: o.id, lineItem })));
    await store.writeBulkBatch(shopId, [header], []);

    await store.refreshLineAggregates(shopId);

    const [scoring] = (await Array.fromAsync(store.iterateOrdersForScoring(shopId)));
    expect(scoring.lineItems).toEqual([{ id: "*", quantity: 1, unitPriceMinor: 5000, totalMinor: 5000, subscription: false }]);
  });

  describe("webhook copies, which cannot tell subscription lines", () => {
    const sub = (id: string) => ({ id, quantity: 1, unitPriceMinor: 4000, totalMinor: 4000, subscription: true });
    const plain = (id: string) => ({ id, quantity: 1, unitPriceMinor: 2500, totalMinor: 2500, subscription: false });

    it("GIVEN a new order from a webhook WHEN stored THEN it awaits its re-read and is not scored until the Admin API copy lands", async () => {
      const { store, shopId } = await setup();
      const fromWebhook = anOrder({ id: "gid://shopify/Order/5", lineItems: [plain("gid://shopify/LineItem/50")] });

      expect(await store.upsertOrders(shopId, [fromWebhook], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 1, each: ["awaiting"] });
      expect(await store.isAwaitingReread(shopId, fromWebhook.id)).toBe(true);
      expect(await Array.fromAsync(store.iterateOrdersForScoring(shopId))).toEqual([]);

      await store.upsertOrders(shopId, [{ ...fromWebhook, lineItems: [sub("gid://shopify/LineItem/50")] }]);

      expect(await store.countAwaitingReread(shopId)).toBe(0);
      expect((await Array.fromAsync(store.iterateOrdersForScoring(shopId))).map((o) => o.lineItems[0].subscription)).toEqual([true]);
    });

    it("GIVEN a re-read order WHEN a webhook update with the same lines arrives THEN it stays scored and its lines keep what the Admin API said", async () => {
      const { store, shopId } = await setup();
      const known = anOrder({ id: "gid://shopify/Order/6", lineItems: [sub("gid://shopify/LineItem/60"), plain("gid://shopify/LineItem/61")] });
      await store.upsertOrders(shopId, [known]);

      const update = { ...known, updatedAt: "2030-01-01T00:00:00.000Z", tags: ["gift"], lineItems: known.lineItems.map((l) => ({ ...l, subscription: false })) };
      expect(await store.upsertOrders(shopId, [update], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 0, each: ["written"] });

      const [scored] = (await Array.fromAsync(store.iterateOrdersForScoring(shopId)));
      expect(scored.tags).toEqual(["gift"]);
      expect(scored.lineItems.map((l) => [l.id, l.subscription])).toEqual([
        ["gid://shopify/LineItem/60", true],
        ["gid://shopify/LineItem/61", false],
      ]);
    });

    it("GIVEN a re-read order WHEN a webhook adds a line THEN the order waits for its re-read again", async () => {
      const { store, shopId } = await setup();
      const known = anOrder({ id: "gid://shopify/Order/7", lineItems: [plain("gid://shopify/LineItem/70")] });
      await store.upsertOrders(shopId, [known]);

      const edited = { ...known, updatedAt: "2030-01-01T00:00:00.000Z", lineItems: [...known.lineItems, plain("gid://shopify/LineItem/71")] };
      expect(await store.upsertOrders(shopId, [edited], { unverified: true })).toMatchObject({ written: 1, awaitingReread: 1 });
      expect(await store.isAwaitingReread(shopId, known.id)).toBe(true);
    });
  });
});

describe("order store: one batch naming an order twice", () => {
  it("GIVEN a batch with a newer then an older copy WHEN upserted THEN the newer stays, as two upserts in turn would leave it", async () => {
    const { store, shopId } = await setup();
    const newer = anOrder({ id: "gid://shopify/Order/30", updatedAt: "2026-06-02T00:00:00.000Z", totalMinor: 200 });
    const older = { ...newer, updatedAt: "2026-06-01T00:00:00.000Z", totalMinor: 100, lineItems: [] };

    expect(await store.upsertOrders(shopId, [newer, older])).toEqual({ written: 1, stale: 1, awaitingReread: 0, each: ["written", "stale"] });

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([newer]);
  });

  it("GIVEN a batch with an older then a newer copy WHEN upserted THEN both are written and the newer stays", async () => {
    const { store, shopId } = await setup();
    const older = anOrder({ id: "gid://shopify/Order/31", updatedAt: "2026-06-01T00:00:00.000Z", totalMinor: 100 });
    const newer = { ...older, updatedAt: "2026-06-02T00:00:00.000Z", totalMinor: 200, lineItems: [] };

    expect(await store.upsertOrders(shopId, [older, newer])).toEqual({ written: 2, stale: 0, awaitingReread: 0, each: ["written", "written"] });

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([newer]);
  });

  it("GIVEN a bulk batch with two copies of an order and of a line WHEN written THEN the newest order and the last line copy stay", async () => {
    const { store, shopId } = await setup();
    const { lineItems, ...header } = anOrder({ id: "gid://shopify/Order/32", updatedAt: "2026-06-02T00:00:00.000Z" });
    const line = lineItems[0];

    await store.writeBulkBatch(
      shopId,
      [header, { ...header, updatedAt: "2026-06-01T00:00:00.000Z", totalMinor: 1 }],
      [{ orderId: header.id, lineItem: line }, { orderId: header.id, lineItem: { ...line, quantity: 7 } }],
    );

    const [stored] = await Array.fromAsync(store.iterateOrders(shopId));
    expect(stored).toEqual({ ...header, lineItems: [{ ...line, quantity: 7 }] });
  });

  it("GIVEN text with tabs, newlines and backslashes WHEN written in bulk THEN it reads back unchanged", async () => {
    const { store, shopId } = await setup();
    const { lineItems, ...header } = anOrder({ id: "gid://shopify/Order/33", tags: ["a\tb", "c\nd", "e\\f"], channel: "pos\\1" });

    await store.writeBulkBatch(shopId, [header], lineItems.map((lineItem) => ({ orderId: header.id, lineItem })));

    expect(await Array.fromAsync(store.iterateOrders(shopId))).toEqual([{ ...header, lineItems }]);
  });
});

describe.skipIf(onPostgres())("order store on SQLite: statements run per order or per customer find rows by key", () => {
  it("GIVEN a batch of order ids WHEN the store looks up their stored customers and marks them THEN each id is one primary-key lookup, never a walk over the shop's orders", async () => {
    const { db } = await freshDatabase();

    if (!isSqlite(db)) throw new Error("a SQLite test");
    const plans = await db.withNative((native) =>
      [SQLITE_STORED_CUSTOMERS, SQLITE_MARK_ORDERS_CUSTOMERS].map((sql) =>
        (native.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('["gid://shopify/Order/1"]', "shop") as { detail: string }[]).map((row) => row.detail),
      ),
    );

    for (const plan of plans) {
      // The ids drive (the outer loop), and each finds its order by (shopId, id).
      expect(plan[0]).toMatch(/^SCAN j VIRTUAL TABLE/);
      expect(plan[1]).toBe("SEARCH o USING PRIMARY KEY (shopId=? AND id=?)");
      expect(plan.join("\n")).not.toMatch(/SCAN o|customerKey/);
    }
  });

  it("GIVEN a customer to erase WHEN their orders are deleted THEN the customer index finds them and each is deleted by primary key, never a walk over the shop's orders", async () => {
    const { db } = await freshDatabase();

    if (!isSqlite(db)) throw new Error("a SQLite test");
    const plan = await db.withNative((native) =>
      (native.prepare(`EXPLAIN QUERY PLAN ${DELETE_CUSTOMER_ORDERS}`).all("shop", "shop", "customer") as { detail: string }[]).map((row) => row.detail),
    );

    expect(plan[0]).toBe("SEARCH Order USING PRIMARY KEY (shopId=? AND id=?)");
    expect(plan).toContain("SEARCH Order USING COVERING INDEX Order_shopId_customerKey_idx (shopId=? AND customerKey=?)");
    expect(plan.join("\n")).not.toMatch(/\(shopId=\?\)$|SCAN Order/m);
  });
});
