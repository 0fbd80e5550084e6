/**
 * Shopify orders → canonical orders. The only place that knows Shopify's order fields:
 * the Admin GraphQL shape (bulk export, reconciliation reads) and the REST-shaped
 * webhook payload. Pure: no I/O.
 */
import { z } from "zod";
import type { CanonicalLineItem, CanonicalOrder } from "~/rfm/order";
import { toMinorUnits } from "~/money";
import { guestKey } from "~/rfm/customer-key";

/** The order fields every read asks for, so bulk export, sweeps and refreshes agree. */
export const ORDER_FIELDS = `
  id
  processedAt
  createdAt
  updatedAt
  cancelledAt
  test
  sourceName
  tags
  email
  customer { id email firstName lastName }
  totalPriceSet { shopMoney { amount currencyCode } }
  totalRefundedSet { shopMoney { amount currencyCode } }`;

export const LINE_ITEM_FIELDS = `
  id
  quantity
  originalUnitPriceSet { shopMoney { amount currencyCode } }
  discountedTotalSet { shopMoney { amount currencyCode } }
  sellingPlan { sellingPlanId }`;

/** Bulk export of every order (all history with read_all_orders) with its line items. */
export function bulkOrdersQuery(updatedSince?: string): string {
  const filter = updatedSince ? `(query: "updated_at:>='${updatedSince}'")` : "";
  return `#graphql
{
  orders${filter} {
    edges {
      node {
        ${ORDER_FIELDS}
        lineItems {
          edges {
            node {
              ${LINE_ITEM_FIELDS}
            }
          }
        }
      }
    }
  }
}`;
}

/**
 * One page of orders updated since a moment, for the reconciliation sweep. Sized for
 * Shopify's calculated cost (≤ 1000 per query): a line item costs 6 points (itself, two
 * money bags, the selling plan), an order 6 + its lines, so 10 orders × 15 lines ≈ 980.
 * Orders with more lines get the rest from ORDER_LINES_QUERY.
 */
export const ORDERS_PAGE_SIZE = 10;
export const ORDERS_PAGE_QUERY = `#graphql
query OrdersUpdatedSince($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${ORDER_FIELDS}
      lineItems(first: 15) {
        pageInfo { hasNextPage endCursor }
        nodes {
          ${LINE_ITEM_FIELDS}
        }
      }
    }
  }
}`;

/** An order re-read: its fields and its first `$lines` line items (the rest from ORDER_LINES_QUERY). */
const ORDER_WITH_FIRST_LINES = `
    ${ORDER_FIELDS}
    lineItems(first: $lines) {
      pageInfo { hasNextPage endCursor }
      nodes {
        ${LINE_ITEM_FIELDS}
      }
    }`;

/**
 * Orders by id, each with its first `$lines` line items: a shop's wanted re-reads, together
 * (decision 053); a missing order answers null in its place. Shopify charges the requested
 * cost up front, 6 points per line asked for: the webhook that announced an order says how
 * many lines it has, so a re-read asks for those (≈ 20 points for two lines) instead of 100
 * (≈ 600), and does not wait for a bucket the write-back keeps low (decision 046).
 */
export const ORDERS_BY_IDS_QUERY = `#graphql
query OrdersByIds($ids: [ID!]!, $lines: Int!) {
  nodes(ids: $ids) {
    ... on Order {${ORDER_WITH_FIRST_LINES}
    }
  }
}`;

/** Requested cost of one order of ORDERS_BY_IDS_QUERY: the order with its customer and two money bags (6), the line connection (2), 6 per line asked for. */
export const orderReadCost = (lines: number) => 8 + 6 * lines;
/** Shopify refuses a query whose requested cost exceeds this (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits). */
export const MAX_QUERY_COST = 1000;
/** `nodes(ids:)` takes at most this many ids. */
export const MAX_NODE_IDS = 250;

/** The rest of an order's line items, 100 at a time (≈ 600 points). */
export const ORDER_LINES_QUERY = `#graphql
query OrderLineItems($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        ${LINE_ITEM_FIELDS}
      }
    }
  }
}`;

const Money = z.object({ amount: z.string(), currencyCode: z.string() });
const MoneyBag = z.object({ shopMoney: Money });

