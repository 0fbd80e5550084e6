import type { GraphQLFieldResolver } from "graphql";
import { BulkOperations, DEFAULT_BULK, type BulkSettings } from "./bulk";
import type { Clock } from "../kit/clock";
import { FaultInjector, type FaultOptions } from "./faults";
import type { FileStore } from "./files";
import { applyDeclaredDefinitions, type DeclaredMetafieldDefinition } from "./declared-definitions";
import { executeDocument, handleGraphqlRequest, type EndpointResult } from "./graphql-endpoint";
import { parseGid } from "./ids";
import type { SimCustomer, SimOrder, SimRefund } from "./model";
import type { TokenRegistry } from "./oauth";
import { createRandom } from "../kit/random";
import { createFieldResolver } from "./resolvers";
import type { ResolverContext } from "./resolvers/context";
import { restShop, type ShopInfo } from "./rest-payloads";
import { API_VERSION, type AdminSchema } from "./schema";
import type { SeedData } from "./seed";
import { StatsRecorder, type RequestRecord, type ShopStats } from "./stats";
import { ShopStore, type NewCustomer, type NewOrder, type RefundInput } from "./store";
import { LeakyBucket, PLAN_LIMITS, type BucketSettings } from "./throttle";
import type { SimulatorApp } from "./server";
import type { UploadStore } from "./uploads";
import { WebhookDispatcher, type AppWebhookSubscription, type DeliveryBehavior, type DeliverySettings } from "./webhooks";

export type PlanName = "Basic" | "Standard" | "Advanced" | "Plus" | "Enterprise" | "Development";

export interface ShopOptions {
  /** "acme" or "acme.myshopify.com". */
  domain: string;
  name?: string;
  email?: string;
  currencyCode?: string;
  ianaTimezone?: string;
  /** Sets the throttle bucket (Standard: 100 pts/s into 2000). */
  plan?: PlanName;
  /** Overrides the plan's bucket. */
  throttle?: Partial<BucketSettings>;
  faults?: FaultOptions;
  /** Seeded data from seed.ts (generateSeed) — customers, orders and the truth to compare with. */
  data?: SeedData;
  /** Or a few hand-written records (loaded without webhooks). */
  customers?: NewCustomer[];
  orders?: NewOrder[];
  /** Replaces the app's webhook subscriptions for this shop. */
  webhooks?: AppWebhookSubscription[];
  /** Handles of the app's Flow trigger extensions; null/undefined accepts any handle. */
  flowTriggerHandles?: string[] | null;
  bulk?: Partial<BulkSettings>;
  /** Pre-issued offline access tokens (e.g. a fixed token for the standalone demo). */
  accessTokens?: { token: string; scopes?: string[] }[];
  installed?: boolean;
  /**
   * Scopes the merchant grants on install (token exchange, OAuth); the app's scopes outside
   * this list are withheld, e.g. read_all_orders without Shopify's approval. Default: all.
   */
  grantedScopes?: string[];
  /**
   * Protected customer data the app is approved for: 2 (default) includes name, email,
   * phone and address fields; 1 withholds them — GraphQL answers those fields with null and
   * ACCESS_DENIED (a bulk query selecting them ends FAILED/ACCESS_DENIED) and webhook
   * payloads leave them out.
   */
  customerDataLevel?: 1 | 2;
  /**
   * The API version webhook payloads are rendered in (default: the simulator's API_VERSION).
   * Before 2026-10, order webhooks' line items carry no `selling_plan_id`.
   */
  webhookApiVersion?: string;
}

/** What a shop borrows from the simulator hosting it. */
export interface ShopHost {
  admin: AdminSchema;
  clock: Clock;
  tokens: TokenRegistry;
  files: FileStore;
  uploads: UploadStore;
  app: Omit<SimulatorApp, "metafieldDefinitions"> & Partial<Pick<SimulatorApp, "metafieldDefinitions">>;
  delivery: DeliverySettings;
  bulk: Partial<BulkSettings>;
  seed: string | number;
  baseUrl(): string;
}

export function normaliseDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  return lower.endsWith(".myshopify.com") ? lower : `${lower}.myshopify.com`;
}

type IdInput = number | string;

