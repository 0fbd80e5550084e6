/**
 * customers/data_request: Shopify asks the merchant to hand a customer what the app holds
 * about them. We export it when the request arrives, list it on the dashboard's sync status
 * and serve it to the merchant (app/routes/app.data-requests.$id.tsx) for 30 days; the
 * daily prune deletes it after that (app/housekeeping/prune.server.ts).
 */
import type { Db } from "~/db/index.server";
import { recencyDaysSql } from "~/scoring/recency";
import { customerKeys, type CustomerRef } from "./redact.server";

export const DATA_REQUEST_TTL_MS = 30 * 86_400_000;

export interface DataRequestInput extends CustomerRef {
  requestId: string;
  customerKey: string;
}

/** Everything we hold about one customer: scores, and their orders with line items. */
export async function exportCustomerData(db: Db, shopId: string, ref: CustomerRef) {
  const keys = customerKeys(ref);
  const orderIds = ref.orderIds ?? [];
  const inKeys = keys.map(() => "?").join(",") || "NULL";
  const inIds = orderIds.map(() => "?").join(",") || "NULL";
  const customers = (await db
    .prepare(
      `SELECT customerKey, guest, email, ${recencyDaysSql(db)} AS recencyDays, frequency, monetaryMinor, firstOrderAt, lastOrderAt, r, f, m,
         persona, previousPersona, personaSince, scoredAt
       FROM "Customer" WHERE shopId = ? AND customerKey IN (${inKeys})`,
    )
    .all(shopId, ...keys)) as Record<string, unknown>[];
  const orders = (await db
    .prepare(
      `SELECT id, customerKey, processedAt, currency, totalMinor, refundedMinor, channel, pos, subscription, test,
         cancelled, tags
       FROM "Order" WHERE shopId = ? AND deleted = FALSE AND (customerKey IN (${inKeys}) OR id IN (${inIds}))
       ORDER BY processedAt, id`,
    )
    .all(shopId, ...keys, ...orderIds)) as Record<string, unknown>[];
  const lines = db.prepare(
    `SELECT id, quantity, unitPriceMinor, totalMinor, subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ? ORDER BY id`,
  );
  const iso = (v: unknown) => (typeof v === "number" ? new Date(v).toISOString() : v ?? null);
  const linesOf = new Map<unknown, Record<string, unknown>[]>();
  for (const o of orders) linesOf.set(o.id, (await lines.all(shopId, o.id)) as Record<string, unknown>[]);
  return {
    customerKey: ref.customerKey,
    email: ref.email ?? null,
    customers: customers.map((c) => ({
      ...c,
      guest: c.guest === 1,
      firstOrderAt: iso(c.firstOrderAt),
      lastOrderAt: iso(c.lastOrderAt),
      personaSince: iso(c.personaSince),
      scoredAt: iso(c.scoredAt),
    })),
    orders: orders.map((o) => ({
      ...o,
      processedAt: iso(o.processedAt),
      pos: o.pos === 1,
      subscription: o.subscription === 1,
      test: o.test === 1,
      cancelled: o.cancelled === 1,
      tags: JSON.parse(String(o.tags)) as string[],
      lineItems: (linesOf.get(o.id) ?? []).map((l) => ({ ...l, subscription: l.subscription === 1 })),
    })),
  };
}

export type CustomerExport = Awaited<ReturnType<typeof exportCustomerData>>;

/** Records (or, for a redelivered request, replaces) the export; it expires after 30 days. */
export async function recordDataRequest(
  db: Db,
  shopId: string,
  domain: string,
  input: DataRequestInput,
  now: Date,
): Promise<number> {
  const exported = await exportCustomerData(db, shopId, input);
  const row = (await db
    .prepare(
      `INSERT INTO "DataRequest" (shopDomain, requestId, customerKey, export, createdAt, expiresAt)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (shopDomain, requestId) DO UPDATE SET
         customerKey = excluded.customerKey, export = excluded.export, createdAt = excluded.createdAt,
         expiresAt = excluded.expiresAt
       RETURNING id`,
    )
    .get(domain, input.requestId, input.customerKey, JSON.stringify(exported), now, new Date(now.getTime() + DATA_REQUEST_TTL_MS))) as {
    id: number;
  };
  return row.id;
}

export interface DataRequestSummary {
  id: number;
  requestId: string;
  customerKey: string;
  createdAt: string;
  expiresAt: string;
}

const isoDate = (v: number | string) => new Date(typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v)).toISOString();
/** Rows written before expiresAt existed expire 30 days after they were created. */
const expires = (db: Db) => `coalesce(expiresAt, ${db.sql.plusMs("createdAt", DATA_REQUEST_TTL_MS)})`;

/** The shop's unexpired data-request exports, newest first (the dashboard lists them). */
export async function listDataRequests(db: Db, shopDomain: string, now: Date): Promise<DataRequestSummary[]> {
  const rows = (await db
    .prepare(
      `SELECT id, requestId, customerKey, createdAt, ${expires(db)} AS expiresAt FROM "DataRequest"
       WHERE shopDomain = ? AND ${expires(db)} > ? ORDER BY createdAt DESC, id DESC`,
    )
    .all(shopDomain, now)) as { id: number; requestId: string; customerKey: string; createdAt: number; expiresAt: number }[];
  return rows.map((r) => ({ ...r, createdAt: isoDate(r.createdAt), expiresAt: isoDate(r.expiresAt) }));
}

/** One export of this shop, if it exists and has not expired (another shop's id finds nothing). */
export async function dataRequestExport(
  db: Db,
  shopDomain: string,
  id: number,
  now: Date,
): Promise<{ requestId: string; customerKey: string; createdAt: string; export: string } | null> {
  const row = (await db
    .prepare(
      `SELECT requestId, customerKey, createdAt, export FROM "DataRequest"
       WHERE id = ? AND shopDomain = ? AND ${expires(db)} > ?`,
    )
    .get(id, shopDomain, now)) as { requestId: string; customerKey: string; createdAt: number; export: string } | undefined;
  return row ? { ...row, createdAt: isoDate(row.createdAt) } : null;
}
