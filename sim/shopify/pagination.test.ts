import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, startSimulator, type SeedData, type Simulator } from "./index";

interface OrdersPage {
  orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { id: string; processedAt: string; updatedAt: string }[] };
}

const ORDERS = `#graphql
  query Orders($after: String, $query: String) {
    orders(first: 50, after: $after, query: $query) {
      pageInfo { hasNextPage endCursor }
      nodes { id processedAt updatedAt }
    }
  }`;

describe("cursor pagination over a seeded shop", () => {
  let sim: Simulator;
  let seed: SeedData;
  beforeAll(async () => {
    seed = generateSeed({ dataset: "cdnow", maxCustomers: 60, seed: 7 });
    sim = await startSimulator({ shops: [{ domain: "paging", data: seed }] });
  });
  afterAll(() => sim.stop());

  async function walk(query?: string) {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const body: { data?: OrdersPage; errors?: unknown[] } = await sim.shop("paging").graphql<OrdersPage>(ORDERS, { after, query });
      expect(body.errors).toBeUndefined();
      const page: OrdersPage["orders"] = body.data!.orders;
      ids.push(...page.nodes.map((n) => n.id));
      pages++;
      if (!page.pageInfo.hasNextPage) return { ids, pages };
      after = page.pageInfo.endCursor;
    }
  }

  it("GIVEN a seeded shop WHEN walking orders page by page THEN every order is seen exactly once, oldest first", async () => {
    const { ids, pages } = await walk();

    expect(seed.truth.counts.orders).toBeGreaterThan(100);
    expect(pages).toBe(Math.ceil(seed.truth.counts.orders / 50));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(seed.truth.orders.map((o) => o.id)); // truth is in processedAt order
  });

  it("GIVEN an updated_at filter WHEN walking THEN exactly the orders updated since then are returned", async () => {
    const since = seed.truth.orders[Math.floor(seed.truth.orders.length / 2)].updatedAt;
    const expected = seed.truth.orders.filter((o) => o.updatedAt >= since).map((o) => o.id);

    const { ids } = await walk(`updated_at:>='${since}'`);

    expect(new Set(ids)).toEqual(new Set(expected));
  });

  it("GIVEN a processed_at date range WHEN counted THEN ordersCount agrees with the truth (dates read in the shop zone)", async () => {
    const body = await sim
      .shop("paging")
      .graphql<{ ordersCount: { count: number; precision: string } }>(
        `{ ordersCount(query: "processed_at:>=1997-02-01 processed_at:<1997-03-01") { count precision } }`
      );
    const inFebruary = seed.truth.orders.filter((o) => {
      const local = new Date(o.processedAt).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
      return local >= "1997-02-01" && local < "1997-03-01";
    });
    expect(body.data!.ordersCount).toEqual({ count: inFebruary.length, precision: "EXACT" });
  });

  it("GIVEN first above 250 WHEN queried THEN the request is refused", async () => {
    const body = await sim.shop("paging").graphql(`{ orders(first: 251) { nodes { id } } }`);
    expect(body.errors?.[0].message).toMatch(/250/);
  });

  it("GIVEN a token without read_all_orders WHEN listing orders THEN only the last 60 days are visible", async () => {
    const shop = sim.shop("paging");
    const token = shop.issueAccessToken({ scopes: ["read_orders", "read_customers"] });
    const body = await shop.graphql<OrdersPage>(ORDERS, {}, { token });
    expect(body.data!.orders.nodes).toEqual([]); // the seed's orders are from 1997
  });
});
