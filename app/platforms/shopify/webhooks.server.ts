/**
 * Shopify webhooks → neutral StoreEvents. Verification (size cap, HMAC) and parsing live
 * here; what the events do to our data is applied once, for every platform, by
 * app/sync/apply-events.server.ts.
 *
 * The signature is checked over the raw bytes with the app's secret. Payloads are parsed from the raw body keeping 64-bit ids whole (webhook-body.server.ts)
 * and checked against Shopify's documented samples (test/shopify-samples/). A malformed
 * payload answers 400 and writes nothing — except an order we can still name, which is
 * kept and re-read so nothing is lost.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { env } from "~/env.server";
import type { StoreEvent, VerifiedDelivery } from "../types";
import { parseBulkOperationFinish } from "./bulk-finish.server";
import { customerGid, orderGid } from "./ids";
import { orderFromWebhook, orderGidOf, WebhookOrder, WebhookOrderId } from "./orders";
import { parseJsonKeepingIds, readBodyCapped } from "./webhook-body.server";

export class WebhookPayloadError extends Error {
  constructor(topic: string, detail: string) {
    super(`${topic}: malformed payload: ${detail}`);
    this.name = "WebhookPayloadError";
  }
}

/** The topics we subscribe to (shopify.app.toml), as the X-Shopify-Topic header names them. */
export const WEBHOOK_TOPICS = [
  "app/uninstalled",
  "orders/create",
  "orders/updated",
  "orders/cancelled",
  "orders/delete",
  "refunds/create",
  "customers/update",
  "customers/delete",
  "bulk_operations/finish",
  "customers/data_request",
  "customers/redact",
  "shop/redact",
] as const;

const TOPIC_BY_ENUM = new Map(WEBHOOK_TOPICS.map((t) => [t.replace("/", "_").toUpperCase(), t]));

/**
 * "orders/create" | "ORDERS_CREATE" → "orders/create". The library's enum cannot be split
 * by rule ("BULK_OPERATIONS_FINISH" vs "CUSTOMERS_DATA_REQUEST"), so known topics map by name.
 */
export function normalizeTopic(topic: string): string {
  if (topic.includes("/")) return topic.toLowerCase();
  return TOPIC_BY_ENUM.get(topic.toUpperCase()) ?? topic.toLowerCase();
}

/** A REST id: a safe integer, or the digit string of a larger one (parsed keeping digits). */
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "must be a numeric id")]).transform(String);
const CustomerRef = z.object({
  id: Id,
  email: z.string().nullable().optional(),
});
const CustomersRedact = z.object({
  customer: CustomerRef,
  orders_to_redact: z.array(Id).default([]),
});
const CustomersDataRequest = z.object({
  customer: CustomerRef,
  orders_requested: z.array(Id).default([]),
  data_request: z.object({ id: Id }),
});
const RefundCreate = z.object({ order_id: Id });
const CustomerUpdate = z.object({
  id: Id,
  email: z.string().nullable().optional(),
  admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/).optional(),
});
/** Compliance bodies name the shop they concern; the X-Shopify-Shop-Domain header is not signed. */
const ShopDomainInBody = z.object({ shop_domain: z.string().trim().min(1, "required in the signed body") });

function parse<T>(schema: z.ZodType<T, unknown>, topic: string, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new WebhookPayloadError(topic, `${first.path.join(".") || "(body)"}: ${first.message}`);
  }
  return result.data;
}

const ORDER_TOPICS = new Set(["orders/create", "orders/updated", "orders/cancelled"]);

/**
 * A body signed for one shop sent with another shop's header is refused (400, nothing written):
 * shop/redact must name its shop; the customer requests are checked when they name one.
 */
function requireSameShop(topic: string, payload: unknown, headerDomain: string, required: boolean): string {
  const named = payload && typeof payload === "object" ? (payload as { shop_domain?: unknown }).shop_domain : undefined;
  if (!required && (named === undefined || named === null)) return headerDomain;
  const { shop_domain } = parse(ShopDomainInBody, topic, payload);
  if (shop_domain.toLowerCase() !== headerDomain.trim().toLowerCase()) {
    throw new WebhookPayloadError(topic, `shop_domain ${shop_domain} does not match the X-Shopify-Shop-Domain header ${headerDomain}`);
  }
  return shop_domain.toLowerCase();
}

/** What a Shopify delivery means. Throws WebhookPayloadError (400) for a payload it cannot read. */
export function shopifyEvents(topicHeader: string, payload: unknown, headerDomain: string, rawBody: string): StoreEvent[] {
  const topic = normalizeTopic(topicHeader);
  try {
    return eventsOf(topic, payload, headerDomain);
  } catch (err) {
    const orderId = err instanceof WebhookPayloadError && ORDER_TOPICS.has(topic) ? orderGidOf(payload) : null;
    if (!orderId) throw err;
    return [{ type: "order.unreadable", orderId, error: (err as Error).message, body: rawBody }];
  }
}

