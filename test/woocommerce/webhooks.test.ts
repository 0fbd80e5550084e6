/**
 * WooCommerce webhooks over real HTTP: the simulator delivers with WooCommerce's real headers
 * and base64 HMAC-SHA256 signature to the app's `/webhooks/woocommerce` route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../../sim/woocommerce";
import { queuedJobs } from "../support/queued-jobs";
import { byId, projection } from "../support/stored-orders";
import { startWooHarness, wooSeed, wooTruthOrders, type WooHarness } from "./harness";

let h: WooHarness;
let shopId: string;
const clock = createManualClock(Date.now());

async function app() {
  const { services } = await import("~/services.server");
  return services();
}
async function stored() {
  const { store } = await app();
  return (await Array.fromAsync(store.iterateOrders(shopId, "woocommerce"))).map(projection).sort(byId);
}
const truth = () => wooTruthOrders(h.sim).sort(byId);
const storedOrder = async (id: number) => (await stored()).find((o) => o.id === `woo:order:${id}`);
async function rows() {
  const { db } = await app();
  return {
    orders: await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(shopId),
    events: await db.prepare(`SELECT count(*) FROM "WebhookEvent"`).pluck().get(),
    jobs: (await queuedJobs(db, shopId)).length,
  };
}
async function secret() {
  const { db } = await app();
  const { loadCredentials } = await import("~/platforms/woocommerce/credentials.server");
  return (await loadCredentials(db, shopId))!.webhookSecret;
}
async function post(body: string, headers: Record<string, string>) {
  return fetch(`${h.appUrl}/webhooks/woocommerce`, { method: "POST", body, headers });
}
async function signed(topic: string, body: string, key?: string) {
  const { wooSignature } = await import("~/platforms/woocommerce/webhooks.server");
  return post(body, {
    "Content-Type": "application/json",
    "X-WC-Webhook-Source": `${h.sim.url}/`,
    "X-WC-Webhook-Topic": topic,
    "X-WC-Webhook-Signature": wooSignature(body, key ?? (await secret())),
    "X-WC-Webhook-ID": "1",
    "X-WC-Webhook-Delivery-ID": "d41d8cd98f00b204e9800998ecf8427e",
  });
}
const lastDelivery = (topic: string, orderId: number) =>
  h.sim.shop.webhooks.deliveries.filter((d) => d.topic === topic && (JSON.parse(d.body) as { id: number }).id === orderId).at(-1)!;
const aCustomer = () => [...h.sim.shop.store.customers.values()][0].id;
const tick = () => clock.advance(2_000);

beforeAll(async () => {
  h = await startWooHarness({ data: wooSeed(30, 7), sim: { clock } });
  shopId = await h.connect();
  await h.runJobs();
  expect(await stored()).toEqual(truth());
});
afterAll(() => h.close());

describe("WooCommerce webhooks", () => {
  it("GIVEN our webhooks were just registered WHEN the store pings them THEN every ping is answered 200 and nothing is written", async () => {
    const webhooks = [...h.sim.shop.webhooks.webhooks.values()];
    expect(webhooks.map((w) => w.topic).sort()).toEqual(
      ["customer.deleted", "customer.updated", "order.created", "order.deleted", "order.restored", "order.updated"],
    );
    expect(webhooks.every((w) => w.status === "active" && !w.pendingDelivery)).toBe(true);
    const before = await rows();

    const res = await post("webhook_id=42", { "Content-Type": "application/x-www-form-urlencoded", "X-WC-Webhook-Source": `${h.sim.url}/` });

    expect(res.status).toBe(200);
    expect(await rows()).toEqual(before);
  });

  it("GIVEN a body signed with another secret WHEN it is posted THEN 401 and nothing is written", async () => {
    const order = [...h.sim.shop.store.orders.values()][0];
    const body = JSON.stringify({ ...JSON.parse(lastDelivery("order.created", order.id)?.body ?? `{"id":${order.id}}`), total: "1.00" });
    const before = await rows();

    const forged = await signed("order.updated", body, "not-the-store-secret");
    const unsigned = await post(body, { "Content-Type": "application/json", "X-WC-Webhook-Source": `${h.sim.url}/`, "X-WC-Webhook-Topic": "order.updated" });
    const unknownStore = await post(body, {
      "Content-Type": "application/json",
      "X-WC-Webhook-Source": "http://elsewhere.example/",
      "X-WC-Webhook-Topic": "order.updated",
      "X-WC-Webhook-Signature": "AAAA",
    });

    expect([forged.status, unsigned.status, unknownStore.status]).toEqual([401, 401, 401]);
    expect(await rows()).toEqual(before);
  });

  it("GIVEN an oversized body WHEN it is posted THEN 413 before anything is verified", async () => {
    const res = await post("x".repeat(3 * 1024 * 1024), { "Content-Type": "application/json", "X-WC-Webhook-Source": `${h.sim.url}/` });
    expect(res.status).toBe(413);
  });

  it("GIVEN a new order, refunded and completed before the store's queue runs WHEN the coalesced deliveries arrive, and one arrives twice THEN the stored order is the final one and the copy is a duplicate", async () => {
    tick();
    const order = h.sim.shop.createOrder({ customerId: aCustomer(), status: "processing", lines: [{ name: "Mug", quantity: 2, unitPriceCents: 1_500 }] });
    tick();
    h.sim.shop.refundOrder(order.id, { amountCents: 500, reason: "chipped" });
    tick();
    h.sim.shop.updateOrder(order.id, { status: "completed" });
    await h.runJobs();

    expect(await storedOrder(order.id)).toMatchObject({ totalMinor: 3_000, refundedMinor: 500, cancelled: false });
    // Coalesced: one delivery per webhook for the order while one was pending.
    expect(h.sim.shop.webhooks.deliveries.filter((d) => d.topic.startsWith("order.") && (JSON.parse(d.body) as { id: number }).id === order.id)).toHaveLength(2);

    const copy = lastDelivery("order.updated", order.id);
    const again = await post(copy.body, copy.headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-rfm-webhook")).toBe("duplicate");
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN an order created then cancelled WHEN the deliveries arrive newest first THEN the older versions are ignored as stale", async () => {
    h.sim.shop.setWebhookMode("sync");
    h.sim.shop.webhooks.hold();
    tick();
    const order = h.sim.shop.createOrder({ customerId: aCustomer(), status: "processing", lines: [{ name: "Tea", quantity: 1, unitPriceCents: 900 }] });
    tick();
    h.sim.shop.updateOrder(order.id, { status: "cancelled" });
    const from = h.answers.length;

    h.sim.shop.webhooks.release("reverse");
    await h.runJobs();
    h.sim.shop.setWebhookMode("async");

    expect(h.answers.slice(from).map((a) => a.outcome)).toEqual(["processed", "stale", "stale"]);
    expect((await storedOrder(order.id))!.cancelled).toBe(true);
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN an order WHEN the merchant trashes it and later restores it THEN it is held as not counted while trashed and counts again after the restore", async () => {
    tick();
    const order = h.sim.shop.createOrder({ customerId: aCustomer(), status: "completed", lines: [{ name: "Pot", quantity: 1, unitPriceCents: 4_000 }] });
    await h.runJobs();
    tick();

    h.sim.shop.trashOrder(order.id);
    await h.runJobs(); // order.deleted {id} → re-read → status trash

    expect(await storedOrder(order.id)).toMatchObject({ cancelled: true, totalMinor: 4_000 });
    tick();

    h.sim.shop.restoreOrder(order.id);
    await h.runJobs(); // order.restored

    expect(await storedOrder(order.id)).toMatchObject({ cancelled: false, totalMinor: 4_000 });
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN a customer deleted in the store WHEN customer.deleted arrives THEN the customer's orders leave our data", async () => {
    tick();
    const customer = h.sim.shop.createCustomer({ email: "leaving@example.com" });
    const order = h.sim.shop.createOrder({ customerId: customer.id, status: "completed", lines: [{ name: "Cup", quantity: 1, unitPriceCents: 700 }] });
    await h.runJobs();
    expect(await storedOrder(order.id)).toBeDefined();

    h.sim.shop.deleteCustomer(customer.id);
    await h.runJobs();

    expect(h.answers.filter((a) => a.topic === "customer.deleted").at(-1)).toMatchObject({ status: 200, outcome: "processed" });
    expect(await storedOrder(order.id)).toBeUndefined();
  });

  it("GIVEN a signed order payload we cannot read WHEN it arrives THEN it is kept for support and the order is re-read from the store", async () => {
    const order = [...h.sim.shop.store.orders.values()].at(-1)!;
    const body = JSON.stringify({ id: order.id, total: "twelve" });

    const res = await signed("order.updated", body);
    await h.runJobs();

    expect(res.headers.get("x-rfm-webhook")).toBe("recorded");
    const { db } = await app();
    expect(await db.prepare(`SELECT resourceId FROM "WebhookProblem" WHERE body = ?`).pluck().get(body)).toBe(`woo:order:${order.id}`);
    expect(await storedOrder(order.id)).toEqual(truth().find((o) => o.id === `woo:order:${order.id}`));
  });
});
