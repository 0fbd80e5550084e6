/**
 * Deliveries a simulator held, posted as signed to the app's webhook route one by one and left
 * in the inbox unapplied (the harnesses apply each delivery before answering), for tests about
 * what the applier does with a backlog.
 */
import { expect } from "vitest";
import type { Db } from "~/db/index.server";
import type { DeliveryRecord } from "../../sim/kit/webhook-delivery";

type RouteAction = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

export async function storeUnapplied(deliveries: readonly DeliveryRecord[], action: RouteAction): Promise<void> {
  for (const d of deliveries) {
    const response = await action({ request: new Request(d.url, { method: "POST", headers: d.headers, body: d.body }), params: {}, context: {} });
    expect(response.headers.get("X-RFM-Webhook")).toBe("stored");
  }
}

/** Inbox rows of a topic not applied yet. */
export async function pendingOf(db: Db, topic: string): Promise<number> {
  return Number(await db.prepare(`SELECT count(*) FROM "WebhookInbox" WHERE appliedAt IS NULL AND topic = ?`).pluck().get(topic));
}