function numericId(id: IdInput, type: string): number {
  if (typeof id === "number") return id;
  const parsed = parseGid(id);
  if (parsed && parsed.type === type) return parsed.id;
  if (/^\d+$/.test(id)) return Number(id);
  throw new Error(`not a ${type} id: ${id}`);
}

/** One simulated shop: its data, throttle bucket, faults, stats, webhooks and bulk operations. */
export class SimShop {
  readonly domain: string;
  readonly store: ShopStore;
  readonly bucket: LeakyBucket;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookDispatcher;
  readonly bulk: BulkOperations;
  readonly plan: PlanName;
  /** The seed's truth when the shop was created from a dataset. */
  readonly truth: SeedData["truth"] | null;
  installed: boolean;
  /** See ShopOptions.grantedScopes; changeable with grantScopes(). */
  grantedScopes: string[] | null;
  /** See ShopOptions.customerDataLevel. */
  customerDataLevel: 1 | 2;
  private readonly recorder = new StatsRecorder();
  private readonly fieldResolver: GraphQLFieldResolver<unknown, ResolverContext>;
  private webhookSubscriptions: AppWebhookSubscription[] | null;
  private readonly flowTriggerHandles: readonly string[] | null;
  private bulkSettings: BulkSettings;

  constructor(private readonly host: ShopHost, options: ShopOptions, shopNumber: number) {
    this.domain = normaliseDomain(options.domain);
    const seedShop = options.data?.shop;
    const info: ShopInfo = {
      id: 60_000_000_000 + shopNumber,
      domain: this.domain,
      name: options.name ?? seedShop?.name ?? this.domain.replace(".myshopify.com", ""),
      email: options.email ?? `owner@${this.domain}`,
      currencyCode: options.currencyCode ?? seedShop?.currencyCode ?? "USD",
      ianaTimezone: options.ianaTimezone ?? seedShop?.ianaTimezone ?? "America/New_York",
      planName: options.plan ?? "Standard",
      createdAt: "2015-03-01T12:00:00Z",
      webhookApiVersion: options.webhookApiVersion ?? API_VERSION,
    };
    this.plan = options.plan ?? "Standard";
    this.installed = options.installed ?? true;
    this.grantedScopes = options.grantedScopes ? [...options.grantedScopes] : null;
    this.customerDataLevel = options.customerDataLevel ?? 2;
    this.store = new ShopStore(info, host.clock);
    this.bucket = new LeakyBucket({ ...(PLAN_LIMITS[this.plan] ?? PLAN_LIMITS.Standard), ...options.throttle }, host.clock);
    const seed = `${host.seed}/${this.domain}`;
    this.faults = new FaultInjector(options.faults, seed);
    this.fieldResolver = createFieldResolver(host.admin);
    this.webhookSubscriptions = options.webhooks ?? null;
    this.flowTriggerHandles = options.flowTriggerHandles ?? null;
    this.bulkSettings = { ...DEFAULT_BULK, ...host.bulk, ...options.bulk };
    this.webhooks = new WebhookDispatcher({
      shopDomain: this.domain,
      apiVersion: info.webhookApiVersion,
      appSecret: host.app.apiSecret,
      appUrl: host.app.appUrl,
      subscriptions: () => this.webhookSubscriptions ?? host.app.webhooks,
      apiSubscriptions: () => this.store.webhookSubscriptions.values(),
      delivery: host.delivery,
      random: createRandom(`${seed}/webhooks`),
      installed: () => this.installed,
    });
    this.store.onEvent((event) =>
      this.webhooks.handle(this.customerDataLevel < 2 ? withoutProtectedFields(event) : event),
    );
    this.bulk = new BulkOperations({
      admin: host.admin,
      store: this.store,
      files: host.files,
      faults: this.faults,
      random: createRandom(`${seed}/bulk`),
      clock: host.clock,
      settings: () => this.bulkSettings,
      execute: (document, variables, ctx) =>
        executeDocument({ admin: host.admin, fieldResolver: this.fieldResolver }, document, variables, null, ctx),
      context: (scopes, mode) => this.context(scopes, mode),
      uploadedFile: (path) => host.uploads.content(this.domain, path),
    });
    this.truth = options.data?.truth ?? null;
    if (options.data) this.store.load(options.data);
    for (const customer of options.customers ?? []) this.store.addCustomer(customer, { silent: true });
    for (const order of options.orders ?? []) this.store.addOrder(order, { silent: true });
    for (const t of options.accessTokens ?? []) host.tokens.issue(this.domain, { token: t.token, scopes: t.scopes });
    if (this.installed) this.applyDeclaredDefinitions();
  }

