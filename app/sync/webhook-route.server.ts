/**
 * What every platform's webhook route does: its adapter verifies and parses the request
 * (or answers it: 405/413/401/400, a ping), then the events are applied in one transaction.
 * The outcome goes back in X-RFM-Webhook.
 */
import { env } from "~/env.server";
import { adapterFor } from "~/platforms/registry.server";
import type { Platform } from "~/platforms/types";
import { services } from "~/services.server";
import { applyDelivery } from "./apply-events.server";

export async function receiveWebhookFor(platform: Platform, request: Request): Promise<Response> {
  const received = await adapterFor(platform).receiveWebhook(request);
  if (received instanceof Response) return received;
  const { db, store, runner } = services();
  const outcome = await applyDelivery(received, {
    db,
    store,
    queue: runner.queue,
    adapterFor,
    recomputeDelayMs: env().RECOMPUTE_DEBOUNCE_MS,
  });
  return new Response(null, { status: 200, headers: { "X-RFM-Webhook": outcome } });
}