const GraphqlOrder = z.object({
  id: z.string().startsWith("gid://shopify/Order/"),
  processedAt: z.string().nullable().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  cancelledAt: z.string().nullable().optional(),
  test: z.boolean(),
  sourceName: z.string().nullable().optional(),
  tags: z.array(z.string()),
  email: z.string().nullable().optional(),
  customer: z
    .object({
      id: z.string(),
      email: z.string().nullable().optional(),
      firstName: z.string().nullable().optional(),
      lastName: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  totalPriceSet: MoneyBag,
  totalRefundedSet: MoneyBag,
});
export type GraphqlOrder = z.infer<typeof GraphqlOrder>;

const GraphqlLineItem = z.object({
  id: z.string(),
  quantity: z.number().int(),
  originalUnitPriceSet: MoneyBag,
  discountedTotalSet: MoneyBag,
  sellingPlan: z.object({ sellingPlanId: z.string().nullable().optional() }).nullable().optional(),
});
export type GraphqlLineItem = z.infer<typeof GraphqlLineItem>;

/** A canonical order without its line items (they stream separately in a bulk export). */
export type OrderHeader = Omit<CanonicalOrder, "lineItems">;

const isSubscriptionSource = (source: string | null | undefined) =>
  !!source && /^subscription(_contract)?/i.test(source);

export function orderHeaderFromGraphql(node: GraphqlOrder): OrderHeader {
  const currency = node.totalPriceSet.shopMoney.currencyCode;
  const customerKey = node.customer?.id ?? guestKey(node.email);
  const channel = node.sourceName ?? null;
  return {
    platform: "shopify",
    id: node.id,
    customerKey,
    guest: !node.customer?.id && customerKey !== null,
    processedAt: node.processedAt ?? node.createdAt,
    updatedAt: node.updatedAt,
    currency,
    totalMinor: toMinorUnits(node.totalPriceSet.shopMoney.amount, currency),
    refundedMinor: toMinorUnits(node.totalRefundedSet.shopMoney.amount, currency),
    channel,
    // sourceName "pos" marks point-of-sale orders (retailLocation would need read_locations).
    pos: channel === "pos",
    subscription: isSubscriptionSource(channel),
    test: node.test,
    cancelled: !!node.cancelledAt,
    tags: node.tags,
    contact: contactOf(node.customer?.firstName, node.customer?.lastName, node.customer?.email ?? node.email),
  };
}

/** A customer's name and email as an order carries them (Level 2 protected data: each may be withheld). */
function contactOf(first: string | null | undefined, last: string | null | undefined, email: string | null | undefined) {
  return { name: [first, last].map((p) => p?.trim()).filter(Boolean).join(" ") || null, email: email?.trim() || null };
}

export function lineItemFromGraphql(node: GraphqlLineItem): CanonicalLineItem {
  const currency = node.discountedTotalSet.shopMoney.currencyCode;
  return {
    id: node.id,
    quantity: node.quantity,
    unitPriceMinor: toMinorUnits(node.originalUnitPriceSet.shopMoney.amount, currency),
    totalMinor: Math.max(0, toMinorUnits(node.discountedTotalSet.shopMoney.amount, currency)),
    subscription: !!node.sellingPlan,
  };
}

/** A node of the orders query with (all of) its line items, as a full canonical order. */
export function orderFromGraphql(node: GraphqlOrder & { lineItems: { nodes: unknown[] } }): CanonicalOrder {
  const header = orderHeaderFromGraphql(GraphqlOrder.parse(node));
  return { ...header, lineItems: node.lineItems.nodes.map((l) => lineItemFromGraphql(GraphqlLineItem.parse(l))) };
}

export type BulkLine =
  | { kind: "order"; order: OrderHeader }
  | { kind: "lineItem"; orderId: string; lineItem: CanonicalLineItem }
  | { kind: "other" };

/**
 * One line of a bulk export. Children carry `__parentId` and may appear anywhere after
 * (or, per Shopify's docs, without any ordering guarantee relative to) their parent.
 */
export function parseBulkLine(text: string): BulkLine {
  const raw = JSON.parse(text) as { id?: string; __parentId?: string };
  if (typeof raw.id !== "string") return { kind: "other" };
  if (raw.id.startsWith("gid://shopify/Order/") && !raw.__parentId) {
    return { kind: "order", order: orderHeaderFromGraphql(GraphqlOrder.parse(raw)) };
  }
  if (raw.id.startsWith("gid://shopify/LineItem/") && raw.__parentId) {
    return { kind: "lineItem", orderId: raw.__parentId, lineItem: lineItemFromGraphql(GraphqlLineItem.parse(raw)) };
  }
  return { kind: "other" };
}

// ---- Webhooks (REST-shaped, snake_case) ------------------------------------------------
//
// Checked against Shopify's documented sample payloads (test/shopify-samples/): ids are
// 64-bit (the body is parsed keeping every digit, see webhook-body.server.ts, so ids come in
// as strings when they pass 2^53); `processed_at` may be null; `email` may be absent when
// the app lacks protected customer data access; from API 2026-10 line items carry
// `selling_plan_id` (null on a line outside a subscription; Shopify changelog, 2026-10-01), so a
// webhook's copy tells subscription lines itself; a payload without the key (an older API
// version) cannot, and its order is re-read before it is scored; money
// comes as presentment amounts plus `*_set` bags with `shop_money`, which is what we count.

/** Every amount we read is validated here, so a bad one is a 400-class problem, never a crash. */
const Decimal = z.string().trim().regex(/^-?\d+(\.\d+)?$/, "must be a decimal amount such as 12.50");
const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code");
const Timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, "must be an ISO 8601 timestamp with its zone")
  .refine((t) => !Number.isNaN(Date.parse(t)), "must be a real date");
const MoneyOf = z.object({ amount: Decimal, currency_code: CurrencyCode });
const RestMoneySet = z.object({ shop_money: MoneyOf, presentment_money: MoneyOf.optional() });
/** A REST id: a number when it fits, a digit string when it does not (parsed keeping digits). */
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "must be a numeric id")]).transform(String);
const Gid = (type: string) => z.string().regex(new RegExp(`^gid://shopify/${type}/\\d+$`), `must be a ${type} GID`);

