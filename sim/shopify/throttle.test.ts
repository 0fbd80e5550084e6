import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, requestedQueryCost, loadAdminSchema, startSimulator, type ManualClock, type Simulator } from "./index";
import { getOperationAST, parse } from "graphql";

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

const TEN_ORDERS = `{ orders(first: 10) { nodes { id } } }`;

function costOf(query: string): number {
  const { schema } = loadAdminSchema();
  const document = parse(query);
  return requestedQueryCost({ schema, operation: getOperationAST(document)!, fragments: [], variables: {} });
}

describe("calculated query cost and the leaky bucket", () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = createManualClock();
    sim = await startSimulator({
      clock,
      shops: [
        { domain: "standard", orders: Array.from({ length: 12 }, () => ({ lineItems: [{ quantity: 1, unitPriceCents: 1000 }] })) },
        {
          domain: "tiny",
          throttle: { maximumAvailable: 50, restoreRate: 5 },
          orders: Array.from({ length: 12 }, () => ({ lineItems: [{ quantity: 1, unitPriceCents: 1000 }] })),
        },
      ],
    });
  });
  afterAll(() => sim.stop());

  it("GIVEN typical shapes WHEN costed THEN objects cost 1, connections 2 + size × node, scalars 0, mutations 10", () => {
    expect(costOf(`{ shop { name currencyCode } }`)).toBe(1);
    expect(costOf(TEN_ORDERS)).toBe(12);
    expect(costOf(`{ orders(first: 10) { edges { node { id customer { id } } } } }`)).toBe(2 + 10 * 2);
    expect(costOf(`{ orders(first: 5) { nodes { id lineItems(first: 10) { nodes { id } } } } }`)).toBe(2 + 5 * (1 + 2 + 10));
    expect(costOf(`mutation { tagsAdd(id: "gid://shopify/Customer/1", tags: ["a"]) { node { id } userErrors { message } } }`)).toBe(10);
  });

  it("GIVEN a Standard shop WHEN queried THEN extensions.cost reports the plan's bucket and refunds unused cost", async () => {
    const body = await sim.shop("standard").graphql(`{ orders(first: 50) { nodes { id } } }`);
    const cost = body.extensions!.cost as Cost;
    expect(cost.requestedQueryCost).toBe(52);
    expect(cost.actualQueryCost).toBe(14); // 12 orders exist
    expect(cost.throttleStatus).toEqual({ maximumAvailable: 2000, currentlyAvailable: 2000 - 14, restoreRate: 100 });
  });

  it("GIVEN a drained bucket WHEN queried THEN THROTTLED comes back with HTTP 200, and the bucket refills at the restore rate", async () => {
    const shop = sim.shop("tiny");
    // 50 points, 12 per query: four fit.
    for (let i = 0; i < 4; i++) expect((await shop.graphql(TEN_ORDERS)).errors).toBeUndefined();

    const throttled = await shop.graphql(TEN_ORDERS);
    expect(throttled.data).toBeUndefined();
    expect(throttled.errors).toEqual([
      { message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } },
    ]);
    expect(throttled.extensions!.cost).toEqual({
      requestedQueryCost: 12,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 2, restoreRate: 5 },
    });

    clock.advance(1000); // +5 → 7, still short of 12
    expect((await shop.graphql(TEN_ORDERS)).errors?.[0].extensions?.code).toBe("THROTTLED");

    clock.advance(1000); // +5 → 12
    const recovered = await shop.graphql(TEN_ORDERS);
    expect(recovered.errors).toBeUndefined();
    expect((recovered.extensions!.cost as Cost).throttleStatus.currentlyAvailable).toBe(0);

    clock.advance(60_000); // never above the maximum
    const full = await shop.graphql(`{ shop { name } }`);
    expect((full.extensions!.cost as Cost).throttleStatus.currentlyAvailable).toBe(49);

    const stats = shop.stats();
    expect(stats.throttledCount).toBe(2);
    expect(stats.graphqlRequests).toBe(8);
    expect(stats.costPointsUsed).toBe(5 * 12 + 1);
  });

  it("GIVEN a query above 1000 points WHEN sent THEN MAX_COST_EXCEEDED and nothing is charged", async () => {
    const shop = sim.shop("standard");
    const before = shop.bucket.status().currentlyAvailable;
    const body = await shop.graphql(`{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { id } } } } }`);
    expect(body.errors?.[0].extensions).toMatchObject({ code: "MAX_COST_EXCEEDED", maxCost: 1000 });
    expect(shop.bucket.status().currentlyAvailable).toBe(before);
  });
});
