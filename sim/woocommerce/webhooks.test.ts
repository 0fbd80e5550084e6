import { afterEach, describe, expect, it } from "vitest";
import { startReceiver } from "../kit/receiver";
import { hmacBase64 } from "../kit/webhook-delivery";
import { startWooSimulator, type WooSimulator } from "./server";
import type { WooDeliverySettings } from "./webhooks";

/** WooCommerce's delivery behaviour: pings, no retries, disabling, silence where WooCommerce is silent, async coalescing. */

let sim: WooSimulator | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

afterEach(async () => {
  await sim?.stop();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

async function setup(mode: WooDeliverySettings["mode"], respond: (path: string, body: string) => number = () => 200) {
  receiver = await startReceiver((r) => respond(r.path, r.rawBody));
  sim = await startWooSimulator({ webhookDelivery: { mode } });
  const shop = sim.shop;
  const customer = shop.createCustomer({ email: "ana@example.test", firstName: "Ana" });
  const hook = (topic: string, path = `/hooks/${topic}`) => shop.webhooks.create({ topic, deliveryUrl: `${receiver!.url}${path}`, secret: "secret" });
  const topics = () => receiver!.received.filter((r) => !r.rawBody.startsWith("webhook_id=")).map((r) => `${r.headers["x-wc-webhook-topic"]}`);
  const pings = () => receiver!.received.filter((r) => r.rawBody.startsWith("webhook_id="));
  return { shop, customer, hook, topics, pings };
}

describe("WooCommerce webhook delivery", () => {
  it("pings a new webhook unsigned, and pings again on every save until a ping is answered 200", async () => {
    let answer = 500;
    const { shop, hook, pings } = await setup("sync", (_path, body) => (body.startsWith("webhook_id=") ? answer : 200));
    const webhook = hook("order.updated");
    await shop.settle();
    expect(pings().map((p) => p.rawBody)).toEqual([`webhook_id=${webhook.id}`]);
    expect(pings()[0].headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(pings()[0].headers["x-wc-webhook-signature"]).toBeUndefined();
    shop.webhooks.update(webhook.id, { name: "renamed" });
    await shop.settle();
    expect(pings()).toHaveLength(2);
    answer = 200;
    shop.webhooks.update(webhook.id, { name: "again" });
    await shop.settle();
    shop.webhooks.update(webhook.id, { name: "once more" });
    await shop.settle();
    expect(pings()).toHaveLength(3);
  });

  it("never retries, and disables a webhook on its 7th consecutive failure", async () => {
    const { shop, customer, hook, topics } = await setup("sync", (path) => (path.startsWith("/fail") ? 500 : 200));
    const failing = hook("order.updated", "/fail/order.updated");
    const order = shop.createOrder({ customerId: customer.id, lines: [{ productId: 11, quantity: 1 }] });
    await shop.settle();
    expect(failing.status).toBe("active");
    // WHEN 7 more changes fail (the creation's order.updated was failure 1)
    for (let i = 1; i <= 7; i++) {
      shop.updateOrder(order.id, { meta: [{ key: "attempt", value: String(i) }] });
      await shop.settle();
      // THEN the 7th consecutive failure (6 updates after the creation) disables it
      expect(failing.status).toBe(i < 6 ? "active" : "disabled");
    }
    expect(topics()).toHaveLength(7);
    expect(shop.webhooks.deliveries.every((d) => d.attempts.length === 1)).toBe(true);
  });

  it("sends order.deleted with only the id on trash, order.restored on a wp-admin restore, and nothing on REST untrash or force delete", async () => {
    const { shop, customer, hook, topics } = await setup("sync");
    for (const t of ["order.created", "order.updated", "order.deleted", "order.restored"]) hook(t);
    const a = shop.createOrder({ customerId: customer.id, lines: [{ productId: 11, quantity: 1 }] });
    const b = shop.createOrder({ customerId: customer.id, lines: [{ productId: 11, quantity: 1 }] });
    await shop.settle();
    expect(topics()).toEqual(["order.created", "order.updated", "order.created", "order.updated"]);
    receiver!.received.length = 0;
    shop.trashOrder(a.id);
    await shop.settle();
    expect(receiver!.received.map((r) => r.rawBody)).toEqual([`{"id":${a.id}}`]);
    shop.restoreOrder(a.id);
    shop.trashOrder(b.id);
    await shop.settle();
    receiver!.received.length = 0;
    shop.updateOrder(b.id, { status: "processing" }); // REST PUT on a trashed order: untrashed silently
    shop.deleteOrder(a.id); // force delete
    await shop.settle();
    expect(shop.store.getOrder(b.id).status).toBe("processing");
    expect(topics()).toEqual([]);
  });

  it("signs PHP-encoded bodies (escaped slashes) over the raw bytes", async () => {
    const { shop, customer, hook } = await setup("sync");
    hook("order.created");
    shop.createOrder({ customerId: customer.id, lines: [{ productId: 11, quantity: 1 }] });
    await shop.settle();
    const [delivery] = receiver!.received.filter((r) => r.headers["x-wc-webhook-topic"]);
    expect(delivery.rawBody).toContain(`"href":"http:\\/\\/127.0.0.1`);
    expect(delivery.headers["x-wc-webhook-signature"]).toBe(hmacBase64(delivery.rawBody, "secret"));
    expect(delivery.headers["x-wc-webhook-source"]).toBe(`${sim!.url}/`);
  });

  it("sends order.updated before order.created when the checkout fires them that way", async () => {
    const { shop, hook, topics } = await setup("sync");
    hook("order.created");
    hook("order.updated");
    shop.createOrder({ billing: { email: "guest@example.test" }, createdVia: "store-api", lines: [{ productId: 11, quantity: 1 }], firstTopic: "order.updated" });
    await shop.settle();
    expect(topics()).toEqual(["order.updated", "order.created"]);
  });

  it("in async mode keeps one queued delivery per webhook and order, carrying the final state", async () => {
    const { shop, customer, hook, topics } = await setup("async");
    hook("order.created");
    hook("order.updated");
    await shop.settle();
    const order = shop.createOrder({ customerId: customer.id, lines: [{ productId: 11, quantity: 1 }], status: "processing" });
    shop.updateOrder(order.id, { status: "completed" });
    shop.updateOrder(order.id, { customerNote: "second note" });
    expect(shop.webhooks.queued).toBe(2);
    await shop.settle();
    expect(topics().sort()).toEqual(["order.created", "order.updated"]);
    for (const r of receiver!.received.filter((x) => x.headers["x-wc-webhook-topic"])) {
      expect(JSON.parse(r.rawBody)).toMatchObject({ status: "completed", customer_note: "second note" });
    }
  });
});