export const WebhookOrder = z.object({
  id: Id,
  admin_graphql_api_id: Gid("Order"),
  email: z.string().nullable().optional(),
  created_at: Timestamp,
  updated_at: Timestamp,
  processed_at: Timestamp.nullable().optional(),
  cancelled_at: Timestamp.nullable().optional(),
  test: z.boolean().default(false),
  source_name: z.string().nullable().optional(),
  tags: z.string().default(""),
  currency: CurrencyCode,
  presentment_currency: CurrencyCode.optional(),
  total_price: Decimal,
  total_price_set: RestMoneySet.optional(),
  customer: z
    .object({
      id: Id,
      email: z.string().nullable().optional(),
      first_name: z.string().nullable().optional(),
      last_name: z.string().nullable().optional(),
      admin_graphql_api_id: Gid("Customer").optional(),
    })
    .nullable()
    .optional(),
  line_items: z.array(
    z.object({
      id: Id,
      quantity: z.number().int().nonnegative(),
      price: Decimal,
      price_set: RestMoneySet.optional(),
      total_discount: Decimal.default("0"),
      total_discount_set: RestMoneySet.optional(),
      discount_allocations: z.array(z.object({ amount: Decimal, amount_set: RestMoneySet.optional() })).default([]),
      /** API 2026-10+: the line's selling plan, null outside a subscription; absent before 2026-10. */
      selling_plan_id: Id.nullable().optional(),
    }),
  ),
  refunds: z
    .array(
      z.object({
        id: Id,
        transactions: z
          .array(z.object({ amount: Decimal, currency: CurrencyCode.optional(), kind: z.string(), status: z.string().optional() }))
          .default([]),
      }),
    )
    .default([]),
});
export type WebhookOrder = z.infer<typeof WebhookOrder>;

/** orders/delete carries only the id. */
export const WebhookOrderId = z.object({ id: Id });

