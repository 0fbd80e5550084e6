import { createHmac, randomUUID } from "node:crypto";
import { args, responseOf } from "./routes";

/** A webhook request exactly as Shopify sends it: raw JSON body signed with the app secret. */
export function signedWebhook(
  topic: string,
  shop: string,
  payload: unknown,
  { secret = process.env.SHOPIFY_API_SECRET!, eventId = randomUUID(), forge = false, rawBody }: {
    secret?: string;
    eventId?: string;
    forge?: boolean;
    rawBody?: string;
  } = {},
): Request {
  const body = rawBody ?? JSON.stringify(payload);
  const hmac = createHmac("sha256", forge ? "not-the-secret" : secret).update(body, "utf8").digest("base64");
  return new Request("https://rfm.test/webhooks", {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}

/**
 * A REST-shaped order payload (orders/create, orders/updated). Its line carries no
 * `selling_plan_id`, as before API 2026-10, so a new order is re-read before it is scored;
 * pass line items with `selling_plan_id` for the 2026-10 shape.
 */
export function restOrder(id: number, customerId: number | null, overrides: Record<string, unknown> = {}) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    email: customerId ? `c${customerId}@example.com` : "guest@example.com",
    created_at: "2026-06-01T10:00:00Z",
    updated_at: "2026-06-01T10:00:00Z",
    processed_at: "2026-06-01T10:00:00Z",
    cancelled_at: null,
    test: false,
    source_name: "web",
    tags: "",
    currency: "USD",
    total_price: "40.00",
    customer: customerId
      ? { id: customerId, email: `c${customerId}@example.com`, admin_graphql_api_id: `gid://shopify/Customer/${customerId}` }
      : null,
    line_items: [{ id: id * 10, quantity: 2, price: "20.00", total_discount: "0.00", discount_allocations: [] }],
    refunds: [],
    ...overrides,
  };
}

/** Sends a webhook request to the app's real webhook route, as the HTTP server would, and returns its answer. */
export async function deliverWebhook(request: Request): Promise<Response> {
  const { action } = await import("~/routes/webhooks");
  const { settled } = await import("./inbox");
  return settled(await responseOf(() => action(args(request))));
}
