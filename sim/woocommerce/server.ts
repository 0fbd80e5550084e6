import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "../kit/clock";
import { RequestFaults, type RequestFaultOptions } from "../kit/faults";
import { authenticate, isSsl, phpQuery } from "./auth";
import { handleControl } from "./control-http";
import { ORDER_STATUSES, WEBHOOK_HOOKS, type KeyPermissions, type WcApiKey } from "./model";
import { customerPayload, orderPayload, refundPayload, systemStatusPayload, webhookPayload, wcDate, type SiteInfo } from "./payloads";
import type { WooSeedData } from "./seed";
import { WooShop } from "./shop";
import { siteIndexPayload } from "./site-index";
import { WcError, type NewOrder } from "./store";
import { handleWcAuth } from "./wc-auth";
import type { WooDeliverySettings } from "./webhooks";

/**
 * The WooCommerce simulator: one store behind a loopback node:http server speaking wc/v3 at
 * /wp-json/wc/v3/… (orders, refunds, customers, customers/batch, webhooks, system_status), the wc-auth
 * endpoint at /wc-auth/v1/…, and a control API at /__sim/…. Shapes, headers, status codes and error
 * bodies follow the WooCommerce 10.0.2 captures in ../shared/woocommerce/captures.
 */

export interface WooSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only. */
  host?: "127.0.0.1" | "localhost" | "::1";
  clock?: Clock;
  seed?: string | number;
  /** A generateWooSeed result; without it the store starts empty (USD, America/New_York). */
  data?: WooSeedData;
  currency?: string;
  timeZone?: string;
  /** Pre-issued API keys (random ones when key/secret are left out). */
  keys?: { consumerKey?: string; consumerSecret?: string; permissions?: KeyPermissions }[];
  webhookDelivery?: Partial<WooDeliverySettings>;
  faults?: RequestFaultOptions;
  /** The wp-admin login the wc-auth flow asks for. */
  admin?: { username: string; password: string };
}

