import type { ActionFunctionArgs } from "@remix-run/node";
import { env } from "~/env.server";
import { adapterFor } from "~/platforms/registry.server";
import { services } from "~/services.server";
import { applyDelivery } from "~/sync/apply-events.server";

/**
 * WooCommerce's webhooks (the topics we register per store): the adapter verifies and parses
 * (405/413/401/400; the ping is answered 200), the events are applied in one transaction.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const received = await adapterFor("woocommerce").receiveWebhook(request);
  if (received instanceof Response) return received;
  const { db, store, runner } = services();
  const outcome = applyDelivery(received, {
    db,
    store,
    queue: runner.queue,
    adapterFor,
    recomputeDelayMs: env().RECOMPUTE_DEBOUNCE_MS,
  });
  return new Response(null, { status: 200, headers: { "X-RFM-Webhook": outcome } });
};
