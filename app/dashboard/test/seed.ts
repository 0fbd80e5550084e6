/**
 * Rows as recompute and write-back leave them (raw SQL, dates as epoch milliseconds),
 * for tests of the admin pages' services and routes.
 */
import type { Db } from "~/db/index.server";
import { isGuestKey } from "~/rfm/customer-key";

const DAY = 86_400_000;

export interface CustomerSeed {
  customerKey: string;
  email?: string | null;
  guest?: boolean;
  persona?: string | null;
  previousPersona?: string | null;
  r?: number | null;
  f?: number | null;
  m?: number | null;
  recencyDays?: number | null;
  frequency?: number;
  monetaryMinor?: number;
  /** Days between first and last counted order. */
  lifetimeDays?: number;
  writeStatus?: string | null;
  /** As-of instant the recency is counted from. */
  asOf?: Date;
}

export async function seedCustomer(db: Db, shopId: string, c: CustomerSeed): Promise<void> {
  const asOf = (c.asOf ?? new Date("2026-06-30T12:00:00Z")).getTime();
  const scored = c.persona !== null && c.persona !== undefined;
  const recency = c.recencyDays ?? (scored ? 10 : null);
  const last = recency === null ? null : Math.floor(asOf / DAY) * DAY - recency * DAY;
  const first = last === null ? null : last - (c.lifetimeDays ?? 0) * DAY;
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  await db.prepare(
    `INSERT INTO "Customer" (shopId, customerKey, guest, email, recencyDays, frequency, monetaryMinor, firstOrderAt,
       lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt, writeStatus)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    shopId,
    c.customerKey,
    c.guest ?? isGuestKey(c.customerKey),
    c.email ?? null,
    recency,
    c.frequency ?? (scored ? 1 : 0),
    c.monetaryMinor ?? 0,
    at(first),
    at(last),
    c.r ?? null,
    c.f ?? null,
    c.m ?? null,
    c.persona ?? null,
    c.previousPersona ?? null,
    scored ? at(asOf) : null,
    at(asOf),
    c.writeStatus ?? null,
  );
}

export async function seedSnapshot(
  db: Db,
  shopId: string,
  day: string,
  counts: Record<string, number>,
): Promise<void> {
  const insert = db.prepare(
    `INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  for (const [persona, customers] of Object.entries(counts)) await insert.run(shopId, day, persona, customers, customers, customers * 1000);
}

export async function seedTransition(db: Db, shopId: string, day: string, from: string, to: string, customers: number): Promise<void> {
  await db.prepare(
    `INSERT INTO "PersonaTransition" (shopId, day, fromPersona, toPersona, customers) VALUES (?, ?, ?, ?, ?)`,
  ).run(shopId, day, from, to, customers);
}

/** Time fields (…At, historyFrom, sweepFrom) are given as epoch ms. */
export async function setSyncState(db: Db, shopId: string, fields: Record<string, string | number | null>): Promise<void> {
  const keys = Object.keys(fields);
  const isTime = (k: string) => /At$|^historyFrom$|^sweepFrom$/.test(k);
  await db.prepare(`UPDATE "SyncState" SET ${keys.map((k) => `${k} = ?`).join(", ")} WHERE shopId = ?`).run(
    ...keys.map((k) => (isTime(k) && typeof fields[k] === "number" ? new Date(fields[k]) : fields[k])),
    shopId,
  );
}

/** An order row (header only) so "orders stored" is true. */
export async function seedOrderHeader(db: Db, shopId: string, id: string, customerKey = "customer-1"): Promise<void> {
  await db.prepare(
    `INSERT INTO "Order" (shopId, id, customerKey, processedAt, updatedAt, currency, totalMinor) VALUES (?, ?, ?, ?, ?, 'USD', 1000)`,
  ).run(shopId, id, customerKey, new Date(), new Date());
}
