/**
 * What each Shopify webhook does to our data. Called after the HMAC was verified.
 * Everything a delivery changes — the data, the dedupe record and the follow-up jobs —
 * is written in one SQLite transaction, so a crash never half-applies a delivery, and
 * the answer goes back well inside Shopify's 5 seconds (heavy work is queued).
 */
import { z } from "zod";
import type { JobQueue } from "~/jobs/queue.server";
import type { OrderStore } from "~/sync/order-store.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import { recordDataRequest } from "~/privacy/data-requests.server";
import { redactCustomer, type CustomerRef } from "~/privacy/redact.server";
import { complianceShopMismatch, redactShop, shopRedactTarget } from "~/shops/shop-data.server";
import { orderFromWebhook, WebhookOrder, WebhookOrderId } from "./orders";

export interface WebhookDeps {
  db: SqliteDatabase;
  store: OrderStore;
  queue: JobQueue;
  /** Debounce for recomputes after order webhooks (bursts become one recompute). */
  recomputeDelayMs?: number;
  recomputeMaxWaitMs?: number;
  now?: () => Date;
}

export interface WebhookDelivery {
  shop: string;
  /** As the library reports it ("ORDERS_CREATE") or as the header says ("orders/create"). */
  topic: string;
  eventId: string;
  payload: unknown;
}

export type WebhookOutcome = "processed" | "duplicate" | "unknown-shop" | "ignored";

export class WebhookPayloadError extends Error {
  constructor(topic: string, detail: string) {
    super(`${topic}: malformed payload: ${detail}`);
    this.name = "WebhookPayloadError";
  }
}

/** "ORDERS_CREATE" | "orders/create" → "orders/create". */
export function normalizeTopic(topic: string): string {
  if (topic.includes("/")) return topic.toLowerCase();
  const t = topic.toLowerCase();
  const i = t.indexOf("_");
  return i < 0 ? t : `${t.slice(0, i)}/${t.slice(i + 1)}`;
}

const CustomerRef = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  email: z.string().nullable().optional(),
});
const CustomersRedact = z.object({
  customer: CustomerRef,
  orders_to_redact: z.array(z.union([z.number(), z.string()]).transform(String)).default([]),
});
const CustomersDataRequest = z.object({
  customer: CustomerRef,
  orders_requested: z.array(z.union([z.number(), z.string()]).transform(String)).default([]),
  data_request: z.object({ id: z.union([z.number(), z.string()]).transform(String) }),
});
const RefundCreate = z.object({ order_id: z.union([z.number(), z.string()]).transform(String) });
const CustomerUpdate = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  email: z.string().nullable().optional(),
  admin_graphql_api_id: z.string().optional(),
});

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, topic: string, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new WebhookPayloadError(topic, `${first.path.join(".") || "(body)"}: ${first.message}`);
  }
  return result.data;
}

const orderGid = (id: string) => (id.startsWith("gid://") ? id : `gid://shopify/Order/${id}`);
const customerGid = (id: string) => (id.startsWith("gid://") ? id : `gid://shopify/Customer/${id}`);

export function processShopifyWebhook(delivery: WebhookDelivery, deps: WebhookDeps): WebhookOutcome {
  const { db, store, queue } = deps;
  const topic = normalizeTopic(delivery.topic);
  const now = deps.now?.() ?? new Date();
  const recompute = (shopId: string) =>
    queue.enqueue("recompute", shopId, {
      delayMs: deps.recomputeDelayMs ?? 10_000,
      maxWaitMs: deps.recomputeMaxWaitMs ?? 120_000,
    });

  // Validate before touching anything: a malformed payload writes nothing.
  const work = prepare(topic, delivery.payload);
  if (!work) return "ignored";

  return db.transaction((): WebhookOutcome => {
    const shop = db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).get(delivery.shop) as { id: string } | undefined;
    if (!shop) return "unknown-shop";
    const fresh = db
      .prepare(`INSERT OR IGNORE INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES (?, ?, ?, ?)`)
      .run(delivery.shop, delivery.eventId, topic, now.getTime());
    if (fresh.changes === 0) return "duplicate";
    return work(shop.id, delivery.shop, { db, store, recompute, queue, now }) ?? "processed";
  })();
}

interface WorkContext {
  db: SqliteDatabase;
  store: OrderStore;
  queue: JobQueue;
  recompute: (shopId: string) => void;
  now: Date;
}
type Work = (shopId: string, shopDomain: string, ctx: WorkContext) => WebhookOutcome | void;

