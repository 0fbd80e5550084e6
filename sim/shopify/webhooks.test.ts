import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./index";
import { startReceiver, type Received } from "../kit/receiver";

const API_KEY = "webhook-test-key";
const API_SECRET = "webhook-test-secret";

const shopify = shopifyApi({
  apiKey: API_KEY,
  apiSecretKey: API_SECRET,
  scopes: ["read_orders"],
  hostName: "rfm.test",
  apiVersion: ApiVersion.October26,
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error, log: () => undefined },
});

describe("webhook deliveries", () => {
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let statuses: number[] = [];
  const validations: unknown[] = [];

  beforeAll(async () => {
    // The receiver validates each delivery with @shopify/shopify-api itself, then answers.
    receiver = await startReceiver(async (r: Received) => {
      validations.push(await shopify.webhooks.validate({ rawBody: r.rawBody, rawRequest: r.req, rawResponse: r.res }));
      return statuses.shift() ?? 200;
    });
    sim = await startSimulator({
      app: {
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        appUrl: receiver.url,
        webhooks: [
          { topics: ["orders/create", "orders/updated", "orders/cancelled", "orders/delete", "refunds/create"], uri: "/webhooks/orders" },
          { topics: ["customers/update"], uri: "/webhooks/customers/update" },
          { topics: ["app/uninstalled"], uri: "/webhooks/app/uninstalled" },
          { compliance_topics: ["customers/data_request", "customers/redact", "shop/redact"], uri: "/webhooks/compliance" },
        ],
      },
      webhookDelivery: { maxAttempts: 3, backoffMs: [5, 10], timeoutMs: 1000 },
      shops: [{ domain: "hooks", customers: [{ id: 7100000000001, email: "ada@example.com", tags: ["vip"] }] }],
    });
  });
  afterEach(() => {
    receiver.received.length = 0;
    validations.length = 0;
    statuses = [];
    sim.shop("hooks").setWebhookBehavior({});
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it("GIVEN an order placed WHEN orders/create is delivered THEN shopify-api validates the HMAC and the body is REST-shaped", async () => {
    const shop = sim.shop("hooks");
    const order = shop.createOrder({
      customerId: 7100000000001,
      lineItems: [{ title: "CD", quantity: 2, unitPriceCents: 1250 }],
      tags: ["gift", "eu"],
    });
    await shop.settle();

    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery.path).toBe("/webhooks/orders");
    expect(validations[0]).toMatchObject({ valid: true, topic: "ORDERS_CREATE", domain: "hooks.myshopify.com", apiVersion: "2026-10" });
    expect(delivery.headers["x-shopify-event-id"]).toBeTruthy();
    expect(delivery.headers["x-shopify-triggered-at"]).toBeTruthy();
    const body = JSON.parse(delivery.rawBody);
    expect(body).toMatchObject({
      id: order.id,
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
      email: "ada@example.com",
      test: false,
      source_name: "web",
      tags: "gift, eu",
      currency: "USD",
      total_price: "25.00",
      current_total_price: "25.00",
      total_price_set: { shop_money: { amount: "25.00", currency_code: "USD" } },
      cancelled_at: null,
      customer: { id: 7100000000001, email: "ada@example.com", admin_graphql_api_id: "gid://shopify/Customer/7100000000001" },
      refunds: [],
    });
    expect(body.line_items[0]).toMatchObject({ price: "12.50", quantity: 2 });
    // API 2026-10: every line says its selling plan, null outside a subscription.
    expect(body.line_items[0].selling_plan_id).toBeNull();
    expect(body.line_items[0]).not.toHaveProperty("selling_plan_allocation");
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  });

  it("GIVEN a subscription line WHEN orders/create is delivered in 2026-10 THEN the line names its selling plan; a shop whose webhooks are rendered in 2026-07 sends no selling_plan_id at all", async () => {
    const shop = sim.shop("hooks");
    shop.createOrder({ customerId: 7100000000001, lineItems: [{ quantity: 1, unitPriceCents: 900 }, { quantity: 1, unitPriceCents: 1500, sellingPlan: { name: "Monthly" } }] });
    await shop.settle();
    const lines = JSON.parse(receiver.received[0].rawBody).line_items as { selling_plan_id?: number | null }[];
    expect(lines[0].selling_plan_id).toBeNull();
    expect(lines[1].selling_plan_id).toEqual(expect.any(Number));

    receiver.received.length = 0;
    const older = sim.addShop({ domain: "hooks-2026-07", webhookApiVersion: "2026-07", customers: [{ id: 7100000000002, email: "bo@example.com" }] });
    older.createOrder({ customerId: 7100000000002, lineItems: [{ quantity: 1, unitPriceCents: 1500, sellingPlan: { name: "Monthly" } }] });
    await older.settle();
    expect(receiver.received[0].headers["x-shopify-api-version"]).toBe("2026-07");
    expect(JSON.parse(receiver.received[0].rawBody).line_items[0]).not.toHaveProperty("selling_plan_id");
  });

  it("GIVEN a tampered body WHEN validated THEN shopify-api rejects it", async () => {
    const shop = sim.shop("hooks");
    shop.createOrder({ lineItems: [{ quantity: 1, unitPriceCents: 100 }] });
    await shop.settle();
    const [delivery] = receiver.received;
    const result = await shopify.webhooks.validate({
      rawBody: delivery.rawBody.replace("100", "999"),
      rawRequest: delivery.req,
      rawResponse: delivery.res,
    });
    expect(result.valid).toBe(false);
  });

  it("GIVEN a refund and a cancellation WHEN made THEN refunds/create, orders/cancelled and orders/updated arrive", async () => {
    const shop = sim.shop("hooks");
    const order = shop.createOrder({ lineItems: [{ quantity: 3, unitPriceCents: 1000 }] });
    shop.refundOrder(order.id, { lines: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    shop.cancelOrder(order.id);
    shop.deleteOrder(order.id);
    await shop.settle();

    const topics = receiver.received.map((r) => r.headers["x-shopify-topic"]).sort();
    expect(topics).toEqual(
      ["orders/cancelled", "orders/create", "orders/delete", "orders/updated", "orders/updated", "refunds/create", "refunds/create"].sort()
    );
    const refund = JSON.parse(receiver.received.find((r) => r.headers["x-shopify-topic"] === "refunds/create")!.rawBody);
    expect(refund).toMatchObject({
      order_id: order.id,
      refund_line_items: [{ quantity: 1, subtotal: "10.00" }],
      transactions: [{ kind: "refund", amount: "10.00" }],
    });
    const cancelled = JSON.parse(receiver.received.find((r) => r.headers["x-shopify-topic"] === "orders/cancelled")!.rawBody);
    expect(cancelled).toMatchObject({ current_total_price: "0.00", financial_status: "refunded" });
    expect(cancelled.cancelled_at).not.toBeNull();
    expect(JSON.parse(receiver.received.find((r) => r.headers["x-shopify-topic"] === "orders/delete")!.rawBody)).toEqual({ id: order.id });
    expect(validations.every((v) => (v as { valid: boolean }).valid)).toBe(true);
  });

  it("GIVEN the app tags a customer through the API WHEN tagsAdd runs THEN customers/update is delivered", async () => {
    const shop = sim.shop("hooks");
    await shop.graphql(
      `mutation { tagsAdd(id: "gid://shopify/Customer/7100000000001", tags: ["rfm:champions"]) { userErrors { message } } }`
    );
    await shop.settle();
    expect(receiver.received.map((r) => r.headers["x-shopify-topic"])).toEqual(["customers/update"]);
    expect(JSON.parse(receiver.received[0].rawBody).tags).toBe("vip, rfm:champions");
  });

  it("GIVEN duplicate delivery switched on WHEN an event fires THEN it arrives twice with one event id and two webhook ids", async () => {
    const shop = sim.shop("hooks");
    shop.setWebhookBehavior({ duplicate: 1 });
    shop.createOrder({ lineItems: [{ quantity: 1, unitPriceCents: 500 }] });
    await shop.settle();
    expect(receiver.received).toHaveLength(2);
    const [a, b] = receiver.received;
    expect(a.headers["x-shopify-event-id"]).toBe(b.headers["x-shopify-event-id"]);
    expect(a.headers["x-shopify-webhook-id"]).not.toBe(b.headers["x-shopify-webhook-id"]);
    expect(a.rawBody).toBe(b.rawBody);
  });

  it("GIVEN held deliveries WHEN released in reverse THEN they arrive newest first", async () => {
    const shop = sim.shop("hooks");
    shop.webhooks.hold();
    const first = shop.createOrder({ lineItems: [{ quantity: 1, unitPriceCents: 100 }] });
    shop.updateOrder(first.id, { tags: ["edited"] });
    expect(receiver.received).toHaveLength(0);
    shop.webhooks.release("reverse");
    await shop.settle();
    expect(receiver.received.map((r) => r.headers["x-shopify-topic"])).toEqual(["orders/updated", "orders/create"]);
  });

  it("GIVEN the endpoint fails twice WHEN delivering THEN it is retried until it answers 200", async () => {
    statuses = [500, 503];
    const shop = sim.shop("hooks");
    shop.createOrder({ lineItems: [{ quantity: 1, unitPriceCents: 100 }] });
    await shop.settle();
    expect(receiver.received).toHaveLength(3);
    const delivery = shop.webhooks.deliveries.at(-1)!;
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it("GIVEN compliance requests and an uninstall WHEN triggered THEN the GDPR payloads and app/uninstalled arrive, and the shop's tokens stop working", async () => {
    const shop = sim.shop("hooks");
    const token = shop.issueAccessToken();
    shop.requestCustomerData(7100000000001);
    shop.redactCustomer(7100000000001);
    shop.uninstall();
    shop.createOrder({ lineItems: [{ quantity: 1, unitPriceCents: 100 }] }); // not delivered after uninstall
    shop.redactShop();
    await shop.settle();

    const byTopic = Object.fromEntries(receiver.received.map((r) => [r.headers["x-shopify-topic"] as string, JSON.parse(r.rawBody)]));
    expect(Object.keys(byTopic).sort()).toEqual(["app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"]);
    expect(byTopic["customers/data_request"]).toMatchObject({
      shop_domain: "hooks.myshopify.com",
      customer: { id: 7100000000001, email: "ada@example.com" },
    });
    expect(byTopic["customers/redact"].orders_to_redact.length).toBeGreaterThan(0);
    expect(byTopic["app/uninstalled"]).toMatchObject({ myshopify_domain: "hooks.myshopify.com" });
    expect(byTopic["shop/redact"]).toEqual({ shop_id: shop.store.shop.id, shop_domain: "hooks.myshopify.com" });

    const response = await fetch(`${sim.url}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Sim-Shop": shop.domain },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(response.status).toBe(401);
    shop.install();
  });

  it("GIVEN a subscription created with webhookSubscriptionCreate WHEN its topic fires THEN it is delivered to that URI too", async () => {
    const shop = sim.shop("hooks");
    const created = await shop.graphql<{
      webhookSubscriptionCreate: { webhookSubscription: { id: string; topic: string; uri: string }; userErrors: unknown[] };
    }>(
      `mutation($uri: String!) { webhookSubscriptionCreate(topic: CUSTOMERS_UPDATE, webhookSubscription: { uri: $uri }) { webhookSubscription { id topic uri } userErrors { message } } }`,
      { uri: `${receiver.url}/api-created` }
    );
    expect(created.data!.webhookSubscriptionCreate.webhookSubscription).toMatchObject({
      topic: "CUSTOMERS_UPDATE",
      uri: `${receiver.url}/api-created`,
    });
    const listed = await shop.graphql<{ webhookSubscriptions: { nodes: { topic: string }[] } }>(
      `{ webhookSubscriptions(first: 10) { nodes { topic } } }`
    );
    expect(listed.data!.webhookSubscriptions.nodes).toEqual([{ topic: "CUSTOMERS_UPDATE" }]);

    shop.updateCustomer(7100000000001, { firstName: "Ada" });
    await shop.settle();
    expect(receiver.received.map((r) => r.path).sort()).toEqual(["/api-created", "/webhooks/customers/update"]);
    await shop.graphql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, {
      id: created.data!.webhookSubscriptionCreate.webhookSubscription.id,
    });
  });
});
