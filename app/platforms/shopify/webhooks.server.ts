/**
 * What each Shopify webhook does to our data. Called after the HMAC was verified, with the
 * payload parsed from the raw body keeping 64-bit ids whole (webhook-body.server.ts).
 * Everything a delivery changes — the data, the dedupe record and the follow-up jobs —
 * is written in one IMMEDIATE SQLite transaction, so a crash never half-applies a delivery,
 * a second writer waits its turn instead of failing, and the answer goes back well inside
 * Shopify's 5 seconds (heavy work is queued).
 */
import { z } from "zod";
import type { JobQueue } from "~/jobs/queue.server";
import type { OrderStore } from "~/sync/order-store.server";
import { writeTransaction, type SqliteDatabase } from "~/sync/sqlite.server";
import { recordDataRequest } from "~/privacy/data-requests.server";
import { redactCustomer, type CustomerRef } from "~/privacy/redact.server";
import { complianceShopMismatch, isInstalled, redactShop, shopRedactTarget } from "~/shops/shop-data.server";
import { handleBulkOperationFinish, parseBulkOperationFinish } from "./bulk-finish.server";
import { orderFromWebhook, orderGidOf, WebhookOrder, WebhookOrderId } from "./orders";

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
  /** The shop domain the delivery names (X-Shopify-Shop-Domain). */
  shop: string;
  /** As the header says ("orders/create") or as the library reports it ("ORDERS_CREATE"). */
  topic: string;
  eventId: string;
  payload: unknown;
  /** The raw body, kept when a payload cannot be read so nothing is lost. */
  rawBody?: string;
}

/**
 * What became of a delivery (answered in X-RFM-Webhook):
 * processed; duplicate (event id seen before); stale (an older version than we hold);
 * recorded (unreadable, kept and queued for an Admin API re-read); uninstalled (the shop
 * removed the app: nothing written); unknown-shop; ignored (a topic we do not act on).
 */
export type WebhookOutcome = "processed" | "duplicate" | "stale" | "recorded" | "uninstalled" | "unknown-shop" | "ignored";

export class WebhookPayloadError extends Error {
  constructor(topic: string, detail: string) {
    super(`${topic}: malformed payload: ${detail}`);
    this.name = "WebhookPayloadError";
  }
}

/** The topics we subscribe to (shopify.app.toml), as the X-Shopify-Topic header names them. */
export const WEBHOOK_TOPICS = [
  "app/uninstalled",
  "orders/create",
  "orders/updated",
  "orders/cancelled",
  "orders/delete",
  "refunds/create",
  "customers/update",
  "customers/delete",
  "bulk_operations/finish",
  "customers/data_request",
  "customers/redact",
  "shop/redact",
] as const;

/** Compliance topics are honoured whether or not the app is still installed. */
const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

const TOPIC_BY_ENUM = new Map(WEBHOOK_TOPICS.map((t) => [t.replace("/", "_").toUpperCase(), t]));

/**
 * "orders/create" | "ORDERS_CREATE" → "orders/create". The library's enum cannot be split
 * by rule ("BULK_OPERATIONS_FINISH" vs "CUSTOMERS_DATA_REQUEST"), so known topics map by name.
 */
export function normalizeTopic(topic: string): string {
  if (topic.includes("/")) return topic.toLowerCase();
  return TOPIC_BY_ENUM.get(topic.toUpperCase()) ?? topic.toLowerCase();
}