  /** Shopify creates the app's declarative definitions on every shop the app is installed on. */
  private applyDeclaredDefinitions(): void {
    applyDeclaredDefinitions(this.store, this.host.app.apiClientId, this.host.app.metafieldDefinitions ?? []);
  }

  /** The resolver context for a caller with these scopes. */
  context(scopes: readonly string[] | null, mode: ResolverContext["mode"]): ResolverContext {
    return {
      store: this.store,
      clock: this.host.clock,
      scopes,
      mode,
      protectedCustomerFields: this.customerDataLevel >= 2,
      apiClientId: this.host.app.apiClientId,
      app: {
        apiKey: this.host.app.apiKey,
        title: this.host.app.title,
        handle: this.host.app.handle,
        requestedScopes: this.host.app.scopes,
        appUrl: this.host.app.appUrl,
      },
      planName: this.plan,
      bulk: this.bulk,
      uploads: { createTarget: (input) => this.host.uploads.createTarget(this.domain, this.store.shop.id, input) },
      flowTriggerHandles: this.flowTriggerHandles,
      recordFlowTrigger: (call) => this.store.flowTriggerCalls.push(call),
      searchExtensions: [],
    };
  }

  /** Handles a parsed GraphQL request body for a token with these scopes (the server calls this). */
  handleGraphql(
    body: Record<string, unknown>,
    scopes: readonly string[],
    options: { forceThrottled?: boolean; apiClientId?: string } = {}
  ): Promise<EndpointResult> {
    // A token of another app resolves `$app` to that app's namespace and owns nothing of ours.
    const caller = options.apiClientId;
    const context = (s: readonly string[] | null, mode: ResolverContext["mode"]) =>
      caller ? { ...this.context(s, mode), apiClientId: caller } : this.context(s, mode);
    return handleGraphqlRequest(
      { admin: this.host.admin, fieldResolver: this.fieldResolver, bucket: this.bucket, context },
      body,
      scopes,
      { forceThrottled: options.forceThrottled }
    );
  }

  recordRequest(record: RequestRecord): void {
    this.recorder.record(record);
  }

  // ---- tokens and requests (tests) ----

  /** A valid offline access token (non-expiring unless ttlSeconds), with the app's scopes unless given. */
  issueAccessToken(options: { scopes?: string[]; online?: boolean; ttlSeconds?: number | null; apiClientId?: string } = {}): string {
    return this.host.tokens.issue(this.domain, options).token;
  }

