import { beforeEach, describe, expect, it } from "vitest";
import { services } from "~/services.server";
import { signedWebhook, restOrder, deliverWebhook } from "./support/webhooks";
import { addShop } from "./support/db";
import { queuedJobs, runQueuedErasures } from "./support/queued-jobs";
import { resetDatabase } from "./support/reset";

const SHOP = "hooks.myshopify.com";
let shopId = "";

async function tableCounts() {
  const { db } = services();
  const n = async (sql: string) => ((await db.prepare(sql).get(shopId)) as { n: number }).n;
  return {
    orders: await n(`SELECT count(*) n FROM "Order" WHERE shopId = ? AND deleted = FALSE`),
    lines: await n(`SELECT count(*) n FROM "OrderLine" WHERE shopId = ?`),
    customers: await n(`SELECT count(*) n FROM "Customer" WHERE shopId = ?`),
    jobs: (await queuedJobs(db, shopId)).length,
  };
}

const deliver = deliverWebhook;

beforeEach(async () => {
  const { db } = services();
  await resetDatabase(db);
  shopId = "shop_hooks";
  await addShop(db, SHOP, { id: shopId, syncState: false });
});

describe("Shopify webhooks over signed requests", () => {
  it("GIVEN a forged HMAC WHEN delivered THEN 401 and nothing is written", async () => {
    const before = (await tableCounts());
    const res = await deliver(signedWebhook("orders/create", SHOP, restOrder(1, 1), { forge: true }));
    expect(res.status).toBe(401);
    expect(await tableCounts()).toEqual(before);
  });

  it("GIVEN a signed but malformed payload that names no order WHEN delivered THEN 400 and nothing is written", async () => {
    const badOrder = await deliver(signedWebhook("orders/create", SHOP, { line_items: "nope" }));
    const notJson = await deliver(signedWebhook("orders/create", SHOP, null, { rawBody: "{not json" }));
    const badRefund = await deliver(signedWebhook("refunds/create", SHOP, { id: 1, order_id: "12,5" }));
    expect(badOrder.status).toBe(400);
    expect(await badOrder.text()).toMatch(/orders\/create: malformed payload/);
    expect(notJson.status).toBe(400);
    expect(badRefund.status).toBe(400);
    expect(await tableCounts()).toEqual({ orders: 0, lines: 0, customers: 0, jobs: 0 });
  });

  it.each([
    ["an amount with a decimal comma", { total_price: "12,50" }],
    ["an unreadable date", { updated_at: "yesterday" }],
    ["a line without a price", { line_items: [{ id: 10, quantity: 1 }] }],
    ["a negative quantity", { line_items: [{ id: 10, quantity: -1, price: "1.00" }] }],
  ])("GIVEN a signed order with %s WHEN delivered THEN it is answered 200, recorded with its body, and the order is re-read", async (_what, override) => {
    const payload = restOrder(11, 1, override);

    const res = await deliver(signedWebhook("orders/create", SHOP, payload));

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("recorded");
    const { db } = services();
    const problem = (await db.prepare(`SELECT topic, resourceId, error, body FROM "WebhookProblem"`).get()) as Record<string, string>;
    expect(problem).toMatchObject({ topic: "orders/create", resourceId: "gid://shopify/Order/11" });
    expect(problem.error).toMatch(/malformed payload/);
    expect(JSON.parse(problem.body)).toEqual(payload);
    expect((await queuedJobs(db, shopId)).map(({ type, key }) => ({ type, key }))).toEqual([{ type: "refresh-order", key: "batch" }]);
    expect(await db.prepare(`SELECT orderId, lines FROM "RereadWanted" WHERE shopId = ?`).all(shopId)).toEqual([{ orderId: "gid://shopify/Order/11", lines: null }]);
    expect((await tableCounts()).orders).toBe(0);
  });

  it("GIVEN orders/create WHEN delivered twice with the same event id THEN one order is stored and one recompute queued", async () => {
    const first = await deliver(signedWebhook("orders/create", SHOP, restOrder(1, 1), { eventId: "evt-1" }));
    const again = await deliver(signedWebhook("orders/create", SHOP, restOrder(1, 1), { eventId: "evt-1" }));

    expect(first.status).toBe(200);
    expect(first.headers.get("X-RFM-Webhook")).toBe("processed");
    expect(again.headers.get("X-RFM-Webhook")).toBe("duplicate");
    expect(await tableCounts()).toMatchObject({ orders: 1, lines: 1 });
    // A new order whose lines carry no selling_plan_id (before API 2026-10) is re-read, then scored.
    const { db } = services();
    expect((await queuedJobs(db, shopId)).map((j) => j.type).sort()).toEqual(["recompute", "refresh-order"]);
  });

  it("GIVEN a newer version stored WHEN an older update arrives THEN it is answered 'stale' and changes nothing", async () => {
    await deliver(signedWebhook("orders/updated", SHOP, restOrder(12, 1, { updated_at: "2026-06-03T00:00:00Z" })));
    const res = await deliver(signedWebhook("orders/updated", SHOP, restOrder(12, 1, { updated_at: "2026-06-02T00:00:00Z", total_price: "1.00" })));
    expect(res.headers.get("X-RFM-Webhook")).toBe("stale");
  });

  it("GIVEN the shop uninstalled the app WHEN order and customer webhooks arrive THEN they are answered 200 and nothing is written or queued", async () => {
    await deliver(signedWebhook("app/uninstalled", SHOP, { id: 1, domain: SHOP }));
    const { db } = services();
    const before = { ...(await (await tableCounts())), events: await db.prepare(`SELECT count(*) FROM "WebhookEvent"`).pluck().get() };

    const outcomes = [];
    for (const req of [
      signedWebhook("orders/create", SHOP, restOrder(13, 1)),
      signedWebhook("refunds/create", SHOP, { id: 9, order_id: 13 }),
      signedWebhook("customers/delete", SHOP, { id: 1 }),
      signedWebhook("bulk_operations/finish", SHOP, { admin_graphql_api_id: "gid://shopify/BulkOperation/1", status: "completed", type: "query", error_code: null, created_at: "2026-06-01T00:00:00Z", completed_at: "2026-06-01T00:00:00Z" }),
    ]) {
      const res = await deliver(req);
      outcomes.push([res.status, res.headers.get("X-RFM-Webhook")]);
    }

    expect(outcomes).toEqual(Array(4).fill([200, "uninstalled"]));
    expect({ ...(await (await tableCounts())), events: await db.prepare(`SELECT count(*) FROM "WebhookEvent"`).pluck().get() }).toEqual(before);
  });

  it("GIVEN the shop uninstalled the app WHEN a compliance request arrives THEN it is still honoured", async () => {
    await deliver(signedWebhook("orders/create", SHOP, restOrder(14, 1)));
    await deliver(signedWebhook("app/uninstalled", SHOP, { id: 1, domain: SHOP }));
    const res = await deliver(
      signedWebhook("customers/redact", SHOP, { shop_id: 1, shop_domain: SHOP, customer: { id: 1, email: "c1@example.com" }, orders_to_redact: [14] }),
    );
    expect(res.headers.get("X-RFM-Webhook")).toBe("processed");
    expect((await tableCounts()).orders).toBe(0);
  });

  it("GIVEN updates delivered out of order WHEN the older arrives last THEN the newer version is kept", async () => {
    const newer = restOrder(2, 1, { updated_at: "2026-06-03T00:00:00Z", total_price: "99.00", tags: "newer" });
    const older = restOrder(2, 1, { updated_at: "2026-06-02T00:00:00Z", total_price: "10.00", tags: "older" });
    await deliver(signedWebhook("orders/updated", SHOP, newer));
    await deliver(signedWebhook("orders/updated", SHOP, older));

    const { store } = services();
    const [order] = await Array.fromAsync(store.iterateOrders(shopId));
    expect(order.tags).toEqual(["newer"]);
    expect(order.totalMinor).toBe(9900);
  });

  it("GIVEN orders/delete WHEN delivered THEN the order is gone and a late update does not revive it", async () => {
    await deliver(signedWebhook("orders/create", SHOP, restOrder(3, 1)));
    await deliver(signedWebhook("orders/delete", SHOP, { id: 3 }));
    await deliver(signedWebhook("orders/updated", SHOP, restOrder(3, 1, { updated_at: "2027-01-01T00:00:00Z" })));
    expect(await tableCounts()).toMatchObject({ orders: 0, lines: 0 });
  });

  it("GIVEN refunds/create WHEN delivered THEN the order is queued to be re-read", async () => {
    await deliver(signedWebhook("refunds/create", SHOP, { id: 9, order_id: 4, refund_line_items: [] }));
    const { db } = services();
    expect((await queuedJobs(db, shopId)).map(({ type, key, payload }) => ({ type, key, payload }))).toEqual([{ type: "refresh-order", key: "batch", payload: "{}" }]);
    expect(await db.prepare(`SELECT orderId FROM "RereadWanted" WHERE shopId = ?`).pluck().all(shopId)).toEqual(["gid://shopify/Order/4"]);
  });

  it("GIVEN customers/redact WHEN delivered THEN exactly that customer's orders, record and wanted re-reads are deleted", async () => {
    await deliver(signedWebhook("orders/create", SHOP, restOrder(5, 1)));
    await deliver(signedWebhook("orders/create", SHOP, restOrder(6, 2)));
    const { db } = services();
    await db.prepare(`INSERT INTO "Customer" (shopId, customerKey) VALUES (?, ?), (?, ?)`).run(
      shopId, "gid://shopify/Customer/1", shopId, "gid://shopify/Customer/2",
    );

    const res = await deliver(
      signedWebhook("customers/redact", SHOP, { shop_id: 1, shop_domain: SHOP, customer: { id: 1, email: "c1@example.com" }, orders_to_redact: [5] }),
    );

    expect(res.status).toBe(200);
    // The redacted order stays only as a bare tombstone (deleted, no customer), so it cannot come back.
    expect(await db.prepare(`SELECT customerKey FROM "Order" WHERE shopId = ? AND deleted = FALSE`).pluck().all(shopId)).toEqual(["gid://shopify/Customer/2"]);
    expect(await db.prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ?`).pluck().all(shopId)).toEqual(["gid://shopify/Customer/2"]);
    // Nor is the redacted order still wanted for a re-read.
    expect(await db.prepare(`SELECT orderId FROM "RereadWanted" WHERE shopId = ?`).pluck().all(shopId)).toEqual(["gid://shopify/Order/6"]);
  });

  it("GIVEN customers/data_request WHEN delivered THEN an export of what we hold is stored with the request id", async () => {
    await deliver(signedWebhook("orders/create", SHOP, restOrder(7, 1)));
    await deliver(signedWebhook("orders/create", SHOP, restOrder(8, 2)));

    await deliver(
      signedWebhook("customers/data_request", SHOP, {
        shop_id: 1, shop_domain: SHOP, orders_requested: [7], customer: { id: 1, email: "c1@example.com", phone: null }, data_request: { id: 42 },
      }),
    );

    const { db } = services();
    const row = (await db.prepare(`SELECT requestId, customerKey, export FROM "DataRequest"`).get()) as { requestId: string; customerKey: string; export: string };
    expect(row.requestId).toBe("42");
    const exported = JSON.parse(row.export);
    expect(exported.orders.map((o: { id: string }) => o.id)).toEqual(["gid://shopify/Order/7"]);
  });

  it("GIVEN app/uninstalled then shop/redact WHEN delivered THEN sessions and jobs stop, then every shop row is gone", async () => {
    await deliver(signedWebhook("orders/create", SHOP, restOrder(9, 1)));
    const { db } = services();
    await db.prepare(`INSERT INTO "Session" (id, shop, state, accessToken) VALUES ('offline_${SHOP}', ?, 's', 't')`).run(SHOP);

    await deliver(signedWebhook("app/uninstalled", SHOP, { id: 1, domain: SHOP }));
    expect(await db.prepare(`SELECT uninstalledAt IS NOT NULL AS u FROM "Shop" WHERE id = ?`).get(shopId)).toEqual({ u: 1 });
    expect(await db.prepare(`SELECT count(*) n FROM "Session"`).get()).toEqual({ n: 0 });
    expect([...new Set((await queuedJobs(db, shopId)).map((j) => j.status))]).toEqual(["cancelled"]);
    expect((await tableCounts()).orders).toBe(1); // kept until shop/redact

    await deliver(signedWebhook("shop/redact", SHOP, { shop_id: 1, shop_domain: SHOP }));
    expect((await tableCounts()).orders).toBe(1); // the erasure is a job of its own
    expect(await runQueuedErasures(db)).toBe(1);
    expect(await tableCounts()).toEqual({ orders: 0, lines: 0, customers: 0, jobs: 0 });
    expect(await db.prepare(`SELECT count(*) n FROM "Shop"`).get()).toEqual({ n: 0 });
  });
});

describe("oversized webhook bodies", () => {
  const MB = 1024 * 1024;
  /** A body of `total` bytes produced on demand, counting how much of it was ever read. */
  function lazyBody(total: number) {
    const meter = { pulled: 0 };
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (meter.pulled >= total) return controller.close();
        meter.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, meter };
  }
  const post = (body: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
    deliver(
      new Request("https://rfm.test/webhooks", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json", "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": SHOP, ...headers },
        duplex: "half",
      } as RequestInit),
    );

  it("GIVEN an unsigned 50 MB POST that declares its length WHEN received THEN 413 before a byte of it is read, nothing written", async () => {
    const { stream, meter } = lazyBody(50 * MB);

    const res = await post(stream, { "Content-Length": String(50 * MB) });

    expect(res.status).toBe(413);
    expect(meter.pulled).toBeLessThanOrEqual(64 * 1024); // at most what a stream pre-fetches
    expect(await tableCounts()).toEqual({ orders: 0, lines: 0, customers: 0, jobs: 0 });
  });

  it("GIVEN an unsigned 50 MB POST without a length WHEN received THEN 413 once the cap is passed: the rest is never read", async () => {
    const { stream, meter } = lazyBody(50 * MB);
    const { MAX_WEBHOOK_BYTES } = await import("~/platforms/shopify/webhook-body.server");

    const res = await post(stream, {});

    expect(res.status).toBe(413);
    expect(meter.pulled).toBeLessThan(MAX_WEBHOOK_BYTES + 3 * 64 * 1024);
    expect(await tableCounts()).toEqual({ orders: 0, lines: 0, customers: 0, jobs: 0 });
  });

  it("GIVEN a length header that lies (small) WHEN the body runs past the cap THEN 413 all the same", async () => {
    const { stream } = lazyBody(50 * MB);
    const res = await post(stream, { "Content-Length": "100" });
    expect(res.status).toBe(413);
  });

  it("GIVEN a signed order just under the cap WHEN received THEN it is processed", async () => {
    const { MAX_WEBHOOK_BYTES } = await import("~/platforms/shopify/webhook-body.server");
    const order = restOrder(20, 1, { note: "x".repeat(MAX_WEBHOOK_BYTES - 2_000) });
    const res = await deliver(signedWebhook("orders/create", SHOP, order));
    expect(res.status).toBe(200);
    expect((await tableCounts()).orders).toBe(1);
  });
});
