import type { GraphQLResolveInfo } from "graphql";
import { gid, idOf } from "../ids";
import type { SimCustomer } from "../model";
import { centsToGraphqlDecimal } from "../money";
import type { SearchFields } from "../search-query";
import { connection, type ConnectionArgs } from "./connection";
import type { ResolverContext, TypeResolvers } from "./context";
import { metafieldResolversFor } from "./metafields";
import { ordersConnection, visibleOrders } from "./orders";

export const customerSearchFields: SearchFields<SimCustomer> = {
  id: { kind: "number", get: (c) => c.id },
  email: { kind: "string", get: (c) => c.email },
  first_name: { kind: "string", get: (c) => c.firstName },
  last_name: { kind: "string", get: (c) => c.lastName },
  tag: { kind: "tags", get: (c) => c.tags },
  tag_not: { kind: "tags", get: (c) => c.tags, negate: true },
  created_at: { kind: "date", get: (c) => c.createdAt },
  updated_at: { kind: "date", get: (c) => c.updatedAt },
  state: { kind: "string", get: (c) => c.state.toLowerCase() },
};

export function customersConnection(ctx: ResolverContext, args: ConnectionArgs, info: GraphQLResolveInfo) {
  return connection(ctx.store.customers.values(), args, ctx, info, {
    id: (c) => c.id,
    sortKeys: {
      ID: (c) => c.id,
      CREATED_AT: (c) => Date.parse(c.createdAt),
      UPDATED_AT: (c) => Date.parse(c.updatedAt),
      NAME: (c) => `${c.firstName ?? ""} ${c.lastName ?? ""}`.trim().toLowerCase(),
    },
    defaultSortKey: "ID",
    search: {
      ...customerSearchFields,
      orders_count: { kind: "number", get: (c) => ctx.store.customerStats(c.id).numberOfOrders },
    },
    freeText: (c) => [c.email ?? "", c.firstName ?? "", c.lastName ?? "", ...c.tags],
  });
}

export function findCustomer(ctx: ResolverContext, id: string): SimCustomer | null {
  const numeric = idOf(id, "Customer");
  return numeric === null ? null : ctx.store.customers.get(numeric) ?? null;
}

export const customerResolvers: TypeResolvers = {
  id: (c: SimCustomer) => gid("Customer", c.id),
  legacyResourceId: (c: SimCustomer) => String(c.id),
  displayName: (c: SimCustomer) => `${c.firstName ?? ""} ${c.lastName ?? ""}`.trim() || c.email || "Customer",
  defaultEmailAddress: (c: SimCustomer) =>
    c.email
      ? {
          emailAddress: c.email,
          marketingState: "NOT_SUBSCRIBED",
          marketingOptInLevel: null,
          marketingUpdatedAt: null,
          validFormat: true,
          openTrackingLevel: "UNKNOWN",
        }
      : null,
  defaultPhoneNumber: (c: SimCustomer) => (c.phone ? { phoneNumber: c.phone, marketingState: "NOT_SUBSCRIBED" } : null),
  verifiedEmail: (c: SimCustomer) => c.email !== null,
  validEmailAddress: (c: SimCustomer) => c.email !== null,
  taxExempt: () => false,
  taxExemptions: () => [],
  locale: () => "en",
  dataSaleOptOut: () => false,
  canDelete: (c: SimCustomer, _a: unknown, ctx: ResolverContext) => ctx.store.customerStats(c.id).numberOfOrders === 0,
  lifetimeDuration: (c: SimCustomer, _a: unknown, ctx: ResolverContext) => {
    const days = Math.max(0, Math.floor((ctx.clock.now() - Date.parse(c.createdAt)) / 86400000));
    return days >= 365 ? `about ${Math.floor(days / 365)} years` : `${days} days`;
  },
  numberOfOrders: (c: SimCustomer, _a: unknown, ctx: ResolverContext) => String(ctx.store.customerStats(c.id).numberOfOrders),
  amountSpent: (c: SimCustomer, _a: unknown, ctx: ResolverContext) => ({
    amount: centsToGraphqlDecimal(ctx.store.customerStats(c.id).amountSpentCents),
    currencyCode: ctx.store.shop.currencyCode,
  }),
  lastOrder: (c: SimCustomer, _a: unknown, ctx: ResolverContext) => ctx.store.customerStats(c.id).lastOrder,
  statistics: (c: SimCustomer) => ({ rfmGroup: c.rfmGroup, predictedSpendTier: null }),
  orders: (c: SimCustomer, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    ordersConnection(
      visibleOrders(ctx).filter((o) => o.customerId === c.id),
      { ...args, sortKey: args.sortKey ?? "ID" },
      ctx,
      info
    ),
  addresses: () => [],
  companyContactProfiles: () => [],
  ...metafieldResolversFor("CUSTOMER"),
};
