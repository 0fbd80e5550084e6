import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../kit/receiver";
import { startWooSimulator, type WooSimulator } from "./server";

/** The control API over HTTP drives the same store (and the same webhooks) as WooShop's methods. */

describe("WooCommerce simulator control API", () => {
  let sim: WooSimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startWooSimulator({ webhookDelivery: { mode: "sync" } });
  });
  afterAll(async () => {
    await sim?.stop();
    await receiver?.close();
  });

  const post = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${sim.url}/__sim/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };

  it("creates customers, orders and refunds, trashes and restores, and issues keys", async () => {
    sim.shop.webhooks.create({ topic: "order.restored", deliveryUrl: `${receiver.url}/restored`, secret: "s" });
    const customer = await post("customers", { email: "kim@example.test", firstName: "Kim" });
    expect(customer.status).toBe(201);
    const order = await post("orders", { customerId: customer.json.id, lines: [{ productId: 11, quantity: 2 }], status: "completed" });
    expect(order.json).toMatchObject({ customer_id: customer.json.id, total: "48.00", status: "completed" });
    const refund = await post(`orders/${order.json.id}/refund`, { amountCents: 4800, reason: "all" });
    expect(refund.json.amount).toBe("48.00");
    expect((await post(`orders/${order.json.id}/trash`)).json.status).toBe("trash");
    expect((await post(`orders/${order.json.id}/restore`)).json.status).toBe("refunded");
    await post("settle");
    expect(receiver.received.filter((r) => r.path === "/restored" && r.headers["x-wc-webhook-topic"] === "order.restored")).toHaveLength(1);
    const key = await post("keys", { permissions: "read" });
    expect(key.json).toMatchObject({ permissions: "read", consumer_key: expect.stringMatching(/^ck_/) });
    expect((await post("orders/999/trash")).json.code).toBe("woocommerce_rest_shop_order_invalid_id");
  });
});
