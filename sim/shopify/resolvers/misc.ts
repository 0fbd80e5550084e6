import type { GraphQLResolveInfo } from "graphql";
import { gid, idOf } from "../ids";
import type { SimBulkOperation, SimWebhookSubscription } from "../model";
import { connection, type ConnectionArgs } from "./connection";
import type { ResolverContext, TypeResolvers, UserErrorShape } from "./context";

// ---- bulk operations ----

export const bulkOperationResolvers: TypeResolvers = {
  id: (op: SimBulkOperation) => gid("BulkOperation", op.id),
  objectCount: (op: SimBulkOperation) => String(op.objectCount),
  rootObjectCount: (op: SimBulkOperation) => String(op.rootObjectCount),
  fileSize: (op: SimBulkOperation) => (op.fileSize === null ? null : String(op.fileSize)),
};

export function findBulkOperation(ctx: ResolverContext, id: string): SimBulkOperation | null {
  const numeric = idOf(id, "BulkOperation");
  return numeric === null ? null : ctx.store.bulkOperations.get(numeric) ?? null;
}

export function bulkOperationsConnection(ctx: ResolverContext, args: ConnectionArgs, info: GraphQLResolveInfo) {
  return connection(ctx.store.bulkOperations.values(), args, ctx, info, {
    id: (op) => op.id,
    sortKeys: { CREATED_AT: (op) => Date.parse(op.createdAt), COMPLETED_AT: (op) => (op.completedAt ? Date.parse(op.completedAt) : 0) },
    defaultSortKey: "CREATED_AT",
    search: {
      status: { kind: "string", get: (op) => op.status },
      operation_type: { kind: "string", get: (op) => op.type },
      type: { kind: "string", get: (op) => op.type },
      created_at: { kind: "date", get: (op) => op.createdAt },
      id: { kind: "number", get: (op) => op.id },
    },
  });
}

// ---- flow ----

/** Shopify Flow accepts trigger payloads up to 50 KB. */
export const MAX_FLOW_PAYLOAD_BYTES = 50_000;

export function flowTriggerReceive(
  ctx: ResolverContext,
  args: { handle?: string | null; payload?: unknown; body?: string | null }
): { userErrors: UserErrorShape[] } {
  let handle = args.handle ?? null;
  let payload = args.payload;
  if (args.body != null) {
    // Deprecated form: body is a JSON string {trigger_id | trigger_title, properties}.
    let parsed: { trigger_id?: string; trigger_title?: string; properties?: unknown };
    try {
      parsed = JSON.parse(args.body);
    } catch {
      return { userErrors: [{ field: ["body"], message: "Errors parsing body: invalid JSON." }] };
    }
    handle = handle ?? parsed.trigger_id ?? parsed.trigger_title ?? null;
    payload = parsed.properties;
  }
  if (!handle) return { userErrors: [{ field: ["handle"], message: "Handle can't be blank." }] };
  if (ctx.flowTriggerHandles !== null && !ctx.flowTriggerHandles.includes(handle)) {
    return { userErrors: [{ field: ["handle"], message: `Invalid handle '${handle}': no Flow trigger extension with this handle.` }] };
  }
  if (payload === undefined || payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return { userErrors: [{ field: ["payload"], message: "Payload must be a JSON object." }] };
  }
  const size = Buffer.byteLength(JSON.stringify(payload));
  if (size > MAX_FLOW_PAYLOAD_BYTES) {
    return { userErrors: [{ field: ["payload"], message: `Payload is too large: ${size} bytes (maximum is ${MAX_FLOW_PAYLOAD_BYTES}).` }] };
  }
  ctx.recordFlowTrigger({ handle, payload, receivedAt: ctx.store.now() });
  return { userErrors: [] };
}

// ---- webhook subscriptions (created through the API, not the TOML ones) ----

/** WebhookSubscriptionTopic enum value ↔ REST topic ("ORDERS_CREATE" ↔ "orders/create"). */
const TOPIC_EXCEPTIONS: Record<string, string> = {
  ORDERS_PARTIALLY_FULFILLED: "orders/partially_fulfilled",
  CUSTOMER_TAGS_ADDED: "customer.tags_added",
  CUSTOMER_TAGS_REMOVED: "customer.tags_removed",
  CUSTOMER_JOINED_SEGMENT: "customer.joined_segment",
  CUSTOMER_LEFT_SEGMENT: "customer.left_segment",
};

export function restTopic(enumValue: string): string {
  return TOPIC_EXCEPTIONS[enumValue] ?? enumValue.toLowerCase().replace(/_([^_]+)$/, "/$1");
}

export function enumTopic(topic: string): string {
  const exception = Object.entries(TOPIC_EXCEPTIONS).find(([, rest]) => rest === topic);
  return exception ? exception[0] : topic.replace(/[/.]/g, "_").toUpperCase();
}

