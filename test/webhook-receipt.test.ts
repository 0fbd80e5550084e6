/**
 * Webhook receipt as the request sees it (docs/decisions/032): verified over the raw bytes,
 * stored in the inbox, acknowledged — nothing applied yet; refused deliveries store nothing.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { services } from "~/services.server";
import { addShop } from "./support/db";
import { resetDatabase } from "./support/reset";
import { args, responseOf } from "./support/routes";
import { restOrder, signedWebhook } from "./support/webhooks";

const SHOP = "receipt.myshopify.com";

async function receive(request: Request): Promise<Response> {
  const { action } = await import("~/routes/webhooks");
  return responseOf(() => action(args(request)));
}

const inbox = async () => (await services().db.prepare(`SELECT shopDomain, topic, outcome FROM "WebhookInbox"`).all()) as Record<string, unknown>[];

beforeEach(async () => {
  await resetDatabase(services().db);
  await addShop(services().db, SHOP, { syncState: false });
});

describe("webhook receipt", () => {
  it("GIVEN a signed orders/create WHEN received THEN 200 says it is stored, the inbox holds it pending and no order is written yet", async () => {
    const res = await receive(signedWebhook("orders/create", SHOP, restOrder(1, 1)));

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("stored");
    expect(Number(res.headers.get("X-RFM-Inbox"))).toBeGreaterThan(0);
    expect(await inbox()).toEqual([{ shopDomain: SHOP, topic: "orders/create", outcome: null }]);
    expect(await services().db.prepare(`SELECT count(*) FROM "Order"`).pluck().get()).toBe(0);
  });

  it("GIVEN a forged signature, or a signed delivery missing a header Shopify always sends WHEN received THEN 401 / 400 and nothing is stored", async () => {
    const forged = await receive(signedWebhook("orders/create", SHOP, restOrder(2, 1), { forge: true }));
    const request = signedWebhook("orders/create", SHOP, restOrder(3, 1));
    const headers = new Headers(request.headers);
    headers.delete("X-Shopify-Webhook-Id");
    const missing = await receive(new Request(request.url, { method: "POST", headers, body: await request.text() }));

    expect(forged.status).toBe(401);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("X-Shopify-Webhook-Id");
    expect(await inbox()).toEqual([]);
  });
});
