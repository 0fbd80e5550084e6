import type { GraphQLResolveInfo } from "graphql";
import { gid, idOf } from "../ids";
import type { SimLineItem, SimOrder, SimRefund } from "../model";
import { moneyBag } from "../money";
import {
  currentSubtotalCents,
  currentTotalCents,
  financialStatus,
  lineCurrentQuantity,
  lineDiscountedTotalCents,
  lineOriginalTotalCents,
  lineRefundValueCents,
  netPaymentCents,
  refundedCents,
  subtotalCents,
  totalCents,
  totalDiscountCents,
} from "../order-math";
import type { SearchFields } from "../search-query";
import { connection, type ConnectionArgs } from "./connection";
import type { ResolverContext, TypeResolvers } from "./context";
import { metafieldResolversFor } from "./metafields";

/** Without read_all_orders Shopify only returns orders from the last 60 days. */
const RECENT_ORDERS_MS = 60 * 24 * 3600 * 1000;

export const orderSearchFields: SearchFields<SimOrder> = {
  id: { kind: "number", get: (o) => o.id },
  processed_at: { kind: "date", get: (o) => o.processedAt },
  created_at: { kind: "date", get: (o) => o.createdAt },
  updated_at: { kind: "date", get: (o) => o.updatedAt },
  tag: { kind: "tags", get: (o) => o.tags },
  tag_not: { kind: "tags", get: (o) => o.tags, negate: true },
  email: { kind: "string", get: (o) => o.email },
  customer_id: { kind: "number", get: (o) => o.customerId },
  test: { kind: "boolean", get: (o) => o.test },
  source_name: { kind: "string", get: (o) => o.sourceName },
  name: { kind: "string", get: (o) => `#${o.number}` },
  status: { kind: "string", get: (o) => (o.cancelledAt ? "cancelled" : o.closedAt ? "closed" : "open") },
  financial_status: { kind: "string", get: (o) => financialStatus(o).toLowerCase() },
};

export const orderSortKeys: Record<string, (o: SimOrder) => string | number> = {
  ID: (o) => o.id,
  PROCESSED_AT: (o) => Date.parse(o.processedAt),
  CREATED_AT: (o) => Date.parse(o.createdAt),
  UPDATED_AT: (o) => Date.parse(o.updatedAt),
  ORDER_NUMBER: (o) => o.number,
  TOTAL_PRICE: (o) => totalCents(o),
  CURRENT_TOTAL_PRICE: (o) => currentTotalCents(o),
};

/** Orders the calling token may see: all of them with read_all_orders, else the last 60 days. */
export function visibleOrders(ctx: ResolverContext): SimOrder[] {
  return [...visibleOrderIterable(ctx)];
}

/** The same, read lazily (a streamed bulk export reads a million orders once, not once per window). */
export function* visibleOrderIterable(ctx: ResolverContext): Generator<SimOrder> {
  if (ctx.scopes === null || ctx.scopes.includes("read_all_orders")) {
    yield* ctx.store.orders.values();
    return;
  }
  const cutoff = ctx.clock.now() - RECENT_ORDERS_MS;
  for (const o of ctx.store.orders.values()) if (Date.parse(o.processedAt) >= cutoff) yield o;
}

export function ordersConnection(orders: Iterable<SimOrder>, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) {
  return connection(orders, args, ctx, info, {
    id: (o) => o.id,
    sortKeys: orderSortKeys,
    defaultSortKey: "PROCESSED_AT",
    search: orderSearchFields,
    freeText: (o) => [`#${o.number}`, o.email ?? "", ...o.tags],
  });
}

export function findVisibleOrder(ctx: ResolverContext, id: string): SimOrder | null {
  const numeric = idOf(id, "Order");
  const order = numeric === null ? undefined : ctx.store.orders.get(numeric);
  if (!order) return null;
  const visible = ctx.scopes === null || ctx.scopes.includes("read_all_orders") || Date.parse(order.processedAt) >= ctx.clock.now() - RECENT_ORDERS_MS;
  return visible ? order : null;
}

function bag(ctx: ResolverContext, order: SimOrder, cents: number) {
  return moneyBag(cents, ctx.store.shop.currencyCode, order.presentmentCurrency, order.presentmentRate);
}

/** Line items keep a back-reference to their order so money fields know the currencies. */
interface LineItemSource extends SimLineItem {
  readonly __typename: "LineItem";
  readonly order: SimOrder;
}

interface RefundSource extends SimRefund {
  readonly __typename: "Refund";
  readonly order: SimOrder;
}

export function lineItemSource(order: SimOrder, line: SimLineItem): LineItemSource {
  return { ...line, __typename: "LineItem", order };
}