  /** POSTs a GraphQL document to this shop over HTTP, as the app would; returns the parsed JSON body. */
  async graphql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { token?: string } = {}
  ): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> }> {
    const token = options.token ?? this.defaultToken();
    const response = await fetch(`${this.host.baseUrl()}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Sim-Shop": this.domain },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as never;
  }

  private cachedToken: string | null = null;
  private defaultToken(): string {
    if (!this.cachedToken || !this.host.tokens.lookup(this.cachedToken)) this.cachedToken = this.issueAccessToken();
    return this.cachedToken;
  }

  // ---- settings ----

  setFaults(options: FaultOptions): void {
    this.faults.configure(options, `${this.host.seed}/${this.domain}`);
  }

  setThrottle(settings: Partial<BucketSettings>): void {
    this.bucket.configure(settings);
  }

  setWebhookBehavior(behavior: DeliveryBehavior): void {
    this.webhooks.behavior = { ...behavior };
  }

  setWebhookSubscriptions(subscriptions: AppWebhookSubscription[] | null): void {
    this.webhookSubscriptions = subscriptions;
  }

  setBulkSettings(settings: Partial<BulkSettings>): void {
    this.bulkSettings = { ...this.bulkSettings, ...settings };
  }

  stats(): ShopStats {
    return this.recorder.snapshot();
  }

  resetStats(): void {
    this.recorder.reset();
  }

  get flowTriggerCalls() {
    return this.store.flowTriggerCalls;
  }

  /** Waits for webhook deliveries (and their retries) and bulk operations in progress. */
  async settle(): Promise<void> {
    await this.bulk.whenIdle();
    await this.webhooks.settle();
  }

  // ---- control: the merchant and customers acting on the shop (webhooks follow) ----

  createCustomer(input: NewCustomer): SimCustomer {
    return this.store.addCustomer(input);
  }

  updateCustomer(id: IdInput, patch: Parameters<ShopStore["updateCustomer"]>[1]): SimCustomer {
    return this.store.updateCustomer(numericId(id, "Customer"), patch);
  }

  deleteCustomer(id: IdInput, options: { force?: boolean } = {}): void {
    this.store.deleteCustomer(numericId(id, "Customer"), options);
  }

  createOrder(input: NewOrder): SimOrder {
    return this.store.addOrder(input);
  }

  updateOrder(id: IdInput, patch: Parameters<ShopStore["updateOrder"]>[1]): SimOrder {
    return this.store.updateOrder(numericId(id, "Order"), patch);
  }

  cancelOrder(id: IdInput, options: Parameters<ShopStore["cancelOrder"]>[1] = {}): SimOrder {
    return this.store.cancelOrder(numericId(id, "Order"), options);
  }

  refundOrder(id: IdInput, input: RefundInput = {}): SimRefund {
    return this.store.refundOrder(numericId(id, "Order"), input);
  }

  deleteOrder(id: IdInput): void {
    this.store.deleteOrder(numericId(id, "Order"));
  }

  /** The merchant uninstalls the app: app/uninstalled is sent and every token of the shop is revoked. */
  uninstall(): void {
    this.store.emit("app/uninstalled", restShop(this.store.shop));
    this.installed = false;
    this.host.tokens.revokeShop(this.domain);
  }

  install(): void {
    this.installed = true;
    this.applyDeclaredDefinitions();
  }

  /** The merchant grants (or Shopify approves) these scopes from the next token on. */
  grantScopes(scopes: string[] | null): void {
    this.grantedScopes = scopes ? [...scopes] : null;
  }

  /** customers/data_request (GDPR): the customer asked the merchant for their data. */
  requestCustomerData(customerId: IdInput): void {
    const id = numericId(customerId, "Customer");
    const customer = this.store.requireCustomer(id);
    this.store.emit("customers/data_request", {
      shop_id: this.store.shop.id,
      shop_domain: this.domain,
      orders_requested: this.store.ordersOf(id).map((o) => o.id),
      customer: { id, email: customer.email, phone: customer.phone },
      data_request: { id: this.store.nextId("DataRequest") },
    });
  }

  /** customers/redact (GDPR): the app must erase the customer's personal data. */
  redactCustomer(customerId: IdInput): void {
    const id = numericId(customerId, "Customer");
    const customer = this.store.requireCustomer(id);
    this.store.emit("customers/redact", {
      shop_id: this.store.shop.id,
      shop_domain: this.domain,
      customer: { id, email: customer.email, phone: customer.phone },
      orders_to_redact: this.store.ordersOf(id).map((o) => o.id),
    });
  }

  /** shop/redact (GDPR): sent 48 hours after uninstall; here on demand. */
  redactShop(): void {
    this.store.emit("shop/redact", { shop_id: this.store.shop.id, shop_domain: this.domain });
  }

  stop(): void {
    this.webhooks.stop();
    this.bulk.stop();
  }
}

/** Level 2 fields of REST payloads, withheld from apps approved for Level 1 only. */
const PROTECTED_REST_FIELDS = new Set([
  "email",
  "contact_email",
  "phone",
  "first_name",
  "last_name",
  "billing_address",
  "shipping_address",
  "default_address",
  "addresses",
]);
/** Compliance payloads identify the customer to erase or export; Shopify sends them whole. */
const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

function stripProtected(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripProtected);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !PROTECTED_REST_FIELDS.has(key))
      .map(([key, v]) => [key, stripProtected(v)]),
  );
}

function withoutProtectedFields<E extends { topic: string; body: unknown }>(event: E): E {
  if (COMPLIANCE_TOPICS.has(event.topic) || event.topic.startsWith("app/")) return event;
  return { ...event, body: stripProtected(event.body) };
}
