import {
  getNamedType,
  GraphQLError,
  isNonNullType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLTypeResolver,
} from "graphql";
import { parseGid } from "../ids";
import type { MetafieldOwnerType } from "../model";
import { effectiveTypeName, type AdminSchema, type ScopeRequirement } from "../schema";
import { parseSearchQuery } from "../search-query";
import type { ConnectionArgs } from "./connection";
import type { ResolverContext, ResolverMap, TypeResolvers } from "./context";
import { customerResolvers, customersConnection, customerSearchFields, findCustomer } from "./customers";
import {
  metafieldDefinitionCreate,
  metafieldDefinitionResolvers,
  metafieldDefinitionsConnection,
  metafieldResolvers,
  metafieldsDelete,
  metafieldsSet,
  resolveNamespace,
} from "./metafields";
import {
  appSource,
  currentAppInstallation,
  bulkOperationResolvers,
  bulkOperationsConnection,
  findBulkOperation,
  flowTriggerReceive,
  webhookSubscriptionCreate,
  webhookSubscriptionDelete,
  webhookSubscriptionResolvers,
  webhookSubscriptionsConnection,
} from "./misc";
import {
  findVisibleOrder,
  lineItemResolvers,
  lineItemSource,
  orderResolvers,
  ordersConnection,
  visibleOrderIterable,
  orderSearchFields,
  refundResolvers,
  visibleOrders,
} from "./orders";
import { segmentCreate, segmentDelete, segmentResolvers, segmentsConnection, segmentUpdate } from "./segments";
import { shopResolvers, shopSource } from "./shop";
import { tagsAdd, tagsRemove } from "./tags";

function count(total: number, limit: number | null | undefined) {
  const cap = limit ?? 10000;
  return { count: Math.min(total, cap), precision: total > cap ? "AT_LEAST" : "EXACT" };
}

/** Any object with a gid the simulator stores, for node(id)/nodes(ids) and mutation targets. */
function findNode(ctx: ResolverContext, id: string): unknown {
  const parsed = parseGid(id);
  if (!parsed) return null;
  switch (parsed.type) {
    case "Order":
      return findVisibleOrder(ctx, id);
    case "Customer":
      return ctx.store.customers.get(parsed.id) ?? null;
    case "Metafield":
      return ctx.store.metafields.get(parsed.id) ?? null;
    case "MetafieldDefinition":
      return ctx.store.metafieldDefinitions.get(parsed.id) ?? null;
    case "Segment":
      return ctx.store.segments.get(parsed.id) ?? null;
    case "BulkOperation":
      return ctx.store.bulkOperations.get(parsed.id) ?? null;
    case "WebhookSubscription":
      return ctx.store.webhookSubscriptions.get(parsed.id) ?? null;
    case "Shop":
      return parsed.id === ctx.store.shop.id ? shopSource(ctx) : null;
    case "LineItem":
      for (const order of visibleOrders(ctx)) {
        const line = order.lineItems.find((l) => l.id === parsed.id);
        if (line) return lineItemSource(order, line);
      }
      return null;
    default:
      return null;
  }
}

