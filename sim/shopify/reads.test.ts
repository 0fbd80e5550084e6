import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimOrder, type Simulator } from "./index";

describe("reading shops, orders and customers", () => {
  let sim: Simulator;
  let refunded: SimOrder;
  let pos: SimOrder;
  beforeAll(async () => {
    sim = await startSimulator({
      shops: [
        {
          domain: "reads",
          name: "Read Shop",
          currencyCode: "EUR",
          ianaTimezone: "Europe/Berlin",
          plan: "Advanced",
          customers: [{ id: 7100000000001, email: "ada@example.com", firstName: "Ada", tags: ["vip"], rfmGroup: "CHAMPIONS" }],
        },
      ],
    });
    const shop = sim.shop("reads");
    refunded = shop.createOrder({
      customerId: 7100000000001,
      processedAt: "2026-10-01T10:00:00Z",
      presentmentCurrency: "USD",
      presentmentRate: 1.1,
      lineItems: [
        { title: "Vinyl", quantity: 2, unitPriceCents: 2000, sellingPlan: { name: "Monthly" } },
        { title: "Free sticker", quantity: 1, unitPriceCents: 0 },
      ],
    });
    shop.refundOrder(refunded.id, { lines: [{ lineItemId: refunded.lineItems[0].id, quantity: 1 }], createdAt: "2026-10-05T10:00:00Z" });
    pos = shop.createOrder({
      customerId: 7100000000001,
      processedAt: "2026-10-02T10:00:00Z",
      sourceName: "pos",
      test: true,
      lineItems: [{ quantity: 1, unitPriceCents: 999 }],
    });
  });
  afterAll(() => sim.stop());

  it("GIVEN a shop WHEN its settings are read THEN name, domain, currency, zone and plan come back", async () => {
    const body = await sim
      .shop("reads")
      .graphql(`{ shop { name myshopifyDomain currencyCode ianaTimezone plan { publicDisplayName shopifyPlus } } }`);
    expect(body.data).toEqual({
      shop: {
        name: "Read Shop",
        myshopifyDomain: "reads.myshopify.com",
        currencyCode: "EUR",
        ianaTimezone: "Europe/Berlin",
        plan: { publicDisplayName: "Advanced", shopifyPlus: false },
      },
    });
    expect((body.extensions!.cost as { throttleStatus: { restoreRate: number } }).throttleStatus.restoreRate).toBe(200);
  });

  it("GIVEN a partly refunded order WHEN read by id THEN money is net of the refund in shop currency, with presentment alongside", async () => {
    const body = await sim.shop("reads").graphql<{ order: Record<string, unknown> }>(
      `query($id: ID!) { order(id: $id) {
        name test sourceName cancelledAt
        totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
        currentTotalPriceSet { shopMoney { amount } }
        totalRefundedSet { shopMoney { amount } }
        netPaymentSet { shopMoney { amount } }
        lineItems(first: 10) { nodes { title quantity currentQuantity originalUnitPriceSet { shopMoney { amount } } discountedTotalSet { shopMoney { amount } } sellingPlan { name sellingPlanId } } }
        refunds { createdAt totalRefundedSet { shopMoney { amount } } refundLineItems(first: 5) { nodes { quantity lineItem { title } subtotalSet { shopMoney { amount } } } } }
        customer { email }
      } }`,
      { id: `gid://shopify/Order/${refunded.id}` }
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.order).toMatchObject({
      test: false,
      sourceName: "web",
      cancelledAt: null,
      totalPriceSet: { shopMoney: { amount: "40.0", currencyCode: "EUR" }, presentmentMoney: { amount: "44.0", currencyCode: "USD" } },
      currentTotalPriceSet: { shopMoney: { amount: "20.0" } },
      totalRefundedSet: { shopMoney: { amount: "20.0" } },
      netPaymentSet: { shopMoney: { amount: "20.0" } },
      lineItems: {
        nodes: [
          {
            title: "Vinyl",
            quantity: 2,
            currentQuantity: 1,
            originalUnitPriceSet: { shopMoney: { amount: "20.0" } },
            sellingPlan: { name: "Monthly", sellingPlanId: expect.stringMatching(/^gid:\/\/shopify\/SellingPlan\//) },
          },
          {
            title: "Free sticker",
            quantity: 1,
            currentQuantity: 1,
            originalUnitPriceSet: { shopMoney: { amount: "0.0" } },
            sellingPlan: null,
          },
        ],
      },
      refunds: [
        {
          createdAt: "2026-10-05T10:00:00Z",
          totalRefundedSet: { shopMoney: { amount: "20.0" } },
          refundLineItems: { nodes: [{ quantity: 1, lineItem: { title: "Vinyl" }, subtotalSet: { shopMoney: { amount: "20.0" } } }] },
        },
      ],
      customer: { email: "ada@example.com" },
    });
  });

  it("GIVEN a customer WHEN read THEN order count, spend (test orders excluded), tags and Shopify's own RFM group come back", async () => {
    const body = await sim
      .shop("reads")
      .graphql<{ customer: Record<string, unknown> }>(
        `{ customer(id: "gid://shopify/Customer/7100000000001") { email tags numberOfOrders amountSpent { amount currencyCode } statistics { rfmGroup } orders(first: 5) { nodes { id } } } }`
      );
    expect(body.data!.customer).toEqual({
      email: "ada@example.com",
      tags: ["vip"],
      numberOfOrders: "2",
      amountSpent: { amount: "20.0", currencyCode: "EUR" },
      statistics: { rfmGroup: "CHAMPIONS" },
      orders: { nodes: [{ id: `gid://shopify/Order/${refunded.id}` }, { id: `gid://shopify/Order/${pos.id}` }] },
    });
  });

  it("GIVEN search filters WHEN listing and counting THEN they apply, and an unknown filter field is reported in extensions.search", async () => {
    const shop = sim.shop("reads");
    const body = await shop.graphql<{ orders: { nodes: { id: string }[] }; ordersCount: { count: number } }>(
      `{ orders(first: 5, query: "source_name:pos test:true colour:red") { nodes { id } } ordersCount(query: "processed_at:>=2026-10-02") { count } }`
    );
    expect(body.data!.orders.nodes).toEqual([{ id: `gid://shopify/Order/${pos.id}` }]);
    expect(body.data!.ordersCount.count).toBe(1);
    expect(body.extensions!.search).toEqual([
      {
        path: ["orders"],
        query: "source_name:pos test:true colour:red",
        warnings: [{ field: "colour", message: "Invalid search field for this query." }],
      },
    ]);
    const customers = await shop.graphql<{ customers: { nodes: { email: string }[] }; customersCount: { count: number } }>(
      `{ customers(first: 5, query: "tag:vip") { nodes { email } } customersCount { count } }`
    );
    expect(customers.data).toEqual({ customers: { nodes: [{ email: "ada@example.com" }] }, customersCount: { count: 1 } });
  });

  it("GIVEN ids WHEN resolved through node/nodes THEN each comes back as its type", async () => {
    const body = await sim
      .shop("reads")
      .graphql<{ nodes: ({ __typename: string } | null)[] }>(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, {
        ids: [`gid://shopify/Order/${pos.id}`, "gid://shopify/Customer/7100000000001", "gid://shopify/Order/1"],
      });
    expect(body.data!.nodes.map((n) => n?.__typename ?? null)).toEqual(["Order", "Customer", null]);
  });
});
