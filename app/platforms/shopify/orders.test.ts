import { describe, expect, it } from "vitest";
import { orderFromGraphql, orderFromWebhook, parseBulkLine, WebhookOrder } from "./orders";

const money = (amount: string, currencyCode = "USD") => ({ shopMoney: { amount, currencyCode } });

const graphqlOrder = {
  id: "gid://shopify/Order/1",
  processedAt: "2026-03-01T12:00:00Z",
  createdAt: "2026-03-01T11:59:00Z",
  updatedAt: "2026-03-02T08:00:00Z",
  cancelledAt: null,
  test: false,
  sourceName: "web",
  tags: ["vip"],
  email: "Ann@Example.com",
  customer: { id: "gid://shopify/Customer/7", email: "ann@example.com" },
  totalPriceSet: money("120.50"),
  totalRefundedSet: money("20.00"),
};

describe("Shopify order → canonical order", () => {
  it("GIVEN a GraphQL order with line items WHEN normalised THEN money is minor units in shop currency", () => {
    const order = orderFromGraphql({
      ...graphqlOrder,
      lineItems: {
        nodes: [
          { id: "gid://shopify/LineItem/1", quantity: 2, originalUnitPriceSet: money("50.00"), discountedTotalSet: money("90.00"), sellingPlan: null },
          { id: "gid://shopify/LineItem/2", quantity: 1, originalUnitPriceSet: money("0.00"), discountedTotalSet: money("0.00"), sellingPlan: { sellingPlanId: "gid://shopify/SellingPlan/1" } },
        ],
      },
    });
    expect(order).toMatchObject({
      customerKey: "gid://shopify/Customer/7",
      guest: false,
      totalMinor: 12050,
      refundedMinor: 2000,
      pos: false,
      subscription: false,
      tags: ["vip"],
    });
    expect(order.lineItems).toEqual([
      { id: "gid://shopify/LineItem/1", quantity: 2, unitPriceMinor: 5000, totalMinor: 9000, subscription: false },
      { id: "gid://shopify/LineItem/2", quantity: 1, unitPriceMinor: 0, totalMinor: 0, subscription: true },
    ]);
  });

  it("GIVEN a POS order, a subscription renewal and a guest WHEN normalised THEN their flags and identity say so", () => {
    const pos = orderFromGraphql({ ...graphqlOrder, sourceName: "pos", lineItems: { nodes: [] } });
    const renewal = orderFromGraphql({ ...graphqlOrder, sourceName: "subscription_contract_checkout_one", lineItems: { nodes: [] } });
    const guest = orderFromGraphql({ ...graphqlOrder, customer: null, lineItems: { nodes: [] } });
    expect(pos.pos).toBe(true);
    expect(renewal.subscription).toBe(true);
    expect(guest).toMatchObject({ customerKey: "email:ann@example.com", guest: true });
  });

  it("GIVEN bulk JSONL lines WHEN parsed THEN parents and children are told apart by __parentId", () => {
    const parent = parseBulkLine(JSON.stringify(graphqlOrder));
    const child = parseBulkLine(
      JSON.stringify({ id: "gid://shopify/LineItem/9", quantity: 1, originalUnitPriceSet: money("5.00"), discountedTotalSet: money("5.00"), sellingPlan: null, __parentId: "gid://shopify/Order/1" }),
    );
    expect(parent.kind).toBe("order");
    expect(child).toEqual({
      kind: "lineItem",
      orderId: "gid://shopify/Order/1",
      lineItem: { id: "gid://shopify/LineItem/9", quantity: 1, unitPriceMinor: 500, totalMinor: 500, subscription: false },
    });
  });

  it("GIVEN a REST webhook payload WHEN normalised THEN it equals what the GraphQL read gives", () => {
    const payload = WebhookOrder.parse({
      id: 1,
      admin_graphql_api_id: "gid://shopify/Order/1",
      email: "ann@example.com",
      created_at: "2026-03-01T11:59:00Z",
      updated_at: "2026-03-02T08:00:00Z",
      processed_at: "2026-03-01T12:00:00Z",
      cancelled_at: "2026-03-03T00:00:00Z",
      test: false,
      source_name: "web",
      tags: "vip, wholesale",
      currency: "USD",
      total_price: "120.50",
      customer: { id: 7, email: "ann@example.com", admin_graphql_api_id: "gid://shopify/Customer/7" },
      line_items: [
        { id: 1, quantity: 2, price: "50.00", total_discount: "10.00", discount_allocations: [{ amount: "10.00" }] },
        { id: 2, quantity: 1, price: "0.00", selling_plan_allocation: { selling_plan_id: 1 } },
      ],
      refunds: [{ id: 5, transactions: [{ amount: "20.00", kind: "refund", status: "success" }, { amount: "3.00", kind: "refund", status: "failure" }] }],
    });
    const { order, linesKnown } = orderFromWebhook(payload);
    expect(order).toMatchObject({
      id: "gid://shopify/Order/1",
      customerKey: "gid://shopify/Customer/7",
      totalMinor: 12050,
      refundedMinor: 2000,
      cancelled: true,
      tags: ["vip", "wholesale"],
    });
    // Lines without `selling_plan_id` (before API 2026-10; a `selling_plan_allocation` key is a
    // cart/Liquid object) say nothing about selling plans: the store re-reads the order.
    expect(order.lineItems.map((l) => [l.id, l.totalMinor, l.subscription])).toEqual([
      ["gid://shopify/LineItem/1", 9000, false],
      ["gid://shopify/LineItem/2", 0, false],
    ]);
    expect(linesKnown).toBe(false);
  });

  it("GIVEN a 2026-10 order webhook whose lines carry selling_plan_id WHEN normalised THEN a line with a plan is a subscription line and no re-read is needed", () => {
    const line = { quantity: 1, price: "10.00" };
    const base = { id: 2, admin_graphql_api_id: "gid://shopify/Order/2", created_at: "2026-03-01T12:00:00Z", updated_at: "2026-03-01T12:00:00Z", currency: "USD", total_price: "20.00" };
    const known = orderFromWebhook(WebhookOrder.parse({ ...base, line_items: [{ ...line, id: 1, selling_plan_id: null }, { ...line, id: 2, selling_plan_id: "690933842" }] }));
    expect(known.order.lineItems.map((l) => l.subscription)).toEqual([false, true]);
    expect(known.linesKnown).toBe(true);
    // One line without the key (a payload rendered before 2026-10): the order is re-read.
    const partly = orderFromWebhook(WebhookOrder.parse({ ...base, line_items: [{ ...line, id: 1, selling_plan_id: null }, { ...line, id: 2 }] }));
    expect(partly.linesKnown).toBe(false);
  });

  it("GIVEN the customer's name and email on an order WHEN normalised THEN both ride along as contact, from GraphQL and webhooks alike; withheld ones are null", () => {
    const named = { ...graphqlOrder, customer: { ...graphqlOrder.customer, firstName: " Ann ", lastName: "Lee" }, lineItems: { nodes: [] } };
    expect(orderFromGraphql(named).contact).toEqual({ name: "Ann Lee", email: "ann@example.com" });
    // Level 2 withheld: the export runs without the fields.
    expect(orderFromGraphql({ ...graphqlOrder, email: undefined, customer: { id: "gid://shopify/Customer/7" }, lineItems: { nodes: [] } }).contact).toEqual({
      name: null,
      email: null,
    });
    // A guest: the order's own email, no name.
    expect(orderFromGraphql({ ...graphqlOrder, customer: null, lineItems: { nodes: [] } }).contact).toEqual({ name: null, email: "Ann@Example.com" });
    const payload = WebhookOrder.parse({
      id: 1,
      admin_graphql_api_id: "gid://shopify/Order/1",
      created_at: "2026-03-01T11:59:00Z",
      updated_at: "2026-03-02T08:00:00Z",
      currency: "USD",
      total_price: "1.00",
      customer: { id: 7, email: "ann@example.com", first_name: "Ann", last_name: null, admin_graphql_api_id: "gid://shopify/Customer/7" },
      line_items: [],
      refunds: [],
    });
    expect(orderFromWebhook(payload).order.contact).toEqual({ name: "Ann", email: "ann@example.com" });
  });

  it("GIVEN a payload missing its line items WHEN validated THEN it is refused", () => {
    const result = WebhookOrder.safeParse({ id: 1, admin_graphql_api_id: "gid://shopify/Order/1" });
    expect(result.success).toBe(false);
  });
});
