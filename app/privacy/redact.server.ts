/**
 * customers/redact (and customers/delete): erase exactly one customer's data, and leave a
 * tombstone so nothing brings it back — a late orders/updated, a refresh, a sweep or a
 * backfill still streaming all skip orders of a redacted customer (order-store checks
 * RedactedCustomer), and every redacted order stays a bare deleted-order row (id only).
 *
 * Where a customer's data lives is listed here, per table; test/privacy/compliance.test.ts
 * checks the list against every model of the Prisma schema.
 */
import { createHash } from "node:crypto";
import type { OrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { guestEmail, guestKey } from "~/rfm/customer-key";

export interface CustomerRef {
  /** Platform customer key (Shopify: the customer GID); null for a guest known only by email. */
  customerKey: string | null;
  email?: string | null;
  /** Orders Shopify asks us to redact (GIDs), whoever they are stored under. */
  orderIds?: string[];
}

/**
 * Tables holding a customer's data and how the customer is found in them. A model with a
 * customerKey or email column that is not here must be in CUSTOMER_DATA_EXEMPT, with why.
 */
export const CUSTOMER_DATA_TABLES = {
  Order: "customerKey, or one of the customer's orders (kept as a bare deleted-order tombstone)",
  OrderLine: "lines of the customer's orders",
  Customer: "customerKey (the customer GID or email:<address> for a guest)",
  CustomerContact: "customerKey: the customer's name and email as their orders carried them",
  DataRequest: "customerKey: the customer's data_request exports",
  WebhookProblem: "unreadable webhook bodies naming the customer, their email or one of their orders",
  ScoringDirty: "customerKey: marked for the next recompute when their orders changed (the deletion above marks them too)",
  ScoringChange: "customerKey: rescored by one of the shop's recent scoring generations",
} as const;

export const CUSTOMER_DATA_EXEMPT = {
  RedactedCustomer: "the tombstone itself: the customer GID, or a hash of a guest's email, so they cannot come back",
  Session: "email there is the merchant's staff user, not a customer",
} as const;

/** Keys a customer may be stored under: their customer key and their guest email key. */
export function customerKeys(ref: CustomerRef): string[] {
  return [...new Set([ref.customerKey, guestKey(ref.email)].filter((k): k is string => !!k))];
}

/**
 * How a redacted key is kept in RedactedCustomer: customer GIDs as they are (opaque ids),
 * guest email keys hashed, so the tombstone does not keep the address it erased.
 */
export function tombstoneKey(customerKey: string): string {
  const email = guestEmail(customerKey);
  return email !== null ? `email-sha256:${createHash("sha256").update(email).digest("hex")}` : customerKey;
}

const numericTail = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

export interface RedactionResult {
  orders: number;
  customers: number;
  dataRequests: number;
  webhookProblems: number;
}

/**
 * Erases a customer: their orders and lines, scores, name and email, data-request exports and any
 * unreadable webhook naming them; records tombstones. Joins the caller's transaction, so it
 * commits with the webhook's dedupe record. `tombstone: false`
 * (customers/delete, which is no erasure request) only drops their orders and scores.
 */
export async function redactCustomer(
  db: Db,
  store: OrderStore,
  shopId: string,
  ref: CustomerRef,
  now: Date,
  { tombstone = true }: { tombstone?: boolean } = {},
): Promise<RedactionResult> {
  const keys = customerKeys(ref);
  const domain = (await db.prepare(`SELECT domain FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | undefined;
  const inKeys = keys.map(() => "?").join(",");

  const orderIds = new Set(ref.orderIds ?? []);
  if (keys.length > 0) {
    const owned = (await db
      .prepare(`SELECT id FROM "Order" WHERE shopId = ? AND customerKey IN (${inKeys})`)
      .pluck()
      .all(shopId, ...keys)) as string[];
    for (const id of owned) orderIds.add(id);
  }

  let orders = 0;
  const dropOrder = db.prepare(`DELETE FROM "Order" WHERE shopId = ? AND id = ?`);
  const dropRereads = db.prepare(`DELETE FROM "RereadWanted" WHERE shopId = ? AND orderId = ?`);
  for (const id of orderIds) {
    orders += (await dropOrder.run(shopId, id)).changes;
    // A bare tombstone (no customer, no amounts): a late update of this order is ignored.
    if (tombstone) await store.deleteOrder(shopId, id, now);
    else await db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ? AND orderId = ?`).run(shopId, id);
    // A re-read still wanted of an erased order would only read it back to skip it: it goes too.
    if (tombstone) await dropRereads.run(shopId, id);
  }

  let customers = 0;
  let dataRequests = 0;
  if (keys.length > 0) {
    customers = (await db.prepare(`DELETE FROM "Customer" WHERE shopId = ? AND customerKey IN (${inKeys})`).run(shopId, ...keys)).changes;
    await db.prepare(`DELETE FROM "CustomerContact" WHERE shopId = ? AND customerKey IN (${inKeys})`).run(shopId, ...keys);
    // Without the mark, a scoring state in memory would still count the customer: the new
    // generation, which the scoring log does not list (so no state catches up across it),
    // sends the next recompute down the full path (decisions 047, 054).
    await db.prepare(`DELETE FROM "ScoringDirty" WHERE shopId = ? AND customerKey IN (${inKeys})`).run(shopId, ...keys);
    await db.prepare(`DELETE FROM "ScoringChange" WHERE shopId = ? AND customerKey IN (${inKeys})`).run(shopId, ...keys);
    await db.prepare(`UPDATE "SyncState" SET scoringGeneration = scoringGeneration + 1 WHERE shopId = ? AND scoringGeneration > 0`).run(shopId);
    if (domain && tombstone) {
      dataRequests = (await db.prepare(`DELETE FROM "DataRequest" WHERE shopDomain = ? AND customerKey IN (${inKeys})`).run(domain, ...keys)).changes;
    }
    const record = db.prepare(
      `INSERT INTO "RedactedCustomer" (shopId, customerKey, redactedAt) VALUES (?, ?, ?)
       ON CONFLICT (shopId, customerKey) DO UPDATE SET redactedAt = excluded.redactedAt`,
    );
    if (tombstone) for (const key of keys) await record.run(shopId, tombstoneKey(key), now);
  }

  const webhookProblems = domain && tombstone ? await deleteWebhookProblems(db, domain, ref, keys, [...orderIds]) : 0;
  return { orders, customers, dataRequests, webhookProblems };
}

/**
 * Unreadable webhooks are kept with their body until re-read; those about this customer go.
 * Readable JSON is matched on the fields Shopify puts the customer and order in; a body that
 * is not JSON is matched on the customer's GID and email appearing anywhere in it.
 */
async function deleteWebhookProblems(
  db: Db,
  domain: string,
  ref: CustomerRef,
  keys: string[],
  orderIds: string[],
): Promise<number> {
  const customerGid = ref.customerKey?.startsWith("gid://") ? ref.customerKey : null;
  const customerId = customerGid ? numericTail(customerGid) : ref.customerKey;
  const email = ref.email?.trim().toLowerCase() || null;
  const orderRefs = [...orderIds, ...orderIds.map(numericTail)];
  const rows = (await db.prepare(`SELECT id, resourceId, body FROM "WebhookProblem" WHERE shopDomain = ?`).all(domain)) as {
    id: number;
    resourceId: string | null;
    body: string;
  }[];
  const isOrder = (x: unknown) => x !== null && x !== undefined && orderRefs.includes(String(x));
  const isEmail = (x: unknown) => email !== null && typeof x === "string" && x.toLowerCase() === email;
  const text = (x: unknown) => (x === null || x === undefined ? null : String(x));
  const ours = rows.filter((r) => {
    if (isOrder(r.resourceId)) return true;
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch {
      // Not JSON: the customer's GID or email anywhere in it.
      return [customerGid, email, ...keys].some((needle) => needle && r.body.toLowerCase().includes(needle.toLowerCase()));
    }
    const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    const customer = (b.customer && typeof b.customer === "object" ? b.customer : {}) as Record<string, unknown>;
    return (
      (customerId !== null && text(customer.id) === customerId) ||
      (customerGid !== null && customer.admin_graphql_api_id === customerGid) ||
      isEmail(customer.email) ||
      isEmail(b.email) ||
      isEmail(b.contact_email) ||
      isOrder(b.id) ||
      isOrder(b.admin_graphql_api_id) ||
      isOrder(b.order_id)
    );
  });
  const drop = db.prepare(`DELETE FROM "WebhookProblem" WHERE id = ?`);
  for (const r of ours) await drop.run(r.id);
  return ours.length;
}

/** Whether a customer key was redacted in this shop (order-store skips their orders). */
export async function isRedacted(db: Db, shopId: string, customerKey: string): Promise<boolean> {
  return (
    (await db.prepare(`SELECT 1 FROM "RedactedCustomer" WHERE shopId = ? AND customerKey = ?`).get(shopId, tombstoneKey(customerKey))) !== undefined
  );
}