/** A REST id: a safe integer, or the digit string of a larger one (parsed keeping digits). */
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "must be a numeric id")]).transform(String);
const CustomerRef = z.object({
  id: Id,
  email: z.string().nullable().optional(),
});
const CustomersRedact = z.object({
  customer: CustomerRef,
  orders_to_redact: z.array(Id).default([]),
});
const CustomersDataRequest = z.object({
  customer: CustomerRef,
  orders_requested: z.array(Id).default([]),
  data_request: z.object({ id: Id }),
});
const RefundCreate = z.object({ order_id: Id });
const CustomerUpdate = z.object({
  id: Id,
  email: z.string().nullable().optional(),
  admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/).optional(),
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
const ORDER_TOPICS = new Set(["orders/create", "orders/updated", "orders/cancelled"]);

export function processShopifyWebhook(delivery: WebhookDelivery, deps: WebhookDeps): WebhookOutcome {
  const { db, store, queue } = deps;
  const topic = normalizeTopic(delivery.topic);
  const now = deps.now?.() ?? new Date();
  const recompute = (shopId: string) =>
    queue.enqueue("recompute", shopId, {
      delayMs: deps.recomputeDelayMs ?? 10_000,
      maxWaitMs: deps.recomputeMaxWaitMs ?? 120_000,
    });

  // Validate before touching anything: a malformed payload writes nothing — except an
  // order we can still name, which is kept and re-read so nothing is lost.
  let work: Work | null;
  try {
    work = prepare(topic, delivery.payload);
  } catch (err) {
    const gid = err instanceof WebhookPayloadError && ORDER_TOPICS.has(topic) ? orderGidOf(delivery.payload) : null;
    if (!gid) throw err;
    work = recordUnreadableOrder(gid, (err as Error).message, delivery, topic);
  }
  if (!work) return "ignored";
  const run = work;

  return writeTransaction(db, (): WebhookOutcome => {
    const shop = db.prepare(`SELECT id, uninstalledAt FROM "Shop" WHERE domain = ?`).get(delivery.shop) as
      | { id: string; uninstalledAt: number | null }
      | undefined;
    if (!shop) return "unknown-shop";
    // After an uninstall only compliance requests still concern us: nothing else is written
    // or queued (Shopify may keep delivering for a while).
    if (shop.uninstalledAt !== null && !COMPLIANCE_TOPICS.has(topic)) return "uninstalled";
    const fresh = db
      .prepare(`INSERT OR IGNORE INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES (?, ?, ?, ?)`)
      .run(delivery.shop, delivery.eventId, topic, now.getTime());
    if (fresh.changes === 0) return "duplicate";
    return run(shop.id, delivery.shop, { db, store, recompute, queue, now }) ?? "processed";
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

const reread = (queue: JobQueue, shopId: string, gid: string) =>
  queue.enqueue("refresh-order", shopId, { key: gid, payload: { orderId: gid } });

/** A signed order payload we cannot read: keep it (for support) and re-read the order. */
function recordUnreadableOrder(gid: string, error: string, delivery: WebhookDelivery, topic: string): Work {
  return (shopId, domain, { db, queue, now }) => {
    db.prepare(
      `INSERT INTO "WebhookProblem" (shopDomain, topic, eventId, resourceId, error, body, receivedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(domain, topic, delivery.eventId, gid, error, delivery.rawBody ?? JSON.stringify(delivery.payload), now.getTime());
    reread(queue, shopId, gid);
    return "recorded";
  };
}

function prepare(topic: string, payload: unknown): Work | null {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled": {
      const { order, refundsConverted } = orderFromWebhook(parse(WebhookOrder, topic, payload));
      return (shopId, _domain, { store, recompute, queue }) => {
        const { written, awaitingReread } = store.upsertOrders(shopId, [order], { unverified: true });
        if (written === 0) return "stale";
        // New lines (subscription or not?) or refunds in another currency: the Admin API says.
        if (awaitingReread > 0 || refundsConverted) reread(queue, shopId, order.id);
        recompute(shopId);
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
      // The payload is the refund; re-read the order for its refunded total in shop money.
      const { order_id } = parse(RefundCreate, topic, payload);
      return (shopId, _domain, { queue }) => reread(queue, shopId, orderGid(order_id));
    }
    case "customers/update": {
      const c = parse(CustomerUpdate, topic, payload);
      return (shopId, _domain, { db }) => {
        // Email may be withheld (protected customer data): never erase one we hold for that.
        if (c.email === undefined) return;
        db.prepare(`UPDATE "Customer" SET email = ? WHERE shopId = ? AND customerKey = ?`).run(
          c.email,
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
        // An uninstalled shop gets no more work (its sessions are gone); rescoring waits for a reinstall.
        if (isInstalled(ctx.db, shopId)) ctx.recompute(shopId);
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
    case "bulk_operations/finish": {
      // Only our own current export counts (bulk-finish.server.ts); it cuts the poll short.
      let finish: unknown;
      try {
        finish = parseBulkOperationFinish(payload);
      } catch (err) {
        throw new WebhookPayloadError(topic, err instanceof Error ? err.message.replace(/^.*malformed payload: /, "") : String(err));
      }
      return (shopId, _domain, { db, queue }) => (handleBulkOperationFinish({ db, queue }, shopId, finish) === "ignored" ? "ignored" : "processed");
    }
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