export const orderResolvers: TypeResolvers = {
  id: (o: SimOrder) => gid("Order", o.id),
  legacyResourceId: (o: SimOrder) => String(o.id),
  name: (o: SimOrder) => `#${o.number}`,
  closed: (o: SimOrder) => o.closedAt !== null,
  cancelReason: (o: SimOrder) => o.cancelReason,
  currencyCode: (_o: SimOrder, _a: unknown, ctx: ResolverContext) => ctx.store.shop.currencyCode,
  presentmentCurrencyCode: (o: SimOrder) => o.presentmentCurrency,
  displayFinancialStatus: (o: SimOrder) => financialStatus(o),
  customer: (o: SimOrder, _a: unknown, ctx: ResolverContext) =>
    o.customerId !== null ? ctx.store.customers.get(o.customerId) ?? null : null,
  subtotalPriceSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, subtotalCents(o)),
  currentSubtotalPriceSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, currentSubtotalCents(o)),
  totalPriceSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, totalCents(o)),
  currentTotalPriceSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, currentTotalCents(o)),
  totalRefundedSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, refundedCents(o)),
  netPaymentSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, netPaymentCents(o)),
  totalDiscountsSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, totalDiscountCents(o)),
  currentTotalDiscountsSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, totalDiscountCents(o)),
  totalShippingPriceSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, o.shippingCents),
  totalTaxSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, 0),
  currentTotalTaxSet: (o: SimOrder, _a: unknown, ctx: ResolverContext) => bag(ctx, o, 0),
  lineItems: (o: SimOrder, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    connection(
      o.lineItems.map((line) => lineItemSource(o, line)),
      args,
      ctx,
      info,
      { id: (line) => line.id }
    ),
  refunds: (o: SimOrder, args: { first?: number | null }) => {
    const refunds: RefundSource[] = o.refunds.map((r) => ({ ...r, __typename: "Refund", order: o }));
    return args.first != null ? refunds.slice(0, args.first) : refunds;
  },
  retailLocation: (o: SimOrder) =>
    o.retailLocationId === null
      ? null
      : {
          __typename: "Location",
          id: gid("Location", o.retailLocationId),
          name: `Retail store ${o.retailLocationId % 1000}`,
          legacyResourceId: String(o.retailLocationId),
          isActive: true,
        },
  app: (o: SimOrder) => ({
    id: gid("App", o.sourceName === "pos" ? 129785 : 580111),
    name: o.appName,
    icon: { url: "https://cdn.shopify.com/s/files/applications/sim-app-icon.png", altText: null, height: 64, width: 64, id: null },
  }),
  sourceIdentifier: () => null,
  ...metafieldResolversFor("ORDER"),
};

export const lineItemResolvers: TypeResolvers = {
  id: (l: LineItemSource) => gid("LineItem", l.id),
  name: (l: LineItemSource) => l.title,
  title: (l: LineItemSource) => l.title,
  currentQuantity: (l: LineItemSource) => lineCurrentQuantity(l.order, l),
  refundableQuantity: (l: LineItemSource) => lineCurrentQuantity(l.order, l),
  unfulfilledQuantity: (l: LineItemSource) => lineCurrentQuantity(l.order, l),
  nonFulfillableQuantity: () => 0,
  isGiftCard: () => false,
  requiresShipping: () => true,
  taxable: () => true,
  variantTitle: () => null,
  vendor: () => null,
  originalUnitPriceSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) => bag(ctx, l.order, l.unitPriceCents),
  discountedUnitPriceSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) =>
    bag(ctx, l.order, l.quantity ? Math.round(lineDiscountedTotalCents(l) / l.quantity) : l.unitPriceCents),
  discountedUnitPriceAfterAllDiscountsSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) =>
    bag(ctx, l.order, l.quantity ? Math.round(lineDiscountedTotalCents(l) / l.quantity) : l.unitPriceCents),
  originalTotalSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) => bag(ctx, l.order, lineOriginalTotalCents(l)),
  discountedTotalSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) => bag(ctx, l.order, lineDiscountedTotalCents(l)),
  totalDiscountSet: (l: LineItemSource, _a: unknown, ctx: ResolverContext) => bag(ctx, l.order, l.discountCents),
  sellingPlan: (l: LineItemSource) =>
    l.sellingPlan ? { name: l.sellingPlan.name, sellingPlanId: gid("SellingPlan", l.sellingPlan.id) } : null,
  contract: (l: LineItemSource) =>
    l.contractId === null ? null : { __typename: "SubscriptionContract", id: gid("SubscriptionContract", l.contractId), status: "ACTIVE" },
  customAttributes: () => [],
  discountAllocations: () => [],
  taxLines: () => [],
  duties: () => [],
  product: () => null,
  variant: () => null,
  image: () => null,
};

export const refundResolvers: TypeResolvers = {
  id: (r: RefundSource) => gid("Refund", r.id),
  note: (r: RefundSource) => r.note,
  refundLineItems: (r: RefundSource, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    connection(
      r.lines.flatMap((refundLine, index) => {
        const line = r.order.lineItems.find((l) => l.id === refundLine.lineItemId);
        if (!line) return [];
        const unit = line.quantity ? Math.round(lineDiscountedTotalCents(line) / line.quantity) : 0;
        const subtotal = lineRefundValueCents(line, refundLine.quantity);
        // Refund line ids are not stored; derived from the refund id so they stay stable.
        const id = r.id * 100 + index;
        return [
          {
            __typename: "RefundLineItem",
            id: gid("RefundLineItem", id),
            cursorId: id,
            lineItem: lineItemSource(r.order, line),
            quantity: refundLine.quantity,
            restockType: "NO_RESTOCK",
            restocked: false,
            location: null,
            priceSet: bag(ctx, r.order, unit),
            subtotalSet: bag(ctx, r.order, subtotal),
            totalTaxSet: bag(ctx, r.order, 0),
          },
        ];
      }),
      args,
      ctx,
      info,
      { id: (item) => item.cursorId }
    ),
  legacyResourceId: (r: RefundSource) => String(r.id),
  processedAt: (r: RefundSource) => r.createdAt,
  updatedAt: (r: RefundSource) => r.createdAt,
  totalRefundedSet: (r: RefundSource, _a: unknown, ctx: ResolverContext) => bag(ctx, r.order, r.amountCents),
  order: (r: RefundSource) => r.order,
};
