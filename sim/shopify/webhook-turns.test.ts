/**
 * Shopify guarantees no delivery order across topics (https://shopify.dev/docs/apps/build/webhooks,
 * "Ordering event data"). The simulator sends at most 32 deliveries of a shop at once (decision
 * 038); the rest wait by topic, topics taking turns, so a write-back's thousands of
 * customers/update do not hold an order's orders/create back until they have all been sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../kit/receiver";
import { startSimulator, type Simulator } from "./index";

describe("deliveries waiting for a sending slot", () => {
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const customers = Array.from({ length: 300 }, (_, i) => ({ id: 7200000000001 + i, email: `c${i}@example.com`, tags: [] }));

  beforeAll(async () => {
    receiver = await startReceiver(() => 200);
    sim = await startSimulator({
      app: { apiKey: "turns-key", apiSecret: "turns-secret", appUrl: receiver.url, webhooks: [{ topics: ["orders/create", "customers/update"], uri: "/webhooks" }] },
      shops: [{ domain: "turns", customers }],
    });
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it("GIVEN 300 customers/update waiting to be sent WHEN an order is placed THEN its orders/create goes out at the next free slot, not after the 300, and every delivery arrives", async () => {
    const shop = sim.shop("turns");
    for (const c of customers) shop.updateCustomer(c.id, { tags: ["rfm:champions"] });
    shop.createOrder({ customerId: customers[0].id, lineItems: [{ title: "Now", quantity: 1, unitPriceCents: 1_000 }] });

    await sim.settle();

    const topics = receiver.received.map((r) => r.headers["x-shopify-topic"]);
    expect(topics).toHaveLength(301);
    expect(topics.indexOf("orders/create")).toBeLessThan(64);
  });
});
