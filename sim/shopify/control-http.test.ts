import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./index";
import { startReceiver } from "../kit/receiver";

describe("HTTP control API (standalone mode)", () => {
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/__sim/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startSimulator({
      app: { appUrl: receiver.url, webhooks: [{ topics: ["orders/create", "orders/cancelled", "customers/update"], uri: "/hooks" }] },
    });
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it("GIVEN no shops WHEN one is added with a seed over HTTP THEN it holds the seeded data", async () => {
    const created = await call("POST", "shops", { domain: "http-shop", seed: { dataset: "online-retail", maxCustomers: 10, seed: 1 } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ domain: "http-shop.myshopify.com", customers: 10 });
    expect(((await call("GET", "shops")).body as unknown as unknown[]).length).toBe(1);
  });

  it("GIVEN a shop WHEN orders are created and cancelled and a customer updated over HTTP THEN webhooks go out and stats are readable", async () => {
    const customerId = sim.shop("http-shop").store.customers.keys().next().value!;
    const order = await call("POST", "shops/http-shop/orders", {
      customerId: `gid://shopify/Customer/${customerId}`,
      lineItems: [{ price: "4.25", quantity: 2, title: "Mug" }],
    });
    expect(order.body).toMatchObject({ total_price: "8.50", currency: "GBP" });
    await call("POST", `shops/http-shop/orders/${order.body.id}/cancel`, { reason: "customer" });
    await call("PATCH", `shops/http-shop/customers/${customerId}`, { tags: ["from-http"] });
    const token = (await call("POST", "shops/http-shop/tokens")).body.access_token as string;
    expect(token).toMatch(/^shpat_/);
    await sim.settle();
    expect(receiver.received.map((r) => r.headers["x-shopify-topic"])).toEqual(["orders/create", "orders/cancelled", "customers/update"]);
    const stats = await call("GET", "shops/http-shop/stats");
    expect(stats.body).toMatchObject({ graphqlRequests: 0 });
  });

  it("GIVEN faults and throttle settings WHEN put over HTTP THEN the shop uses them", async () => {
    expect((await call("PUT", "shops/http-shop/faults", { http503Rate: 1 })).body).toEqual({ http503Rate: 1 });
    const token = (await call("POST", "shops/http-shop/tokens")).body.access_token as string;
    const response = await fetch(`${sim.url}/admin/api/2026-10/graphql.json?shop=http-shop.myshopify.com`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(response.status).toBe(503);
    expect((await call("PUT", "shops/http-shop/throttle", { restoreRate: 7, drainTo: 3 })).body).toEqual({
      maximumAvailable: 2000,
      currentlyAvailable: 3,
      restoreRate: 7,
    });
    expect((await call("GET", "shops/nope/stats")).status).toBe(404);
  });
});
