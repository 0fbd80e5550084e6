/**
 * What every platform's webhook route does: its adapter verifies and reads the request over
 * the raw bytes (or answers it: 405/413/401/400, a ping); the delivery is then stored in the
 * inbox in ONE insert (no transaction, no job per delivery) and acknowledged. Applying it
 * happens off the request path, in arrival order, in batches (the `apply-inbox` job, woken
 * once per burst: docs/decisions/032-webhook-inbox.md, 034-lean-webhook-receipt.md).
 * `X-RFM-Webhook: stored` and `X-RFM-Inbox: <id>` say where it went.
 *
 * The one receipt for every server: the webhook routes call it, and the production server
 * calls those routes' actions on the raw Node request before Express and Remix
 * (app/server/webhook-fast-path.server.ts, docs/decisions/037-webhook-fast-path.md).
 */
import { adapterFor } from "~/platforms/registry.server";
import type { Platform } from "~/platforms/types";
import { services } from "~/services.server";
import { storeDelivery } from "./inbox.server";

export async function receiveWebhookFor(platform: Platform, request: Request): Promise<Response> {
  const received = await adapterFor(platform).receiveWebhook(request);
  if (received instanceof Response) return received;
  // Nothing the platform cares about (no event we act on): acknowledged, nothing stored.
  if (received.events.length === 0) return new Response(null, { status: 200, headers: { "X-RFM-Webhook": "ignored" } });
  const { db, runner } = services();
  const id = await storeDelivery(db, runner.queue, platform, received);
  return new Response(null, { status: 200, headers: { "X-RFM-Webhook": "stored", "X-RFM-Inbox": String(id) } });
}
