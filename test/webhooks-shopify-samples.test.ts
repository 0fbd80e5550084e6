/**
 * Shopify's documented webhook payloads, signed as Shopify signs them, through the real
 * webhook route: every subscribed topic is accepted and stored exactly, 64-bit ids intact.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { services } from "~/services.server";
import { webhooksFromAppToml } from "../sim/shopify";
import { sampleBody, SAMPLE_CUSTOMER_ID, SAMPLE_ORDER_ID, SAMPLES, type SampleTopic } from "./shopify-samples/payloads";
import { signedWebhook, deliverWebhook } from "./support/webhooks";
import { addShop } from "./support/db";
import { queuedJobs } from "./support/queued-jobs";
import { resetDatabase } from "./support/reset";

const SHOP = "samples.myshopify.com";
const shopId = "shop_samples";
const ORDER_GID = `gid://shopify/Order/${SAMPLE_ORDER_ID}`;
/** What JSON.parse makes of the sample's order id: a different order. */
const ROUNDED_ORDER_GID = `gid://shopify/Order/${String(Number(SAMPLE_ORDER_ID))}`;

const deliver = deliverWebhook;
const sample = (topic: SampleTopic, body = sampleBody(topic, SHOP)) => deliver(signedWebhook(topic, SHOP, null, { rawBody: body }));

const db = () => services().db;
const rows = async (sql: string, ...args: unknown[]) => (await db().prepare(sql).all(...args)) as Record<string, unknown>[];

beforeEach(async () => {
  await resetDatabase(db());
  await addShop(db(), SHOP, { id: shopId, syncState: false });
});