/** The order GID of any order payload, read as leniently as possible (for re-reading an unreadable one). */
export function orderGidOf(payload: unknown): string | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as { admin_graphql_api_id?: unknown; id?: unknown };
  if (typeof p.admin_graphql_api_id === "string" && /^gid:\/\/shopify\/Order\/\d+$/.test(p.admin_graphql_api_id)) {
    return p.admin_graphql_api_id;
  }
  const id = typeof p.id === "number" && Number.isSafeInteger(p.id) ? String(p.id) : p.id;
  return typeof id === "string" && /^\d+$/.test(id) ? `gid://shopify/Order/${id}` : null;
}

export interface WebhookOrderResult {
  order: CanonicalOrder;
  /** Some refunds were converted from the presentment currency: the re-read gives exact shop money. */
  refundsConverted: boolean;
  /** Every line says whether it is a subscription line (`selling_plan_id` present): no re-read needed for it. */
  linesKnown: boolean;
}

/** orders/create, orders/updated, orders/cancelled payload → canonical order in shop money. */
export function orderFromWebhook(payload: WebhookOrder): WebhookOrderResult {
  const currency = payload.total_price_set?.shop_money.currency_code ?? payload.currency;
  const shop = (set: { shop_money: { amount: string } } | undefined, fallback: string) =>
    toMinorUnits(set?.shop_money.amount ?? fallback, currency);
  const totalMinor = shop(payload.total_price_set, payload.total_price);
  const customerKey = payload.customer
    ? payload.customer.admin_graphql_api_id ?? `gid://shopify/Customer/${payload.customer.id}`
    : guestKey(payload.email);

  // Refund transactions are in the presentment currency. Convert at the order's own rate
  // (its total in shop money over its total in presentment money); exact figures come from
  // the Admin API re-read that a refund triggers.
  const presentment = payload.total_price_set?.presentment_money;
  let refundsConverted = false;
  let refundedMinor = 0;
  for (const t of payload.refunds.flatMap((r) => r.transactions)) {
    if (t.kind !== "refund" || (t.status ?? "success") !== "success") continue;
    const txCurrency = t.currency ?? payload.presentment_currency ?? currency;
    if (txCurrency === currency) {
      refundedMinor += toMinorUnits(t.amount, currency);
    } else if (presentment && presentment.currency_code === txCurrency && toMinorUnits(presentment.amount, txCurrency) > 0) {
      const rate = totalMinor / toMinorUnits(presentment.amount, txCurrency);
      refundedMinor += Math.round(toMinorUnits(t.amount, txCurrency) * rate);
      refundsConverted = true;
    } else {
      refundsConverted = true; // no rate to convert with: the re-read settles it
    }
  }

  const channel = payload.source_name ?? null;
  return {
    refundsConverted,
    linesKnown: payload.line_items.every((li) => li.selling_plan_id !== undefined),
    order: {
      platform: "shopify",
      id: payload.admin_graphql_api_id,
      customerKey,
      guest: !payload.customer && customerKey !== null,
      processedAt: payload.processed_at ?? payload.created_at,
      updatedAt: payload.updated_at,
      currency,
      totalMinor,
      refundedMinor,
      channel,
      pos: channel === "pos",
      subscription: isSubscriptionSource(channel),
      test: payload.test,
      cancelled: !!payload.cancelled_at,
      tags: payload.tags
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
      contact: contactOf(payload.customer?.first_name, payload.customer?.last_name, payload.customer?.email ?? payload.email),
      lineItems: payload.line_items.map((li) => {
        const unit = shop(li.price_set, li.price);
        const discount = li.discount_allocations.length
          ? li.discount_allocations.reduce((sum, d) => sum + shop(d.amount_set, d.amount), 0)
          : shop(li.total_discount_set, li.total_discount);
        return {
          id: `gid://shopify/LineItem/${li.id}`,
          quantity: li.quantity,
          unitPriceMinor: unit,
          totalMinor: Math.max(0, unit * li.quantity - discount),
          // Without `selling_plan_id` (before API 2026-10) this is unknown: the store keeps what
          // the Admin API said for known lines and holds the order from scoring until it is
          // re-read (order-store upsertOrders).
          subscription: li.selling_plan_id != null,
        };
      }),
    },
  };
}