function eventsOf(topic: string, payload: unknown, headerDomain: string): StoreEvent[] {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled": {
      const { order, refundsConverted, linesKnown } = orderFromWebhook(parse(WebhookOrder, topic, payload));
      // Lines without `selling_plan_id` (an API version before 2026-10) wait for an Admin API
      // re-read; refunds converted from another currency are re-read for their exact shop money.
      return [{ type: "order.upserted", order, awaitsReread: !linesKnown, rereadAnyway: refundsConverted }];
    }
    case "orders/delete":
      return [{ type: "order.deleted", orderId: orderGid(parse(WebhookOrderId, topic, payload).id) }];
    case "refunds/create":
      // The payload is the refund; the order is re-read for its refunded total in shop money.
      return [{ type: "order.refetch", orderId: orderGid(parse(RefundCreate, topic, payload).order_id) }];
    case "customers/update": {
      const c = parse(CustomerUpdate, topic, payload);
      return [{ type: "customer.updated", customerKey: c.admin_graphql_api_id ?? customerGid(c.id), email: c.email }];
    }
    case "customers/delete": {
      const c = parse(CustomerUpdate, topic, payload);
      return [{ type: "customer.deleted", customerKey: c.admin_graphql_api_id ?? customerGid(c.id) }];
    }
    case "customers/redact": {
      const r = parse(CustomersRedact, topic, payload);
      requireSameShop(topic, payload, headerDomain, false);
      return [
        { type: "customer.redact", customerKey: customerGid(r.customer.id), email: r.customer.email ?? null, orderIds: r.orders_to_redact.map(orderGid) },
      ];
    }
    case "customers/data_request": {
      const r = parse(CustomersDataRequest, topic, payload);
      requireSameShop(topic, payload, headerDomain, false);
      return [
        {
          type: "customer.dataRequest",
          requestId: r.data_request.id,
          customerKey: customerGid(r.customer.id),
          email: r.customer.email ?? null,
          orderIds: r.orders_requested.map(orderGid),
        },
      ];
    }
    case "shop/redact":
      return [{ type: "shop.redact", bodyDomain: requireSameShop(topic, payload, headerDomain, true) }];
    case "app/uninstalled":
      return [{ type: "app.uninstalled" }];
    case "bulk_operations/finish":
      try {
        return [{ type: "sync.operationFinished", payload: parseBulkOperationFinish(payload) }];
      } catch (err) {
        throw new WebhookPayloadError(topic, err instanceof Error ? err.message.replace(/^.*malformed payload: /, "") : String(err));
      }
    default:
      return [];
  }
}

/**
 * A Shopify webhook request → a verified delivery, or the Response to answer: 405 for a
 * wrong method, 413 for an oversized body (before verification), 400 for missing headers,
 * 401 for a bad HMAC, 400 for a payload we cannot read.
 */
export async function receiveShopifyWebhook(request: Request): Promise<VerifiedDelivery | Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const body = await readBodyCapped(request);
  if (!body.ok) return body.response;

  const header = (name: string) => request.headers.get(name)?.trim() || null;
  const missing = REQUIRED_HEADERS.filter((name) => !header(name));
  if (missing.length > 0) return new Response(`Missing headers: ${missing.join(", ")}`, { status: 400 });
  if (!signedByShopify(body.text, header("X-Shopify-Hmac-Sha256")!)) return new Response(null, { status: 401 });
  const shop = header("X-Shopify-Shop-Domain")!;
  const topic = normalizeTopic(header("X-Shopify-Topic")!);
  let payload: unknown;
  try {
    payload = parseJsonKeepingIds(body.text);
  } catch {
    // A correctly signed body that is not JSON.
    return new Response("Malformed JSON", { status: 400 });
  }
  try {
    return {
      shopDomain: shop,
      eventId: header("X-Shopify-Event-Id") ?? header("X-Shopify-Webhook-Id")!,
      topic,
      events: shopifyEvents(topic, payload, shop, body.text),
      rawBody: body.text,
    };
  } catch (err) {
    if (err instanceof WebhookPayloadError) return new Response(err.message, { status: 400 });
    throw err;
  }
}

/** What Shopify sends with every delivery (the library's own check, without loading the shop's session). */
const REQUIRED_HEADERS = ["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"];

/**
 * The HMAC-SHA256 of the raw body with the app's secret, compared in constant time. Checked
 * here rather than through the library's authenticate.webhook, which also loads and decrypts
 * the shop's offline session for every delivery (about 15 ms each) — a webhook needs none.
 */
function signedByShopify(rawBody: string, given: string): boolean {
  const expected = createHmac("sha256", env().SHOPIFY_API_SECRET).update(rawBody, "utf8").digest();
  const got = Buffer.from(given, "base64");
  return got.length === expected.length && timingSafeEqual(got, expected);
}
