/**
 * Our webhooks in a WooCommerce store: registered at connect with the store's own secret,
 * checked on every reconciliation pass and healed. WooCommerce never retries a failed
 * delivery and disables a webhook after repeated failures (or a merchant deletes it), so a
 * webhook found `disabled`/`paused` is set active again and a missing one is created again;
 * the caller then reconciles the gap.
 */
import type { WooClient } from "./client.server";

/** The topics the app listens to. */
export const WEBHOOK_TOPICS = [
  "order.created",
  "order.updated",
  "order.deleted",
  "order.restored",
  "customer.updated",
  "customer.deleted",
] as const;

export const WEBHOOK_NAME_PREFIX = "RFM Personas";

interface WcWebhook {
  id: number;
  name: string;
  status: string;
  topic: string;
  delivery_url: string;
}

export interface WebhookHealth {
  /** topic → the store's webhook id, after healing. */
  ids: Record<string, number>;
  created: string[];
  reactivated: string[];
}

async function listWebhooks(client: WooClient): Promise<WcWebhook[]> {
  const all: WcWebhook[] = [];
  // status=all: the default lists every status too, but say so (disabled ones are the point).
  for await (const w of client.all<WcWebhook>("webhooks", { status: "all" })) all.push(w);
  return all;
}

/**
 * Makes sure each topic has an active webhook of ours: ours are the ids we recorded, or
 * (when none recorded survives) one delivering to our URL. A missing webhook is created
 * where the others deliver (the URL the app was connected with), else at `deliveryUrl`.
 */
export async function ensureWebhooks(
  client: WooClient,
  options: { secret: string; deliveryUrl: string; known: Record<string, number> },
): Promise<WebhookHealth> {
  const existing = await listWebhooks(client);
  const byId = new Map(existing.map((w) => [w.id, w]));
  const knownIds = new Set(Object.values(options.known));
  const ours = existing.filter((w) => knownIds.has(w.id));
  const deliveryUrl = ours.find((w) => w.status === "active")?.delivery_url ?? ours[0]?.delivery_url ?? options.deliveryUrl;
  const health: WebhookHealth = { ids: {}, created: [], reactivated: [] };
  for (const topic of WEBHOOK_TOPICS) {
    const recorded = options.known[topic] !== undefined ? byId.get(options.known[topic]) : undefined;
    const found = recorded ?? existing.find((w) => w.topic === topic && w.delivery_url === deliveryUrl);
    if (found && found.topic === topic) {
      if (found.status !== "active") {
        await client.put(`webhooks/${found.id}`, { status: "active" });
        health.reactivated.push(topic);
      }
      health.ids[topic] = found.id;
      continue;
    }
    const { data } = await client.post<WcWebhook>("webhooks", {
      name: `${WEBHOOK_NAME_PREFIX} ${topic}`,
      topic,
      delivery_url: deliveryUrl,
      secret: options.secret,
      status: "active",
    });
    health.ids[topic] = data.id;
    health.created.push(topic);
  }
  return health;
}

/** Removes our webhooks (disconnect); ones already gone are fine. */
export async function removeWebhooks(client: WooClient, known: Record<string, number>): Promise<void> {
  for (const id of new Set(Object.values(known))) {
    try {
      await client.delete(`webhooks/${id}`, { force: true });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }
}