const queryRoot: TypeResolvers = {
  shop: (_s, _a, ctx: ResolverContext) => shopSource(ctx),
  app: (_s, args: { id?: string | null }, ctx: ResolverContext) => {
    const app = appSource(ctx);
    return args.id == null || args.id === app.id ? app : null;
  },
  currentAppInstallation: (_s, _a, ctx: ResolverContext) => currentAppInstallation(ctx),
  appInstallation: (_s, args: { id?: string | null }, ctx: ResolverContext) => {
    const installation = currentAppInstallation(ctx);
    return args.id == null || args.id === installation.id ? installation : null;
  },
  order: (_s, args: { id: string }, ctx: ResolverContext) => findVisibleOrder(ctx, args.id),
  orders: (_s, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    ordersConnection(visibleOrderIterable(ctx), args, ctx, info),
  ordersCount: (_s, args: { query?: string | null; limit?: number | null }, ctx: ResolverContext) => {
    const search = parseSearchQuery(args.query, orderSearchFields, { timeZone: ctx.store.shop.ianaTimezone });
    return count(visibleOrders(ctx).filter(search.matches).length, args.limit);
  },
  customer: (_s, args: { id: string }, ctx: ResolverContext) => findCustomer(ctx, args.id),
  customers: (_s, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) => customersConnection(ctx, args, info),
  customersCount: (_s, args: { query?: string | null; limit?: number | null }, ctx: ResolverContext) => {
    const search = parseSearchQuery(args.query, customerSearchFields, { timeZone: ctx.store.shop.ianaTimezone });
    return count([...ctx.store.customers.values()].filter(search.matches).length, args.limit);
  },
  bulkOperation: (_s, args: { id: string }, ctx: ResolverContext) => findBulkOperation(ctx, args.id),
  bulkOperations: (_s, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) => bulkOperationsConnection(ctx, args, info),
  currentBulkOperation: (_s, args: { type?: string | null }, ctx: ResolverContext) => {
    const ofType = [...ctx.store.bulkOperations.values()].filter((op) => op.type === (args.type ?? "QUERY"));
    return ofType.sort((a, b) => b.id - a.id)[0] ?? null;
  },
  metafieldDefinitions: (_s, args: ConnectionArgs & { ownerType: MetafieldOwnerType }, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    metafieldDefinitionsConnection(ctx, args, info),
  metafieldDefinition: (
    _s,
    args: { id?: string | null; identifier?: { ownerType: MetafieldOwnerType; namespace?: string | null; key: string } | null },
    ctx: ResolverContext
  ) => {
    if (args.id) return findNode(ctx, args.id);
    if (args.identifier) {
      const { ownerType, namespace, key } = args.identifier;
      return ctx.store.findDefinition(ownerType, resolveNamespace(namespace, ctx), key) ?? null;
    }
    return null;
  },
  segment: (_s, args: { id: string }, ctx: ResolverContext) => {
    const node = findNode(ctx, args.id);
    return node && (node as { __typename?: string }).__typename === "Segment" ? node : null;
  },
  segments: (_s, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) => segmentsConnection(ctx, args, info),
  webhookSubscriptions: (_s, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    webhookSubscriptionsConnection(ctx, args, info),
  node: (_s, args: { id: string }, ctx: ResolverContext) => findNode(ctx, args.id),
  nodes: (_s, args: { ids: string[] }, ctx: ResolverContext) => args.ids.map((id) => findNode(ctx, id)),
};

const mutationRoot: TypeResolvers = {
  tagsAdd: (_s, args: { id: string; tags: string[] }, ctx: ResolverContext) => tagsAdd(ctx, args.id, args.tags),
  tagsRemove: (_s, args: { id: string; tags: string[] }, ctx: ResolverContext) => tagsRemove(ctx, args.id, args.tags),
  metafieldsSet: (_s, args: { metafields: Parameters<typeof metafieldsSet>[1] }, ctx: ResolverContext) =>
    metafieldsSet(ctx, args.metafields),
  metafieldsDelete: (_s, args: { metafields: Parameters<typeof metafieldsDelete>[1] }, ctx: ResolverContext) =>
    metafieldsDelete(ctx, args.metafields),
  metafieldDefinitionCreate: (_s, args: { definition: Parameters<typeof metafieldDefinitionCreate>[1] }, ctx: ResolverContext) =>
    metafieldDefinitionCreate(ctx, args.definition),
  segmentCreate: (_s, args: { name: string; query: string }, ctx: ResolverContext) => segmentCreate(ctx, args.name, args.query),
  segmentUpdate: (_s, args: { id: string; name?: string | null; query?: string | null }, ctx: ResolverContext) =>
    segmentUpdate(ctx, args.id, args.name, args.query),
  segmentDelete: (_s, args: { id: string }, ctx: ResolverContext) => segmentDelete(ctx, args.id),
  flowTriggerReceive: (_s, args: Parameters<typeof flowTriggerReceive>[1], ctx: ResolverContext) => flowTriggerReceive(ctx, args),
  webhookSubscriptionCreate: (
    _s,
    args: { topic: string; webhookSubscription: Parameters<typeof webhookSubscriptionCreate>[2] },
    ctx: ResolverContext
  ) => webhookSubscriptionCreate(ctx, args.topic, args.webhookSubscription),
  webhookSubscriptionDelete: (_s, args: { id: string }, ctx: ResolverContext) => webhookSubscriptionDelete(ctx, args.id),
  stagedUploadsCreate: (
    _s,
    args: { input: { resource: string; filename: string; mimeType: string; httpMethod?: string | null }[] },
    ctx: ResolverContext
  ) => ({
    stagedTargets: args.input.map((input) => ctx.uploads.createTarget({ ...input, httpMethod: input.httpMethod ?? null })),
    userErrors: [],
  }),
  bulkOperationRunQuery: (_s, args: { query: string; groupObjects: boolean }, ctx: ResolverContext) => {
    const { operation, userErrors } = ctx.bulk.runQuery(args.query, args.groupObjects, ctx.scopes);
    return { bulkOperation: operation, userErrors };
  },
  bulkOperationRunMutation: (
    _s,
    args: { mutation: string; stagedUploadPath: string; clientIdentifier?: string | null },
    ctx: ResolverContext
  ) => {
    const { operation, userErrors } = ctx.bulk.runMutation(args.mutation, args.stagedUploadPath, args.clientIdentifier ?? null, ctx.scopes);
    return { bulkOperation: operation, userErrors };
  },
  bulkOperationCancel: (_s, args: { id: string }, ctx: ResolverContext) => {
    const numeric = findBulkOperation(ctx, args.id)?.id;
    if (numeric === undefined) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    const { operation, userErrors } = ctx.bulk.cancel(numeric);
    return { bulkOperation: operation, userErrors };
  },
};

export const RESOLVERS: ResolverMap = {
  QueryRoot: queryRoot,
  Mutation: mutationRoot,
  Shop: shopResolvers,
  Order: orderResolvers,
  LineItem: lineItemResolvers,
  Refund: refundResolvers,
  Customer: customerResolvers,
  Metafield: metafieldResolvers,
  MetafieldDefinition: metafieldDefinitionResolvers,
  Segment: segmentResolvers,
  BulkOperation: bulkOperationResolvers,
  WebhookSubscription: webhookSubscriptionResolvers,
};

function hasScope(granted: readonly string[], requirement: ScopeRequirement): boolean {
  return requirement.anyOf.some(
    (scope) => granted.includes(scope) || (scope.startsWith("read_") && granted.includes(`write_${scope.slice(5)}`))
  );
}

function accessDenied(info: GraphQLResolveInfo, requirement: ScopeRequirement): GraphQLError {
  return new GraphQLError(`Access denied for ${info.fieldName} field. Required access: ${requirement.requiredAccess}`, {
    nodes: info.fieldNodes,
    extensions: {
      code: "ACCESS_DENIED",
      documentation: "https://shopify.dev/api/usage/access-scopes",
      requiredAccess: requirement.requiredAccess,
    },
  });
}

/** Level 2 protected customer data: name, email, phone and address fields. */
const PROTECTED_CUSTOMER_FIELDS = new Set([
  "Order.email",
  "Order.phone",
  "Order.billingAddress",
  "Order.shippingAddress",
  "Customer.email",
  "Customer.phone",
  "Customer.firstName",
  "Customer.lastName",
  "Customer.displayName",
  "Customer.defaultEmailAddress",
  "Customer.defaultPhoneNumber",
  "Customer.defaultAddress",
  "Customer.addresses",
]);

function protectedFieldDenied(info: GraphQLResolveInfo): GraphQLError {
  return new GraphQLError(
    `This app is not approved to access the ${info.parentType.name} object's ${info.fieldName} field. See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.`,
    { nodes: info.fieldNodes, extensions: { code: "ACCESS_DENIED" } },
  );
}

/**
 * graphql-js field resolver over the client schema: simulator resolvers first, then plain properties of
 * the source object; a non-null field nobody implements fails loudly instead of returning bad data.
 * Access scopes are checked per field with Shopify's own requirements from the schema package.
 */
export function createFieldResolver(admin: AdminSchema): GraphQLFieldResolver<unknown, ResolverContext> {
  const requirements = new Map<string, ScopeRequirement[]>();
  const requirementsFor = (info: GraphQLResolveInfo): ScopeRequirement[] => {
    const key = `${info.parentType.name}.${info.fieldName}`;
    let found = requirements.get(key);
    if (!found) {
      found = [];
      const fieldLevel = admin.scopes.get(key);
      if (fieldLevel) found.push(fieldLevel);
      const typeLevel = admin.scopes.get(effectiveTypeName(admin.schema, getNamedType(info.returnType).name));
      if (typeLevel) found.push(typeLevel);
      requirements.set(key, found);
    }
    return found;
  };

  return (source, args, ctx, info) => {
    if (ctx.scopes !== null) {
      for (const requirement of requirementsFor(info)) if (!hasScope(ctx.scopes, requirement)) throw accessDenied(info, requirement);
    }
    if (ctx.protectedCustomerFields === false && PROTECTED_CUSTOMER_FIELDS.has(`${info.parentType.name}.${info.fieldName}`)) {
      throw protectedFieldDenied(info);
    }
    const resolver = RESOLVERS[info.parentType.name]?.[info.fieldName];
    if (resolver) return resolver(source, args, ctx, info);
    if (source !== null && typeof source === "object" && info.fieldName in source) {
      return (source as Record<string, unknown>)[info.fieldName];
    }
    if (isNonNullType(info.returnType)) {
      throw new GraphQLError(`${info.parentType.name}.${info.fieldName} is not implemented in the simulator`, {
        extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" },
      });
    }
    return null;
  };
}

/** Interfaces and unions resolve by the `__typename` every simulator record carries. */
export const typeResolver: GraphQLTypeResolver<unknown, ResolverContext> = (value) =>
  value !== null && typeof value === "object" && "__typename" in value ? String((value as { __typename: unknown }).__typename) : undefined;