function prepare(topic: string, payload: unknown): Work | null {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled":
    case "orders/edited": {
      const order = orderFromWebhook(parse(WebhookOrder, topic, payload));
      return (shopId, _domain, { store, recompute }) => {
        if (store.upsertOrders(shopId, [order]).written > 0) recompute(shopId);
      };
    }
    case "orders/delete": {
      const { id } = parse(WebhookOrderId, topic, payload);
      return (shopId, _domain, { store, recompute, now }) => {
        store.deleteOrder(shopId, orderGid(id), now);
        recompute(shopId);
      };
    }
    case "refunds/create": {
      // The payload is the refund; re-read the order for its refunded total.
      const { order_id } = parse(RefundCreate, topic, payload);
      return (shopId, _domain, { queue }) =>
        queue.enqueue("refresh-order", shopId, { key: orderGid(order_id), payload: { orderId: orderGid(order_id) } });
    }
    case "customers/update": {
      const c = parse(CustomerUpdate, topic, payload);
      return (shopId, _domain, { db }) => {
        db.prepare(`UPDATE "Customer" SET email = ? WHERE shopId = ? AND customerKey = ?`).run(
          c.email ?? null,
          shopId,
          c.admin_graphql_api_id ?? customerGid(c.id),
        );
      };
    }
    case "customers/delete": {
      const c = parse(CustomerUpdate, topic, payload);
      return (shopId, _domain, ctx) => {
        forgetCustomer(ctx, shopId, { customerKey: c.admin_graphql_api_id ?? customerGid(c.id) }, { tombstone: false });
        ctx.recompute(shopId);
      };
    }
    case "customers/redact": {
      const r = parse(CustomersRedact, topic, payload);
      return (shopId, domain, ctx) => {
        refuseOtherShop(topic, payload, domain);
        const ref = { customerKey: customerGid(r.customer.id), email: r.customer.email, orderIds: r.orders_to_redact.map(orderGid) };
        forgetCustomer(ctx, shopId, ref, { tombstone: true });
        ctx.recompute(shopId);
      };
    }
    case "customers/data_request": {
      const r = parse(CustomersDataRequest, topic, payload);
      return (shopId, domain, { db, now }) => {
        refuseOtherShop(topic, payload, domain);
        const ref = { customerKey: customerGid(r.customer.id), email: r.customer.email, orderIds: r.orders_requested.map(orderGid) };
        recordDataRequest(db, shopId, domain, { ...ref, requestId: r.data_request.id }, now);
      };
    }
    case "shop/redact":
      return (shopId, domain, { db }) => {
        // The shop comes from the signed body; the header is not signed (shopRedactTarget).
        const target = shopRedactTarget(payload, domain);
        if ("error" in target) throw new WebhookPayloadError(topic, target.error);
        // An installed shop is never erased (a reinstall, or a replayed request).
        if (redactShop(db, shopId, domain) === "installed") return "ignored";
      };
    case "app/uninstalled":
      return (shopId, domain, { db, now }) => {
        db.prepare(`UPDATE "Shop" SET uninstalledAt = ?, updatedAt = ? WHERE id = ?`).run(now.getTime(), now.getTime(), shopId);
        db.prepare(`DELETE FROM "Session" WHERE shop = ?`).run(domain);
        // Stop its work; data stays until shop/redact (48 h later) in case the merchant returns.
        db.prepare(`UPDATE "Job" SET status = 'cancelled' WHERE shopId = ? AND status IN ('pending', 'running')`).run(shopId);
      };
    case "bulk_operations/finish":
      return (shopId, _domain, { queue }) => queue.enqueue("backfill", shopId);
    default:
      return null;
  }
}

function forgetCustomer(ctx: WorkContext, shopId: string, ref: CustomerRef, { tombstone }: { tombstone: boolean }) {
  redactCustomer(ctx.db, ctx.store, shopId, ref, ctx.now, { tombstone });
}

/** A compliance body naming another shop than the (unsigned) header: refused, nothing written. */
function refuseOtherShop(topic: string, payload: unknown, headerDomain: string) {
  const mismatch = complianceShopMismatch(payload, headerDomain);
  if (mismatch) throw new WebhookPayloadError(topic, mismatch);
}

/** Everything we hold about one customer, for customers/data_request. */
export { exportCustomerData } from "~/privacy/data-requests.server";

/** shop/redact: every row we hold for the shop, gone. */
export { deleteShopData } from "~/shops/shop-data.server";
