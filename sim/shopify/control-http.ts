import { decimalToCents } from "../kit/money";
import type { FaultOptions } from "./faults";
import type { SimShop, ShopOptions } from "./shop";
import type { NewLineItem, NewOrder } from "./store";
import { generateSeed, type SeedOptions } from "./seed";
import type { BucketSettings } from "./throttle";
import type { DeliveryBehavior } from "./webhooks";

/**
 * HTTP control API for the standalone simulator (`npm run sim`), mirroring the JS control functions:
 *
 *   GET    /__sim/health
 *   GET    /__sim/shops                                   list shops
 *   POST   /__sim/shops                                   {domain, seed?: SeedOptions, ...ShopOptions}
 *   POST   /__sim/session-token                           {shop, userId?} → {token} (for token exchange)
 *   POST   /__sim/shops/:shop/tokens                      {scopes?} → {access_token}
 *   POST   /__sim/shops/:shop/customers                   create (customers/create)
 *   PATCH  /__sim/shops/:shop/customers/:id               update (customers/update)
 *   DELETE /__sim/shops/:shop/customers/:id?force=1       delete (customers/delete)
 *   POST   /__sim/shops/:shop/orders                      create (orders/create); line prices as "12.50" or unitPriceCents
 *   PATCH  /__sim/shops/:shop/orders/:id                  update (orders/updated)
 *   POST   /__sim/shops/:shop/orders/:id/cancel           {reason?, refund?} (orders/cancelled)
 *   POST   /__sim/shops/:shop/orders/:id/refunds          {amount?, lines?: [{lineItemId, quantity}]} (refunds/create)
 *   DELETE /__sim/shops/:shop/orders/:id                  (orders/delete)
 *   POST   /__sim/shops/:shop/uninstall | /install
 *   POST   /__sim/shops/:shop/compliance/customers-data-request | customers-redact   {customerId}
 *   POST   /__sim/shops/:shop/compliance/shop-redact
 *   GET    /__sim/shops/:shop/stats          DELETE to reset
 *   PUT    /__sim/shops/:shop/faults                      FaultOptions
 *   PUT    /__sim/shops/:shop/throttle                    {restoreRate?, maximumAvailable?, drainTo?}
 *   PUT    /__sim/shops/:shop/webhooks/behavior           {duplicate?, delayMs?}
 *   POST   /__sim/shops/:shop/webhooks/hold | /webhooks/release {order?: fifo|reverse|shuffle}
 *   GET    /__sim/shops/:shop/webhooks/deliveries
 *   GET    /__sim/shops/:shop/flow-triggers
 *   GET    /__sim/shops/:shop/truth                       the seed's truth
 */

