import type { ActionFunctionArgs } from "@remix-run/node";
import { env } from "~/env.server";
import { services } from "~/services.server";
import { authenticate } from "~/shopify.server";
import { processShopifyWebhook, WebhookPayloadError } from "~/stores/shopify/webhooks.server";

/**
 * Every Shopify webhook topic (see shopify.app.toml). authenticate.webhook answers
 * 405/401/400 itself for a wrong method, a bad HMAC or missing headers.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  let delivery;
  try {
    delivery = await authenticate.webhook(request);
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
        topic: delivery.topic,
        eventId: ("eventId" in delivery && delivery.eventId) || delivery.webhookId,
        payload: delivery.payload,
      },
      { db, store, queue: runner.queue, recomputeDelayMs: config.RECOMPUTE_DEBOUNCE_MS },
    );
    return new Response(null, { status: 200, headers: { "X-RFM-Webhook": outcome } });
  } catch (err) {
    if (err instanceof WebhookPayloadError) return new Response(err.message, { status: 400 });
    throw err;
  }
};
