import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, Session, shopifyApi } from "@shopify/shopify-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, startSimulator, type SeedData, type Simulator } from "../../../sim/shopify";
import { installSimulatorInterception, isSimulatorInterceptionInstalled, uninstallSimulatorInterception } from "./simulator.server";

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
type Slot = { [GLOBAL_DISPATCHER]?: unknown };

/** A dispatcher that records where requests were headed and fails them, so nothing leaves the machine. */
function recordingDispatcher() {
  const origins: string[] = [];
  return {
    origins,
    dispatch(options: { origin?: string | URL }, handler: { onError(error: Error): void }) {
      origins.push(String(options.origin));
      queueMicrotask(() => handler.onError(new Error("recorded, not sent")));
      return true;
    },
    close: async () => undefined,
    destroy: async () => undefined,
  };
}

describe("reaching the Shopify Admin simulator", () => {
  let original: unknown;
  beforeAll(async () => {
    await fetch("data:,"); // make Node create its built-in dispatcher, to restore it afterwards
    original = (globalThis as Slot)[GLOBAL_DISPATCHER];
  });
  afterEach(() => {
    uninstallSimulatorInterception();
    (globalThis as Slot)[GLOBAL_DISPATCHER] = original;
  });

  it("GIVEN SHOPIFY_ADMIN_SIMULATOR_URL is unset WHEN installing THEN nothing is installed and shop traffic keeps its origin", async () => {
    const recorder = recordingDispatcher();
    (globalThis as Slot)[GLOBAL_DISPATCHER] = recorder;

    expect(installSimulatorInterception({ SHOPIFY_ADMIN_SIMULATOR_URL: "" })).toBe(false);
    expect(installSimulatorInterception({})).toBe(false);

    expect((globalThis as Slot)[GLOBAL_DISPATCHER]).toBe(recorder);
    expect(isSimulatorInterceptionInstalled()).toBe(false);
    await expect(fetch("https://untouched.myshopify.com/admin/api/2026-10/graphql.json", { method: "POST" })).rejects.toThrow();
    expect(recorder.origins).toEqual(["https://untouched.myshopify.com"]);
  });

  describe("GIVEN SHOPIFY_ADMIN_SIMULATOR_URL points at a running simulator", () => {
    let sim: Simulator;
    let seed: SeedData;
    let token: string;
    beforeAll(async () => {
      seed = generateSeed({ dataset: "cdnow", maxCustomers: 15, seed: 4 });
      sim = await startSimulator({
        app: { apiKey: "test-api-key", apiSecret: "test-api-secret" },
        shops: [{ domain: "intercepted", data: seed }],
      });
      token = sim.shop("intercepted").issueAccessToken();
    });
    afterAll(() => sim.stop());

    it("WHEN the real @shopify/shopify-api GraphQL client queries the shop THEN the simulator answers with the seeded data", async () => {
      expect(installSimulatorInterception({ SHOPIFY_ADMIN_SIMULATOR_URL: sim.url })).toBe(true);
      const shopify = shopifyApi({
        apiKey: "test-api-key",
        apiSecretKey: "test-api-secret",
        scopes: ["read_orders", "read_all_orders", "read_customers"],
        hostName: "rfm.test",
        apiVersion: ApiVersion.October26,
        isEmbeddedApp: true,
        logger: { level: LogSeverity.Error, log: () => undefined },
      });
      const session = new Session({
        id: "offline_intercepted.myshopify.com",
        shop: "intercepted.myshopify.com",
        state: "",
        isOnline: false,
        accessToken: token,
      });
      const client = new shopify.clients.Graphql({ session });

      const response = await client.request<{
        shop: { myshopifyDomain: string; currencyCode: string };
        orders: { nodes: { id: string; name: string }[] };
      }>(
        `#graphql
        query { shop { myshopifyDomain currencyCode } orders(first: 5) { nodes { id name } } }`
      );

      expect(response.data?.shop).toEqual({ myshopifyDomain: "intercepted.myshopify.com", currencyCode: "USD" });
      expect(response.data?.orders.nodes).toEqual(seed.truth.orders.slice(0, 5).map((o) => ({ id: o.id, name: o.name })));
      expect(sim.stats("intercepted").graphqlRequests).toBe(1);
    });

    it("WHEN other hosts are fetched THEN they pass through untouched", async () => {
      installSimulatorInterception({ SHOPIFY_ADMIN_SIMULATOR_URL: sim.url });
      const response = await fetch(`${sim.url}/__sim/health`);
      expect(await response.json()).toEqual({ ok: true });
      expect(sim.stats("intercepted").requests).toBe(1); // the health check is not a shop request
    });
  });
});