export const webhookSubscriptionResolvers: TypeResolvers = {
  id: (s: SimWebhookSubscription) => gid("WebhookSubscription", s.id),
  legacyResourceId: (s: SimWebhookSubscription) => String(s.id),
  topic: (s: SimWebhookSubscription) => enumTopic(s.topic),
  callbackUrl: (s: SimWebhookSubscription) => s.uri,
  endpoint: (s: SimWebhookSubscription) => ({ __typename: "WebhookHttpEndpoint", callbackUrl: s.uri }),
  apiVersion: () => ({ handle: "2026-10", displayName: "2026-10", supported: true }),
  metafieldNamespaces: () => [],
  metafields: () => [],
  name: () => null,
};

export function webhookSubscriptionCreate(
  ctx: ResolverContext,
  topic: string,
  input: {
    uri?: string | null;
    callbackUrl?: string | null;
    format?: "JSON" | "XML" | null;
    filter?: string | null;
    includeFields?: string[] | null;
  }
): { webhookSubscription: SimWebhookSubscription | null; userErrors: UserErrorShape[] } {
  const uri = input.uri ?? input.callbackUrl;
  if (!uri)
    return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address can't be blank" }] };
  if (!/^https:\/\//.test(uri) && !/^http:\/\/(localhost|127\.0\.0\.1)/.test(uri) && !/^(pubsub|arn):/.test(uri)) {
    return {
      webhookSubscription: null,
      userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address protocol http:// is not supported" }],
    };
  }
  const rest = restTopic(topic);
  if ([...ctx.store.webhookSubscriptions.values()].some((s) => s.topic === rest && s.uri === uri)) {
    return {
      webhookSubscription: null,
      userErrors: [{ field: ["webhookSubscription", "callbackUrl"], message: "Address for this topic has already been taken" }],
    };
  }
  const now = ctx.store.now();
  const subscription: SimWebhookSubscription = {
    __typename: "WebhookSubscription",
    id: ctx.store.nextId("WebhookSubscription"),
    topic: rest,
    uri,
    format: input.format ?? "JSON",
    filter: input.filter ?? null,
    includeFields: input.includeFields ?? [],
    createdAt: now,
    updatedAt: now,
  };
  ctx.store.webhookSubscriptions.set(subscription.id, subscription);
  return { webhookSubscription: subscription, userErrors: [] };
}

export function webhookSubscriptionDelete(ctx: ResolverContext, id: string) {
  const numeric = idOf(id, "WebhookSubscription");
  if (numeric === null || !ctx.store.webhookSubscriptions.delete(numeric)) {
    return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
  }
  return { deletedWebhookSubscriptionId: id, userErrors: [] };
}

export function webhookSubscriptionsConnection(
  ctx: ResolverContext,
  args: ConnectionArgs & { topics?: string[] | null; uri?: string | null; callbackUrl?: string | null },
  info: GraphQLResolveInfo
) {
  let list = [...ctx.store.webhookSubscriptions.values()];
  if (args.topics) {
    const wanted = new Set(args.topics.map(restTopic));
    list = list.filter((s) => wanted.has(s.topic));
  }
  const uri = args.uri ?? args.callbackUrl;
  if (uri) list = list.filter((s) => s.uri === uri);
  return connection(list, args, ctx, info, {
    id: (s) => s.id,
    sortKeys: { ID: (s) => s.id, CREATED_AT: (s) => Date.parse(s.createdAt) },
    defaultSortKey: "CREATED_AT",
  });
}

// ---- the app itself (QueryRoot.app, currentAppInstallation): what Shopify's libraries ask for scopes ----

const scope = (handle: string) => ({ handle, description: `Simulated scope ${handle}` });

interface InstallationSource {
  __typename: "AppInstallation";
  id: string;
  app: unknown;
  [field: string]: unknown;
}

export function appSource(ctx: ResolverContext) {
  const app = {
    __typename: "App",
    id: gid("App", ctx.apiClientId),
    apiKey: ctx.app.apiKey,
    title: ctx.app.title,
    handle: ctx.app.handle,
    embedded: true,
    published: false,
    previouslyInstalled: false,
    isPostPurchaseAppInUse: false,
    developerType: "PARTNER",
    requestedAccessScopes: ctx.app.requestedScopes.map(scope),
    optionalAccessScopes: [],
    features: [],
    installation: null as InstallationSource | null,
  };
  app.installation = installationSource(ctx, app);
  return app;
}

function installationSource(ctx: ResolverContext, app: unknown): InstallationSource {
  return {
    __typename: "AppInstallation",
    id: gid("AppInstallation", ctx.store.shop.id),
    accessScopes: (ctx.scopes ?? ctx.app.requestedScopes).map(scope),
    activeSubscriptions: [],
    app,
    launchUrl: `https://admin.shopify.com/store/${ctx.store.shop.domain.replace(".myshopify.com", "")}/apps/${ctx.app.handle}`,
    uninstallUrl: null,
  };
}

export function currentAppInstallation(ctx: ResolverContext): InstallationSource {
  return appSource(ctx).installation!;
}
