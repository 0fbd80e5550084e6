import type { IncomingMessage, ServerResponse } from "node:http";
import { customerPayload, orderPayload, refundPayload } from "./payloads";
import type { WooShop } from "./shop";
import { WcError } from "./store";

/**
 * The control API over HTTP, for tools outside the test process (the demo, a browser): the same
 * actions as WooShop's methods. JSON in, JSON out; all under /__sim/.
 *   POST /__sim/keys {permissions?}                   → {key_id, consumer_key, consumer_secret, permissions}
 *   POST /__sim/orders (NewOrder)                      → order
 *   POST /__sim/orders/{id}/{update|trash|restore|delete|refund}
 *   POST /__sim/customers (NewCustomer)                → customer
 *   POST /__sim/customers/{id}/{update|delete}
 *   POST /__sim/faults (RequestFaultOptions | null)    POST /__sim/webhook-mode {mode}    POST /__sim/settle
 *   GET  /__sim/truth                                  GET /__sim/deliveries
 */

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch {
        resolve(null);
      }
    });
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

export async function handleControl(shop: WooShop, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const body = await readJson(req);
  if (body === null) return json(res, 400, { error: "invalid JSON" });
  const parts = url.pathname.replace(/^\/__sim\//, "").split("/").filter(Boolean);
  const site = shop.site;
  const b = body as never;
  try {
    if (req.method === "GET" && parts[0] === "truth") return json(res, 200, shop.truth);
    if (req.method === "GET" && parts[0] === "deliveries") return json(res, 200, shop.webhooks.deliveries);
    if (req.method !== "POST") return json(res, 405, { error: "POST only" });
    const [resource, rawId, action] = parts;
    const id = Number(rawId);
    if (resource === "keys") {
      const k = shop.addKey({ permissions: (body.permissions as "read" | "write" | "read_write") ?? "read_write" });
      return json(res, 201, { key_id: k.keyId, consumer_key: k.consumerKey, consumer_secret: k.consumerSecret, permissions: k.permissions });
    }
    if (resource === "orders" && rawId === undefined) return json(res, 201, orderPayload(shop.createOrder(b), site));
    if (resource === "orders" && action === "update") return json(res, 200, orderPayload(shop.updateOrder(id, b), site));
    if (resource === "orders" && action === "trash") return json(res, 200, orderPayload(shop.trashOrder(id), site));
    if (resource === "orders" && action === "restore") return json(res, 200, orderPayload(shop.restoreOrder(id), site));
    if (resource === "orders" && action === "delete") return json(res, 200, orderPayload(shop.deleteOrder(id), site));
    if (resource === "orders" && action === "refund") {
      const refund = shop.refundOrder(id, b);
      return json(res, 201, refundPayload(shop.store.getOrder(id), refund, site));
    }
    if (resource === "customers" && rawId === undefined) return json(res, 201, customerPayload(shop.createCustomer(b), site));
    if (resource === "customers" && action === "update") return json(res, 200, customerPayload(shop.updateCustomer(id, b), site));
    if (resource === "customers" && action === "delete") return json(res, 200, customerPayload(shop.deleteCustomer(id), site));
    if (resource === "faults") {
      shop.setFaults(Object.keys(body).length > 0 ? body : null);
      return json(res, 200, { ok: true });
    }
    if (resource === "webhook-mode") {
      shop.setWebhookMode(body.mode === "sync" ? "sync" : "async");
      return json(res, 200, { ok: true });
    }
    if (resource === "settle") {
      await shop.settle();
      return json(res, 200, { ok: true });
    }
    return json(res, 404, { error: `unknown control path ${url.pathname}` });
  } catch (error) {
    if (error instanceof WcError) return json(res, error.status, error.body());
    throw error;
  }
}
