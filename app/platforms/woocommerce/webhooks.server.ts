/**
 * WooCommerce webhooks → neutral StoreEvents. What the events do to our data is applied once,
 * for every platform, by app/sync/apply-events.server.ts.
 *
 * - The store is named by `X-WC-Webhook-Source` (its home URL); the body must carry
 *   `X-WC-Webhook-Signature` = base64 HMAC-SHA256 of the raw body with that store's own
 *   secret (the one we registered): anything else is 401 and nothing is written.
 * - A new webhook is pinged with an unsigned form body `webhook_id=N` and pinged again on
 *   every save until it is answered 200: answered 200, nothing else.
 * - `order.deleted` carries only `{id}` and means "trashed" (restorable), not gone: the order
 *   is re-read, and the re-read decides (trashed → not counted; 404 → deleted).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Db } from "~/db/index.server";
import type { StoreEvent, VerifiedDelivery } from "../types";
import { readBodyCapped } from "../webhook-body.server";
import { credentialsForSite } from "./credentials.server";
import { mapWooCommerceOrder, orderIdOf, WooCommerceOrderError, wooCustomerKey, wooOrderId } from "./orders";

export class WooWebhookPayloadError extends Error {
  constructor(topic: string, detail: string) {
    super(`${topic}: malformed payload: ${detail}`);
    this.name = "WooWebhookPayloadError";
  }
}

/** base64 HMAC-SHA256 of the raw body, as WooCommerce signs deliveries. */
export function wooSignature(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("base64");
}

function signatureMatches(rawBody: string, secret: string, given: string): boolean {
  const expected = Buffer.from(wooSignature(rawBody, secret));
  const actual = Buffer.from(given.trim());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const IdOnly = z.object({ id: z.number().int().positive() }).passthrough();
const Customer = z.object({ id: z.number().int().positive(), email: z.string().nullable().optional() }).passthrough();

function parse<T>(schema: z.ZodType<T, unknown>, topic: string, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new WooWebhookPayloadError(topic, `${first.path.join(".") || "(body)"}: ${first.message}`);
  }
  return result.data;
}

const ORDER_BODY_TOPICS = new Set(["order.created", "order.updated", "order.restored"]);

/** What a WooCommerce delivery means. Throws WooWebhookPayloadError (400) for a payload it cannot read. */
export function wooEvents(topic: string, payload: unknown, storeCurrency: string, rawBody: string): StoreEvent[] {
  if (ORDER_BODY_TOPICS.has(topic)) {
    try {
      // REST orders (and their webhook bodies) are complete: no re-read needed. A stale
      // delivery (older date_modified_gmt than ours) is refused by the order store.
      return [{ type: "order.upserted", order: mapWooCommerceOrder(payload, storeCurrency).order, awaitsReread: false }];
    } catch (err) {
      const id = orderIdOf(payload);
      if (!(err instanceof WooCommerceOrderError) || id === null) {
        throw new WooWebhookPayloadError(topic, err instanceof Error ? err.message : String(err));
      }
      return [{ type: "order.unreadable", orderId: wooOrderId(id), error: err.message, body: rawBody }];
    }
  }
  switch (topic) {
    case "order.deleted":
      // Trash, not deletion: the re-read decides (decision 015, "Trash is not deletion").
      return [{ type: "order.refetch", orderId: wooOrderId(parse(IdOnly, topic, payload).id) }];
    case "customer.updated": {
      const c = parse(Customer, topic, payload);
      return [{ type: "customer.updated", customerKey: wooCustomerKey(c.id), email: c.email }];
    }
    case "customer.deleted":
      return [{ type: "customer.deleted", customerKey: wooCustomerKey(parse(IdOnly, topic, payload).id) }];
    default:
      return [];
  }
}

/**
 * The dedupe key. `X-WC-Webhook-Delivery-ID` is not unique: it is a hash of the webhook id and
 * the current second, so two deliveries of one webhook in the same second share it. What makes
 * a delivery the same delivery is its content: topic + resource id + a hash of the body (which
 * holds date_modified_gmt), so a re-sent copy is a duplicate and any change is new.
 * `*.deleted` bodies are only `{id}` and repeat after trash → restore → trash, so there the
 * delivery id (webhook + second) is added: only copies within one second collapse, and those
 * are the same fact.
 */
export function wooEventId(topic: string, rawBody: string, payload: unknown, deliveryId: string | null): string {
  const resource = payload && typeof payload === "object" ? (payload as { id?: unknown }).id : undefined;
  const hash = createHash("sha256").update(rawBody).digest("base64url").slice(0, 22);
  const base = `${topic}:${typeof resource === "number" || typeof resource === "string" ? resource : "-"}:${hash}`;
  return topic.endsWith(".deleted") ? `${base}:${deliveryId ?? ""}` : base;
}

const isPing = (request: Request, body: string) =>
  /^webhook_id=\d+$/.test(body.trim()) && !request.headers.has("x-wc-webhook-signature");

/**
 * A WooCommerce webhook request → a verified delivery, or the Response to answer: 405 for a
 * wrong method, 413 for an oversized body (before verification), 200 for the ping, 401 for an
 * unknown store or a bad signature, 400 for a payload we cannot read.
 */
export async function receiveWooWebhook(request: Request, db: Db): Promise<VerifiedDelivery | Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const body = await readBodyCapped(request);
  if (!body.ok) return body.response;
  if (isPing(request, body.text)) return new Response(null, { status: 200, headers: { "X-RFM-Webhook": "ping" } });

  const source = request.headers.get("x-wc-webhook-source");
  const signature = request.headers.get("x-wc-webhook-signature");
  const topic = request.headers.get("x-wc-webhook-topic")?.trim().toLowerCase();
  const store = source ? await credentialsForSite(db, source) : null;
  if (!store || !signature || !signatureMatches(body.text, store.webhookSecret, signature)) {
    return new Response("Unauthorized", { status: 401 });
  }
  if (!topic) return new Response("Missing X-WC-Webhook-Topic", { status: 400 });
  let payload: unknown;
  try {
    payload = JSON.parse(body.text);
  } catch {
    return new Response("Malformed JSON", { status: 400 });
  }
  try {
    return {
      shopDomain: store.domain,
      eventId: wooEventId(topic, body.text, payload, request.headers.get("x-wc-webhook-delivery-id")),
      topic,
      events: wooEvents(topic, payload, store.currency, body.text),
      rawBody: body.text,
    };
  } catch (err) {
    if (err instanceof WooWebhookPayloadError) return new Response(err.message, { status: 400 });
    throw err;
  }
}