export interface WooSimulator {
  /** e.g. http://127.0.0.1:53211 — also the store's home URL. */
  url: string;
  port: number;
  shop: WooShop;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Ctx {
  req: IncomingMessage;
  url: URL;
  method: string;
  body: unknown;
  key: WcApiKey | null;
  shop: WooShop;
  site: SiteInfo;
  /** The URL scheme the caller used (https when X-Forwarded-Proto says so). */
  origin: string;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Kind = "list" | "view" | "create" | "edit" | "delete" | "batch";

interface Route {
  pattern: RegExp;
  methods: Record<string, { kind: Kind; run: (ctx: Ctx, m: RegExpMatchArray) => Answer }>;
}

const FORBIDDEN: Record<Kind, [string, string]> = {
  list: ["woocommerce_rest_cannot_view", "Sorry, you cannot list resources."],
  view: ["woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."],
  create: ["woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."],
  edit: ["woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."],
  delete: ["woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."],
  batch: ["woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."],
};

const BASE_HEADERS = {
  "Content-Type": "application/json; charset=UTF-8",
  "X-Content-Type-Options": "nosniff",
  "X-Robots-Tag": "noindex",
  "X-Powered-By": "PHP/8.2.36",
  "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
  "Access-Control-Allow-Headers": "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
  "Cache-Control": "no-cache, must-revalidate, max-age=0, no-store, private",
  Expires: "Wed, 11 Jan 1984 05:00:00 GMT",
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function invalidParam(name: string, code: string, message: string): WcError {
  return new WcError(400, "rest_invalid_param", `Invalid parameter(s): ${name}`, {
    status: 400,
    params: { [name]: message },
    details: { [name]: { code, message, data: null } },
  });
}

/** PHP urlencode, as add_query_arg builds Link URLs. */
function phpUrlencode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

const REST_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A date query parameter in UTC ms: GMT with dates_are_gmt, else site-local; 400 "Invalid date." otherwise. */
function dateParam(ctx: Ctx, name: string): number | null {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === "") return null;
  if (!REST_DATE.test(raw)) throw invalidParam(name, "rest_invalid_date", "Invalid date.");
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(raw)) return new Date(raw).getTime();
  const asUtc = new Date(`${raw}Z`).getTime();
  if (boolParam(ctx, "dates_are_gmt")) return asUtc;
  // Local wall-clock → UTC through the zone offset at that time.
  const local = wcDate(asUtc, ctx.site, false)!;
  return asUtc - (new Date(`${local}Z`).getTime() - asUtc);
}

function boolParam(ctx: Ctx, name: string): boolean {
  const v = ctx.url.searchParams.get(name);
  return v === "1" || v === "true";
}

function intParam(ctx: Ctx, name: string, fallback: number): number {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalidParam(name, "rest_invalid_type", `${name} is not of type integer.`);
  return n;
}

/** Splits list-valued params given as `a,b`, or `name[]=a&name[]=b`. */
function listParam(ctx: Ctx, name: string): string[] | null {
  const values = [...ctx.url.searchParams.entries()].filter(([k]) => k === name || k.startsWith(`${name}[`)).flatMap(([, v]) => v.split(","));
  return values.length > 0 ? values.map((v) => v.trim()).filter((v) => v !== "") : null;
}

function enumParam(ctx: Ctx, name: string, allowed: readonly string[], fallback: string): string {
  const v = ctx.url.searchParams.get(name);
  if (v === null) return fallback;
  if (!allowed.includes(v)) {
    const list = `${allowed.slice(0, -1).join(", ")}, and ${allowed[allowed.length - 1]}`;
    throw invalidParam(name, "rest_not_in_enum", `${name} is not one of ${list}.`);
  }
  return v;
}

/**
 * A page of a collection with X-WP-Total, X-WP-TotalPages and a Link header that, like WordPress's,
 * repeats every query parameter of the request (oauth_* included) plus the collection's defaults.
 */
function paginate<T>(ctx: Ctx, items: T[], render: (item: T) => unknown, defaults: [string, string][] = []): Answer {
  const perPage = intParam(ctx, "per_page", 10);
  if (perPage < 1 || perPage > 100) {
    throw invalidParam("per_page", "rest_out_of_bounds", "per_page must be between 1 (inclusive) and 100 (inclusive)");
  }
  const page = intParam(ctx, "page", 1);
  if (page < 1) throw invalidParam("page", "rest_too_small", "page must be greater than or equal to 1");
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  const total = slice.length === 0 ? 0 : items.length;
  const maxPages = total === 0 ? 0 : Math.ceil(items.length / perPage);
  const query: [string, string][] = phpQuery(ctx.url).map(([k, v]) => [k, k === "dates_are_gmt" ? (boolParam(ctx, k) ? "1" : "") : v]);
  for (const [k, v] of defaults) if (!query.some(([q]) => q === k.replace(/\[.*$/, "") || q === k)) query.push([k, v]);
  const link = (p: number) => {
    const q = query.some(([k]) => k === "page") ? query.map(([k, v]): [string, string] => [k, k === "page" ? String(p) : v]) : [...query, ["page", String(p)] as [string, string]];
    return `<${ctx.origin}${ctx.url.pathname}?${q.map(([k, v]) => `${phpUrlencode(k)}=${phpUrlencode(v)}`).join("&")}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${link(Math.min(page - 1, maxPages))}; rel="prev"`);
  if (maxPages > page) links.push(`${link(page + 1)}; rel="next"`);
  return {
    status: 200,
    body: slice.map(render),
    headers: {
      "X-WP-Total": String(total),
      "X-WP-TotalPages": String(maxPages),
      ...(links.length > 0 ? { Link: links.join(", ") } : {}),
    },
  };
}

const bodyOf = (ctx: Ctx): Json => (ctx.body && typeof ctx.body === "object" && !Array.isArray(ctx.body) ? (ctx.body as Json) : {});
const idOf = (m: RegExpMatchArray) => Number(m[1]);
const cents = (v: unknown) => Math.round(Number(v ?? 0) * 100);
const metaIn = (v: unknown) => (Array.isArray(v) ? (v as { key: string; value: unknown; id?: number }[]) : undefined);

// ---- orders ----

function listOrders(ctx: Ctx): Answer {
  const statuses = listParam(ctx, "status") ?? ["any"];
  for (const [i, s] of statuses.entries()) {
    if (!(ORDER_STATUSES as readonly string[]).includes(s)) {
      const list = `${ORDER_STATUSES.slice(0, -1).join(", ")}, and ${ORDER_STATUSES[ORDER_STATUSES.length - 1]}`;
      throw invalidParam("status", "rest_not_in_enum", `status[${i}] is not one of ${list}.`);
    }
  }
  const after = dateParam(ctx, "after");
  const before = dateParam(ctx, "before");
  const modifiedAfter = dateParam(ctx, "modified_after");
  const modifiedBefore = dateParam(ctx, "modified_before");
  const orderby = enumParam(ctx, "orderby", ["date", "id", "include", "title", "slug", "modified"], "date");
  const order = enumParam(ctx, "order", ["asc", "desc"], "desc");
  const customer = ctx.url.searchParams.get("customer");
  const createdVia = listParam(ctx, "created_via");
  const include = listParam(ctx, "include")?.map(Number);
  const search = ctx.url.searchParams.get("search")?.toLowerCase();
  const items = [...ctx.shop.store.orders.values()].filter((o) => {
    if (statuses.includes("any") ? o.status === "trash" || o.status === "checkout-draft" : !statuses.includes(o.status)) return false;
    if (after !== null && !(o.createdAt > after)) return false;
    if (before !== null && !(o.createdAt < before)) return false;
    if (modifiedAfter !== null && !(o.modifiedAt > modifiedAfter)) return false;
    if (modifiedBefore !== null && !(o.modifiedAt < modifiedBefore)) return false;
    if (customer !== null && o.customerId !== Number(customer)) return false;
    if (createdVia && !createdVia.includes(o.createdVia)) return false;
    if (include && !include.includes(o.id)) return false;
    if (search && !JSON.stringify([o.billing, o.lines.map((l) => l.name)]).toLowerCase().includes(search)) return false;
    return true;
  });
  const key = (o: (typeof items)[number]) => (orderby === "modified" ? o.modifiedAt : orderby === "date" ? o.createdAt : o.id);
  const dir = order === "asc" ? 1 : -1;
  items.sort((a, b) => dir * (key(a) - key(b) || a.id - b.id));
  const defaults: [string, string][] = listParam(ctx, "status") ? [["dp", "2"], ["context", "view"]] : [["status[0]", "any"], ["dp", "2"], ["context", "view"]];
  return paginate(ctx, items, (o) => orderPayload(o, ctx.site), defaults);
}

function createOrder(ctx: Ctx): Answer {
  const b = bodyOf(ctx);
  const billing = b.billing as Json | undefined;
  if (billing && "email" in billing && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(billing.email))) {
    throw new WcError(400, "rest_invalid_param", "Invalid parameter(s): billing", {
      status: 400,
      params: { billing: "Invalid email address." },
      details: { billing: { code: "rest_invalid_email", message: "Invalid email address.", data: null } },
    });
  }
  const lines = (Array.isArray(b.line_items) ? b.line_items : []) as Json[];
  const input: NewOrder = {
    customerId: Number(b.customer_id ?? 0) || undefined,
    status: (b.status as NewOrder["status"]) ?? (b.set_paid ? "processing" : "pending"),
    currency: typeof b.currency === "string" ? b.currency : undefined,
    // date_created is read-only on WooCommerce: accepted and ignored.
    createdVia: "rest-api",
    billing: billing as NewOrder["billing"],
    lines: lines.map((l) => ({
      productId: l.product_id !== undefined ? Number(l.product_id) : undefined,
      name: typeof l.name === "string" ? l.name : undefined,
      quantity: Number(l.quantity ?? 1),
      unitPriceCents: l.price !== undefined ? cents(l.price) : l.total !== undefined ? Math.round(cents(l.total) / Number(l.quantity ?? 1)) : undefined,
      meta: metaIn(l.meta_data),
    })),
    shipping: ((b.shipping_lines ?? []) as Json[]).map((s) => ({ methodId: String(s.method_id ?? "flat_rate"), methodTitle: String(s.method_title ?? "Flat rate"), totalCents: cents(s.total) })),
    fees: ((b.fee_lines ?? []) as Json[]).map((f) => ({ name: String(f.name ?? "Fee"), totalCents: cents(f.total) })),
    meta: metaIn(b.meta_data),
    paymentMethod: typeof b.payment_method === "string" ? b.payment_method : "",
    paymentMethodTitle: typeof b.payment_method_title === "string" ? b.payment_method_title : "",
  };
  const order = ctx.shop.store.createOrder(input);
  return { status: 201, body: orderPayload(order, ctx.site), headers: { Location: `${ctx.origin}/wp-json/wc/v3/orders/${order.id}` } };
}

function updateOrder(ctx: Ctx, m: RegExpMatchArray): Answer {
  const b = bodyOf(ctx);
  const order = ctx.shop.store.updateOrder(idOf(m), {
    status: b.status as NewOrder["status"],
    meta: metaIn(b.meta_data),
    customerNote: typeof b.customer_note === "string" ? b.customer_note : undefined,
    billing: b.billing as NewOrder["billing"],
  });
  return { status: 200, body: orderPayload(order, ctx.site) };
}

function deleteOrder(ctx: Ctx, m: RegExpMatchArray): Answer {
  const id = idOf(m);
  const store = ctx.shop.store;
  const body = orderPayload(store.getOrder(id), ctx.site);
  if (boolParam(ctx, "force")) {
    store.deleteOrder(id);
    return { status: 200, body };
  }
  return { status: 200, body: orderPayload(store.trashOrder(id), ctx.site) };
}

function createRefund(ctx: Ctx, m: RegExpMatchArray): Answer {
  const b = bodyOf(ctx);
  const order = ctx.shop.store.getOrder(idOf(m));
  if (b.api_refund !== false && b.api_refund !== "false") {
    throw new WcError(500, "woocommerce_rest_cannot_create_order_refund", "The payment gateway for this order does not support automatic refunds.", 500);
  }
  const lines = ((b.line_items ?? []) as Json[]).map((l) => ({
    lineItemId: Number(l.id),
    quantity: Number(l.quantity ?? 0),
    totalCents: l.refund_total !== undefined ? cents(l.refund_total) : undefined,
  }));
  const refund = ctx.shop.store.refundOrder(order.id, {
    amountCents: b.amount !== undefined ? cents(b.amount) : undefined,
    reason: typeof b.reason === "string" ? b.reason : "",
    lines,
  });
  // WooCommerce's Location leaves the route regex unfilled.
  return {
    status: 201,
    body: refundPayload(order, refund, ctx.site),
    headers: { Location: `${ctx.origin}/wp-json/wc/v3/orders/(?P<order_id>[\\d]+)/refunds/${refund.id}` },
  };
}

// ---- customers ----

function customerChanges(b: Json) {
  return {
    firstName: typeof b.first_name === "string" ? b.first_name : undefined,
    lastName: typeof b.last_name === "string" ? b.last_name : undefined,
    email: typeof b.email === "string" ? b.email : undefined,
    billing: b.billing as Partial<import("./model").WcAddress> | undefined,
    meta: metaIn(b.meta_data),
  };
}

function updateCustomer(ctx: Ctx, m: RegExpMatchArray): Answer {
  return { status: 200, body: customerPayload(ctx.shop.store.updateCustomer(idOf(m), customerChanges(bodyOf(ctx))), ctx.site) };
}

function listCustomers(ctx: Ctx): Answer {
  const role = ctx.url.searchParams.get("role") ?? "customer";
  const email = ctx.url.searchParams.get("email")?.toLowerCase();
  const search = ctx.url.searchParams.get("search")?.toLowerCase();
  const include = listParam(ctx, "include")?.map(Number);
  const orderby = enumParam(ctx, "orderby", ["id", "include", "name", "registered_date"], "name");
  const order = enumParam(ctx, "order", ["asc", "desc"], "asc");
  const items = [...ctx.shop.store.customers.values()].filter(
    (c) =>
      (role === "all" || c.role === role) &&
      (!email || c.email.toLowerCase() === email) &&
      (!include || include.includes(c.id)) &&
      (!search || `${c.email} ${c.firstName} ${c.lastName} ${c.username}`.toLowerCase().includes(search))
  );
  const dir = order === "asc" ? 1 : -1;
  const name = (c: (typeof items)[number]) => c.username.toLowerCase();
  items.sort((a, b) =>
    dir * (orderby === "name" ? name(a).localeCompare(name(b)) || a.id - b.id : orderby === "registered_date" ? a.createdAt - b.createdAt || a.id - b.id : a.id - b.id)
  );
  return paginate(ctx, items, (c) => customerPayload(c, ctx.site));
}

function batchCustomers(ctx: Ctx): Answer {
  const b = bodyOf(ctx);
  const create = (Array.isArray(b.create) ? b.create : []) as Json[];
  const update = (Array.isArray(b.update) ? b.update : []) as Json[];
  const del = (Array.isArray(b.delete) ? b.delete : []) as unknown[];
  if (create.length + update.length + del.length > 100) {
    throw new WcError(413, "woocommerce_rest_request_entity_too_large", "Unable to accept more than 100 items for this request.");
  }
  const store = ctx.shop.store;
  const attempt = (id: unknown, run: () => unknown) => {
    try {
      return run();
    } catch (error) {
      if (error instanceof WcError) return { id: Number(id ?? 0), error: error.body() };
      throw error;
    }
  };
  const out: Json = {};
  if (create.length) {
    out.create = create.map((c) =>
      attempt(0, () => customerPayload(store.createCustomer({ email: String(c.email ?? ""), firstName: c.first_name as string, lastName: c.last_name as string, meta: metaIn(c.meta_data) }), ctx.site))
    );
  }
  if (update.length) out.update = update.map((u) => attempt(u.id, () => customerPayload(store.updateCustomer(Number(u.id), customerChanges(u)), ctx.site)));
  if (del.length) out.delete = del.map((id) => attempt(id, () => customerPayload(store.deleteCustomer(Number(id)), ctx.site)));
  return { status: 200, body: out };
}

// ---- webhooks ----

function webhookOut(ctx: Ctx, id: number) {
  const w = ctx.shop.webhooks.webhooks.get(id);
  if (!w) throw new WcError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.");
  return webhookPayload(w, ctx.site, WEBHOOK_HOOKS[w.topic] ?? []);
}

function createWebhook(ctx: Ctx): Answer {
  const b = bodyOf(ctx);
  const topic = String(b.topic ?? "");
  if (!WEBHOOK_HOOKS[topic]) throw invalidParam("topic", "rest_invalid_param", "Webhook topic is invalid.");
  const deliveryUrl = String(b.delivery_url ?? "");
  if (!/^https?:\/\//.test(deliveryUrl)) throw invalidParam("delivery_url", "rest_invalid_url", "Invalid URL.");
  const w = ctx.shop.webhooks.create({
    name: typeof b.name === "string" ? b.name : undefined,
    topic,
    deliveryUrl,
    secret: typeof b.secret === "string" ? b.secret : undefined,
    status: (b.status as "active" | "paused" | "disabled") ?? "active",
  });
  return { status: 201, body: webhookOut(ctx, w.id), headers: { Location: `${ctx.origin}/wp-json/wc/v3/webhooks/${w.id}` } };
}

// ---- routes ----

const ID = "(\\d+)";
const route = (path: string, methods: Route["methods"]): Route => ({ pattern: new RegExp(`^/wc/v3/${path}/?$`), methods });

const ROUTES: Route[] = [
  route("orders", {
    GET: { kind: "list", run: listOrders },
    POST: { kind: "create", run: createOrder },
  }),
  route(`orders/${ID}`, {
    GET: { kind: "view", run: (ctx, m) => ({ status: 200, body: orderPayload(ctx.shop.store.getOrder(idOf(m)), ctx.site) }) },
    POST: { kind: "edit", run: updateOrder },
    PUT: { kind: "edit", run: updateOrder },
    PATCH: { kind: "edit", run: updateOrder },
    DELETE: { kind: "delete", run: deleteOrder },
  }),
  route(`orders/${ID}/refunds`, {
    GET: {
      kind: "list",
      run: (ctx, m) => {
        const order = ctx.shop.store.getOrder(idOf(m));
        return paginate(ctx, order.refunds, (r) => refundPayload(order, r, ctx.site));
      },
    },
    POST: { kind: "create", run: createRefund },
  }),
  route(`orders/${ID}/refunds/${ID}`, {
    GET: {
      kind: "view",
      run: (ctx, m) => {
        const order = ctx.shop.store.getOrder(idOf(m));
        const refund = order.refunds.find((r) => r.id === Number(m[2]));
        if (!refund) throw new WcError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.");
        return { status: 200, body: refundPayload(order, refund, ctx.site) };
      },
    },
  }),
  route("customers", {
    GET: { kind: "list", run: listCustomers },
    POST: {
      kind: "create",
      run: (ctx) => {
        const b = bodyOf(ctx);
        if (typeof b.email !== "string" || !b.email) throw new WcError(400, "rest_missing_callback_param", "Missing parameter(s): email", { status: 400, params: ["email"] });
        const c = ctx.shop.store.createCustomer({ email: b.email, firstName: b.first_name as string, lastName: b.last_name as string, username: b.username as string, billing: b.billing as never, meta: metaIn(b.meta_data) });
        return { status: 201, body: customerPayload(c, ctx.site), headers: { Location: `${ctx.origin}/wp-json/wc/v3/customers/${c.id}` } };
      },
    },
  }),
  route("customers/batch", { POST: { kind: "batch", run: batchCustomers }, PUT: { kind: "batch", run: batchCustomers }, PATCH: { kind: "batch", run: batchCustomers } }),
  route(`customers/${ID}`, {
    GET: { kind: "view", run: (ctx, m) => ({ status: 200, body: customerPayload(ctx.shop.store.getCustomer(idOf(m)), ctx.site) }) },
    POST: { kind: "edit", run: updateCustomer },
    PUT: { kind: "edit", run: updateCustomer },
    PATCH: { kind: "edit", run: updateCustomer },
    DELETE: {
      kind: "delete",
      run: (ctx, m) => {
        if (!boolParam(ctx, "force")) throw new WcError(501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing.");
        return { status: 200, body: customerPayload(ctx.shop.store.deleteCustomer(idOf(m)), ctx.site) };
      },
    },
  }),
  route("webhooks", {
    GET: {
      kind: "list",
      run: (ctx) => {
        const status = enumParam(ctx, "status", ["all", "active", "paused", "disabled"], "all");
        const items = [...ctx.shop.webhooks.webhooks.values()].filter((w) => status === "all" || w.status === status).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
        return paginate(ctx, items, (w) => webhookOut(ctx, w.id));
      },
    },
    POST: { kind: "create", run: createWebhook },
  }),
  route(`webhooks/${ID}`, {
    GET: { kind: "view", run: (ctx, m) => ({ status: 200, body: webhookOut(ctx, idOf(m)) }) },
    POST: { kind: "edit", run: (ctx, m) => updateWebhook(ctx, m) },
    PUT: { kind: "edit", run: (ctx, m) => updateWebhook(ctx, m) },
    PATCH: { kind: "edit", run: (ctx, m) => updateWebhook(ctx, m) },
    DELETE: {
      kind: "delete",
      run: (ctx, m) => {
        const body = webhookOut(ctx, idOf(m));
        if (!boolParam(ctx, "force")) throw new WcError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.");
        ctx.shop.webhooks.remove(idOf(m));
        return { status: 200, body };
      },
    },
  }),
  route("system_status", { GET: { kind: "list", run: (ctx) => ({ status: 200, body: systemStatusPayload(ctx.site, ctx.shop.storeId) }) } }),
];

function updateWebhook(ctx: Ctx, m: RegExpMatchArray): Answer {
  webhookOut(ctx, idOf(m));
  const b = bodyOf(ctx);
  ctx.shop.webhooks.update(idOf(m), {
    name: b.name as string | undefined,
    status: b.status as "active" | undefined,
    topic: b.topic as string | undefined,
    deliveryUrl: b.delivery_url as string | undefined,
    secret: b.secret as string | undefined,
  });
  return { status: 200, body: webhookOut(ctx, idOf(m)) };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  res.writeHead(status, { ...BASE_HEADERS, ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function serveRest(shop: WooShop, req: IncomingMessage, res: ServerResponse, url: URL, restRoute: string): Promise<void> {
  const raw = await readBody(req);
  const origin = `${isSsl(req) ? "https" : "http"}://${new URL(shop.home).host}`;
  const apiRoot = { Link: `<${origin}/wp-json/>; rel="https://api.w.org/"` };
  const method = (req.method ?? "GET").toUpperCase();
  let key: WcApiKey | null;
  try {
    key = authenticate({ req, url, home: shop.home, keys: shop.store.keys, clock: shop.clock });
  } catch (error) {
    if (error instanceof WcError) return send(res, error.status, error.body(), apiRoot);
    throw error;
  }
  // WordPress's own index: public site data, the time zone among it (site-index.ts).
  if ((restRoute === "/" || restRoute === "") && method === "GET") {
    if (shop.restIndexClosed && !key) {
      return send(res, 401, { code: "rest_not_logged_in", message: "You are not currently logged in.", data: { status: 401 } }, apiRoot);
    }
    return send(res, 200, siteIndexPayload(shop.site, origin, shop.clock.now()), apiRoot);
  }
  const matched = ROUTES.map((r) => ({ r, m: restRoute.match(r.pattern) })).find((x) => x.m);
  const handler = matched?.r.methods[method];
  if (!matched || !handler) {
    return send(res, 404, { code: "rest_no_route", message: "No route was found matching the URL and request method.", data: { status: 404 } }, apiRoot);
  }
  const headers = { ...apiRoot, Allow: Object.keys(matched.r.methods).join(", ") };
  let body: unknown = null;
  if (raw.length > 0) {
    const type = String(req.headers["content-type"] ?? "");
    try {
      body = type.includes("x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(raw.toString("utf8"))) : JSON.parse(raw.toString("utf8"));
    } catch {
      return send(res, 400, { code: "rest_invalid_json", message: "Invalid JSON body passed.", data: { status: 400, json_error_code: 4, json_error_message: "Syntax error" } }, headers);
    }
  }
  const ctx: Ctx = { req, url, method, body, key, shop, site: shop.site, origin };
  try {
    if (!key) {
      // WordPress validates a collection's parameters (per_page, status, dates) before its permission callback.
      if (handler.kind === "list") handler.run(ctx, matched.m!);
      const [code, message] = FORBIDDEN[handler.kind];
      throw new WcError(401, code, message);
    }
    const answer = handler.run(ctx, matched.m!);
    send(res, answer.status, answer.body, { ...headers, ...answer.headers });
  } catch (error) {
    if (error instanceof WcError) return send(res, error.status, error.body(), headers);
    throw error;
  }
}

export async function startWooSimulator(options: WooSimulatorOptions = {}): Promise<WooSimulator> {
  const clock = options.clock ?? systemClock;
  const shop = new WooShop({
    clock,
    seed: options.seed ?? 1,
    data: options.data,
    currency: options.currency,
    timeZone: options.timeZone,
    webhookDelivery: options.webhookDelivery,
    admin: options.admin,
  });
  const faults = { current: options.faults ? new RequestFaults(options.faults, options.faults.seed ?? options.seed ?? 1) : null };
  shop.onFaults((f) => (faults.current = f ? new RequestFaults(f, f.seed ?? options.seed ?? 1) : null));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const done = (error: unknown) => {
      if (!res.headersSent) send(res, 500, { code: "internal_server_error", message: String(error), data: { status: 500 } }, {});
    };
    if (url.pathname.startsWith("/__sim/")) {
      handleControl(shop, req, res, url).catch(done);
      return;
    }
    if (url.pathname.startsWith("/wc-auth/v1/")) {
      handleWcAuth(shop, req, res, url).catch(done);
      return;
    }
    const restRoute = url.pathname.startsWith("/wp-json/") ? url.pathname.slice("/wp-json".length) : url.searchParams.get("rest_route");
    if (restRoute === null) {
      send(res, 404, "<!DOCTYPE html><title>Page not found</title>", { "Content-Type": "text/html; charset=UTF-8" });
      return;
    }
    const fault = faults.current?.draw();
    if (fault?.kind === "timeout") {
      setTimeout(() => req.socket.destroy(), fault.ms);
      return;
    }
    if (fault?.kind === "http") {
      send(res, fault.status, { code: "http_error", message: `Simulated ${fault.status}`, data: { status: fault.status } }, fault.status === 429 ? { "Retry-After": "1" } : {});
      return;
    }
    serveRest(shop, req, res, url, restRoute).catch(done);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  shop.attach(url);
  for (const k of options.keys ?? []) shop.addKey(k);
  return {
    url,
    port,
    shop,
    settle: () => shop.settle(),
    stop: async () => {
      shop.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
