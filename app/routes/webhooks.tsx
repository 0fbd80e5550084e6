import type { ActionFunctionArgs } from "@remix-run/node";
import { env } from "~/env.server";
import { services } from "~/services.server";
import { authenticate } from "~/platforms/shopify/shopify.server";
import { parseJsonKeepingIds, readBodyCapped } from "~/platforms/shopify/webhook-body.server";
import { processShopifyWebhook, WebhookPayloadError } from "~/platforms/shopify/webhooks.server";

/**
 * Every Shopify webhook topic (see shopify.app.toml). The body is read with a size cap
 * before anything else (413), then authenticate.webhook answers 401/400 itself for a bad
 * HMAC or missing headers. The payload is parsed from the same raw
 * bytes keeping 64-bit ids whole (the library's own parse rounds them).
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const body = await readBodyCapped(request);
  if (!body.ok) return body.response;

  let delivery;
  try {
    delivery = await authenticate.webhook(
      new Request(request.url, { method: "POST", headers: request.headers, body: body.text }),
    );
  } catch (err) {
    if (err instanceof Response) throw err;
    // A correctly signed body that is not JSON.
    if (err instanceof SyntaxError) return new Response("Malformed JSON", { status: 400 });
    throw err;
  }
  const { db, store, runner } = services();
  const config = env();
  try {
    const outcome = processShopifyWebhook(
      {
        shop: delivery.shop,
        topic: request.headers.get("X-Shopify-Topic") ?? delivery.topic,
        eventId: ("eventId" in delivery && delivery.eventId) || delivery.webhookId,
        payload: parseJsonKeepingIds(body.text),
        rawBody: body.text,
      },
      { db, store, queue: runner.queue, recomputeDelayMs: config.RECOMPUTE_DEBOUNCE_MS },
    );
    return new Response(null, { status: 200, headers: { "X-RFM-Webhook": outcome } });
  } catch (err) {
    if (err instanceof WebhookPayloadError) return new Response(err.message, { status: 400 });
    throw err;
  }
};