describe("Shopify's documented sample payloads", () => {
  it("GIVEN the app's subscriptions WHEN listed THEN every subscribed topic has a documented sample here", async () => {
    const toml = readFileSync(path.resolve(import.meta.dirname, "..", "shopify.app.toml"), "utf8");
    const topics = webhooksFromAppToml(toml).flatMap((s) => [...(s.topics ?? []), ...(s.compliance_topics ?? [])]);
    expect(topics.length).toBeGreaterThan(5);
    for (const topic of topics) expect(Object.keys(SAMPLES)).toContain(topic);
  });

  it.each(Object.keys(SAMPLES) as SampleTopic[])("GIVEN the %s sample signed by Shopify WHEN delivered THEN it is accepted", async (topic) => {
    // Shopify sends shop/redact 48 hours after an uninstall; an installed shop is never erased.
    if (topic === "shop/redact") await db().prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(1), shopId);
    const res = await sample(topic);
    expect(res.status).toBe(200);
    // A finish for an operation that is not our current export is acknowledged and ignored.
    expect(res.headers.get("X-RFM-Webhook")).toBe(topic === "bulk_operations/finish" ? "ignored" : "processed");
  });

  it("GIVEN our export is running and its poll is waiting WHEN the bulk_operations/finish sample names it THEN the poll runs now", async () => {
    const { runner } = services();
    await db().prepare(`INSERT INTO "SyncState" (shopId, phase, bulkOperationId, updatedAt) VALUES (?, 'backfill', 'gid://shopify/BulkOperation/147595010', ?)`).run(shopId, new Date());
    await runner.queue.enqueue("backfill", shopId, { delayMs: 600_000 });

    const res = await sample("bulk_operations/finish");

    expect(res.headers.get("X-RFM-Webhook")).toBe("processed");
    const [job] = await queuedJobs(db(), shopId, "backfill");
    expect(job.runAt).toBeLessThanOrEqual(Date.now());
  });

  it("GIVEN our write-back's bulk mutation finished WHEN the webhook arrives THEN no export is started", async () => {
    await db().prepare(`INSERT INTO "SyncState" (shopId, phase, bulkOperationId, updatedAt) VALUES (?, 'idle', NULL, ?)`).run(shopId, new Date());
    const res = await sample("bulk_operations/finish", SAMPLES["bulk_operations/finish"].replace(`"type": "query"`, `"type": "mutation"`));
    expect(res.headers.get("X-RFM-Webhook")).toBe("ignored");
    expect(await queuedJobs(db(), shopId)).toEqual([]);
  });

  it("GIVEN the orders/create sample WHEN delivered THEN the order is stored exactly, with every digit of its ids", async () => {
    const res = await sample("orders/create");

    expect(res.headers.get("X-RFM-Webhook")).toBe("processed");
    expect(await rows(`SELECT id, customerKey, guest, processedAt, currency, totalMinor, refundedMinor, channel, test, cancelled, tags, verified FROM "Order"`)).toEqual([
      {
        id: ORDER_GID,
        customerKey: `gid://shopify/Customer/${SAMPLE_CUSTOMER_ID}`,
        guest: 0,
        processedAt: Date.parse("2021-12-31T19:00:00-05:00"), // processed_at is null: created_at stands in
        currency: "USD",
        totalMinor: 38800,
        refundedMinor: 0,
        channel: "web",
        test: 1,
        cancelled: 0,
        tags: JSON.stringify(["tag1", "tag2"]),
        verified: 1, // every line says its selling plan (2026-10): nothing to re-read
      },
    ]);
    expect(await rows(`SELECT id, quantity, unitPriceMinor, totalMinor, subscription FROM "OrderLine" ORDER BY id`)).toEqual([
      { id: "gid://shopify/LineItem/141249953214522974", quantity: 1, unitPriceMinor: 19900, totalMinor: 19900, subscription: 0 },
      { id: "gid://shopify/LineItem/866550311766439020", quantity: 1, unitPriceMinor: 19900, totalMinor: 19900, subscription: 0 },
    ]);
    expect(await rows(`SELECT orderId FROM "RereadWanted"`)).toEqual([]);
  });

  it("GIVEN the orders/create sample with a subscription line WHEN delivered THEN that line is stored as a subscription line from the payload alone", async () => {
    const body = sampleBody("orders/create", SHOP).replace(`"selling_plan_id": null`, `"selling_plan_id": 690933842`);
    await sample("orders/create", body);

    expect(await rows(`SELECT id, subscription FROM "OrderLine" ORDER BY id`)).toEqual([
      { id: "gid://shopify/LineItem/141249953214522974", subscription: 0 },
      { id: "gid://shopify/LineItem/866550311766439020", subscription: 1 },
    ]);
    expect(await rows(`SELECT verified FROM "Order"`)).toEqual([{ verified: 1 }]);
    expect(await rows(`SELECT orderId FROM "RereadWanted"`)).toEqual([]);
  });

  it("GIVEN the orders/create sample as versions before 2026-10 render it (no selling_plan_id) WHEN delivered THEN the order is held from scoring until it is re-read", async () => {
    const body = sampleBody("orders/create", SHOP).replaceAll(`,\n  "selling_plan_id": null`, "");
    expect(body).not.toContain("selling_plan_id");
    await sample("orders/create", body);

    expect(await rows(`SELECT verified FROM "Order"`)).toEqual([{ verified: 0 }]);
    expect(await rows(`SELECT orderId FROM "RereadWanted"`)).toEqual([{ orderId: ORDER_GID }]);
  });

  it("GIVEN a stored order WHEN the orders/delete sample (id only) arrives THEN exactly that order is tombstoned, not its rounded neighbour", async () => {
    await sample("orders/create");
    const { store } = services();
    await store.upsertOrders(shopId, [{ ...(await Array.fromAsync(store.iterateOrders(shopId)))[0], id: ROUNDED_ORDER_GID }]);

    await sample("orders/delete");

    expect(await rows(`SELECT id, deleted FROM "Order" ORDER BY id`)).toEqual([
      { id: ROUNDED_ORDER_GID, deleted: 0 },
      { id: ORDER_GID, deleted: 1 },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it("GIVEN the refunds/create sample WHEN delivered THEN the order it names (all 18 digits) is queued to be re-read", async () => {
    await sample("refunds/create");
    expect((await queuedJobs(db(), shopId)).map(({ type, key, payload }) => ({ type, key, payload }))).toEqual([{ type: "refresh-order", key: "batch", payload: "{}" }]);
    expect(await rows(`SELECT orderId FROM "RereadWanted" WHERE shopId = ?`, shopId)).toEqual([{ orderId: ORDER_GID }]);
  });

  it("GIVEN a scored customer WHEN the customers/delete sample arrives THEN exactly that customer is forgotten", async () => {
    const key = "gid://shopify/Customer/706405506930370084";
    const neighbour = `gid://shopify/Customer/${String(Number("706405506930370084"))}`;
    await db().prepare(`INSERT INTO "Customer" (shopId, customerKey) VALUES (?, ?), (?, ?)`).run(shopId, key, shopId, neighbour);

    await sample("customers/delete");

    expect(await rows(`SELECT customerKey FROM "Customer"`)).toEqual([{ customerKey: neighbour }]);
  });

  it("GIVEN a customer WHEN the customers/update sample arrives THEN their email is updated", async () => {
    const key = "gid://shopify/Customer/706405506930370084";
    await db().prepare(`INSERT INTO "Customer" (shopId, customerKey, email) VALUES (?, ?, 'old@example.com')`).run(shopId, key);
    await sample("customers/update");
    expect(await rows(`SELECT email FROM "Customer"`)).toEqual([{ email: "bob@biller.com" }]);
  });

  it("GIVEN a customers/update without an email (protected data withheld) WHEN delivered THEN the email we hold stays", async () => {
    const key = "gid://shopify/Customer/706405506930370084";
    await db().prepare(`INSERT INTO "Customer" (shopId, customerKey, email) VALUES (?, ?, 'kept@example.com')`).run(shopId, key);
    const withheld = JSON.parse(SAMPLES["customers/update"].replace(/"email": "bob@biller.com",/, "")) as object;
    expect(withheld).not.toHaveProperty("email");
    await sample("customers/update", SAMPLES["customers/update"].replace(/"email": "bob@biller.com",/, ""));
    expect(await rows(`SELECT email FROM "Customer"`)).toEqual([{ email: "kept@example.com" }]);
  });
});

describe("the webhook topic as the library reports it", () => {
  it("GIVEN enum-style topics WHEN normalised THEN each maps to the header form, bulk_operations/finish included", async () => {
    const { normalizeTopic } = await import("~/platforms/shopify/webhooks.server");
    expect(normalizeTopic("BULK_OPERATIONS_FINISH")).toBe("bulk_operations/finish");
    expect(normalizeTopic("CUSTOMERS_DATA_REQUEST")).toBe("customers/data_request");
    expect(normalizeTopic("ORDERS_CREATE")).toBe("orders/create");
    expect(normalizeTopic("orders/updated")).toBe("orders/updated");
  });
});

describe("orders in a multi-currency shop", () => {
  it("GIVEN an order paid in EUR in a USD shop with a EUR refund WHEN delivered THEN spend and refund are counted in USD, and the order is re-read", async () => {
    // 100.00 USD = 90.00 EUR; the buyer was refunded 18.00 EUR = 20.00 USD.
    const body = SAMPLES["orders/updated"]
      .replace(`"presentment_currency": "USD"`, `"presentment_currency": "EUR"`)
      .replace(
        /"total_price_set": \{[^}]*\}[^}]*\}\}/,
        `"total_price_set": {"shop_money":{"amount":"100.00","currency_code":"USD"},"presentment_money":{"amount":"90.00","currency_code":"EUR"}}`,
      )
      .replace(`"total_price": "388.00"`, `"total_price": "100.00"`)
      .replace(
        `"refunds": []`,
        `"refunds": [{"id": 509562969, "transactions": [{"id": 1, "amount": "18.00", "currency": "EUR", "kind": "refund", "status": "success"}]}]`,
      );

    await sample("orders/updated", body);

    expect(await rows(`SELECT currency, totalMinor, refundedMinor FROM "Order"`)).toEqual([{ currency: "USD", totalMinor: 10000, refundedMinor: 2000 }]);
    expect(await queuedJobs(db(), shopId, "refresh-order")).toHaveLength(1);
  });
});