export interface ControlHost {
  shop(domain: string): SimShop | undefined;
  listShops(): SimShop[];
  addShop(options: ShopOptions): SimShop;
  sessionToken(shop: string, options?: { userId?: number }): string;
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function lineItems(input: unknown): NewLineItem[] {
  if (!Array.isArray(input)) throw new HttpError(400, "lineItems must be an array");
  return input.map((raw) => {
    const line = raw as Json;
    const unitPriceCents =
      typeof line.unitPriceCents === "number" ? line.unitPriceCents : line.price !== undefined ? decimalToCents(line.price as string) : NaN;
    if (!Number.isFinite(unitPriceCents)) throw new HttpError(400, "each line item needs price or unitPriceCents");
    return {
      title: typeof line.title === "string" ? line.title : undefined,
      sku: typeof line.sku === "string" ? line.sku : null,
      quantity: Number(line.quantity ?? 1),
      unitPriceCents,
      discountCents: typeof line.discountCents === "number" ? line.discountCents : 0,
      sellingPlan: line.sellingPlan ? (line.sellingPlan as { name: string }) : null,
    };
  });
}

function customerId(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const match = /(\d+)$/.exec(String(value));
  if (!match) throw new HttpError(400, `bad customer id ${String(value)}`);
  return Number(match[1]);
}

function summary(shop: SimShop) {
  return {
    domain: shop.domain,
    name: shop.store.shop.name,
    plan: shop.plan,
    installed: shop.installed,
    customers: shop.store.customers.size,
    orders: shop.store.orders.size,
  };
}

export async function handleControl(
  host: ControlHost,
  method: string,
  path: string[],
  query: URLSearchParams,
  body: Json
): Promise<ControlResponse> {
  try {
    return { status: 200, body: await route(host, method, path, query, body) };
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, body: { error: error.message } };
    return { status: 422, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}

async function route(host: ControlHost, method: string, path: string[], query: URLSearchParams, body: Json): Promise<unknown> {
  const [head, shopDomain, resource, id, action] = path;
  if (head === "health") return { ok: true };
  if (head === "session-token" && method === "POST") {
    return { token: host.sessionToken(String(body.shop), { userId: typeof body.userId === "number" ? body.userId : undefined }) };
  }
  if (head !== "shops") throw new HttpError(404, "unknown control endpoint");
  if (shopDomain === undefined) {
    if (method === "GET") return host.listShops().map(summary);
    if (method === "POST") {
      const { seed, ...options } = body as unknown as ShopOptions & { seed?: SeedOptions };
      return summary(host.addShop({ ...options, data: seed ? generateSeed(seed) : undefined }));
    }
    throw new HttpError(405, "method not allowed");
  }
  const shop = host.shop(shopDomain);
  if (!shop) throw new HttpError(404, `unknown shop ${shopDomain}`);
  const key = `${method} ${resource ?? ""}${id !== undefined ? "/:id" : ""}${action !== undefined ? `/${action}` : ""}`;

  switch (key) {
    case "GET ":
      return summary(shop);
    case "POST tokens":
      return { access_token: shop.issueAccessToken({ scopes: Array.isArray(body.scopes) ? (body.scopes as string[]) : undefined }) };
    case "POST customers":
      return shop.createCustomer(body as never);
    case "PATCH customers/:id":
      return shop.updateCustomer(id, body as never);
    case "DELETE customers/:id":
      shop.deleteCustomer(id, { force: query.get("force") === "1" });
      return { deleted: true };
    case "POST orders": {
      const input: NewOrder = {
        ...(body as Partial<NewOrder>),
        customerId: customerId(body.customerId),
        lineItems: lineItems(body.lineItems),
      };
      return shop.store.restOrder(shop.createOrder(input));
    }
    case "PATCH orders/:id": {
      const patch = { ...(body as Json) } as Parameters<SimShop["updateOrder"]>[1];
      if (body.lineItems !== undefined) patch.lineItems = lineItems(body.lineItems);
      if (body.customerId !== undefined) patch.customerId = customerId(body.customerId);
      return shop.store.restOrder(shop.updateOrder(id, patch));
    }
    case "POST orders/:id/cancel":
      return shop.store.restOrder(
        shop.cancelOrder(id, { reason: body.reason as string | undefined, refund: body.refund as boolean | undefined })
      );
    case "POST orders/:id/refunds": {
      const refund = shop.refundOrder(id, {
        amountCents: body.amount !== undefined ? decimalToCents(body.amount as string) : undefined,
        lines: body.lines as { lineItemId: number; quantity: number }[] | undefined,
        note: (body.note as string | undefined) ?? null,
      });
      return { id: refund.id, amount_cents: refund.amountCents };
    }
    case "DELETE orders/:id":
      shop.deleteOrder(id);
      return { deleted: true };
    case "POST uninstall":
      shop.uninstall();
      return summary(shop);
    case "POST install":
      shop.install();
      return summary(shop);
    case "POST compliance/:id":
      if (id === "customers-data-request") shop.requestCustomerData(String(body.customerId));
      else if (id === "customers-redact") shop.redactCustomer(String(body.customerId));
      else if (id === "shop-redact") shop.redactShop();
      else throw new HttpError(404, `unknown compliance topic ${id}`);
      return { sent: id };
    case "GET stats":
      return shop.stats();
    case "DELETE stats":
      shop.resetStats();
      return { reset: true };
    case "PUT faults":
      shop.setFaults(body as FaultOptions);
      return shop.faults.settings;
    case "PUT throttle": {
      const { drainTo, ...settings } = body as Partial<BucketSettings> & { drainTo?: number };
      shop.setThrottle(settings);
      if (typeof drainTo === "number") shop.bucket.drainTo(drainTo);
      return shop.bucket.status();
    }
    case "PUT webhooks/:id":
      if (id !== "behavior") throw new HttpError(404, "unknown webhooks endpoint");
      shop.setWebhookBehavior(body as DeliveryBehavior);
      return shop.webhooks.behavior;
    case "POST webhooks/:id":
      if (id === "hold") shop.webhooks.hold();
      else if (id === "release") shop.webhooks.release((body.order as "fifo" | "reverse" | "shuffle" | undefined) ?? "fifo");
      else throw new HttpError(404, "unknown webhooks endpoint");
      return { ok: true };
    case "GET webhooks/:id":
      if (id !== "deliveries") throw new HttpError(404, "unknown webhooks endpoint");
      return shop.webhooks.deliveries.map(({ body: _body, ...rest }) => rest);
    case "GET flow-triggers":
      return shop.flowTriggerCalls;
    case "GET truth":
      return shop.truth;
    default:
      throw new HttpError(404, `unknown control endpoint ${method} /__sim/${path.join("/")}`);
  }
}
