/**
 * Recompute writes proportional to change: a customer whose persona, scores and metrics did
 * not change is not written, and readers still see today's recency (derived from the shop's
 * scoring day and the last order's day). The dashboard's readers are held to the same rule by
 * their own tests on SQLite.
 */
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import type { Db } from "~/db/index.server";
import { exportCustomerData } from "~/privacy/data-requests.server";
import type { CanonicalOrder } from "~/rfm/order";
import { createOrderStore } from "~/sync/order-store.server";
import { recencyDaysSql } from "./recency";
import { recomputeShop } from "./recompute.server";

const DAY = 86_400_000;
const JULY = Date.parse("2026-07-01T00:00:00Z");

/** Twelve customers, customer i with i % 4 + 1 orders, the last i·3 days before July 1. */
function orders(): CanonicalOrder[] {
  const out: CanonicalOrder[] = [];
  for (let i = 0; i < 12; i++) {
    for (let k = 0; k <= i % 4; k++) {
      const at = new Date(JULY - (i * 3 + k * 20 + 1) * DAY + 3_600_000).toISOString();
      const cents = 1000 * (1 + ((i * 7) % 5));
      out.push(anOrder({ customerKey: `gid://shopify/Customer/${i}`, processedAt: at, updatedAt: at, totalMinor: cents, lineItems: [{ id: "l", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }] }));
    }
  }
  return out;
}

/** A shop as a platform install leaves it: with a sync state (all-time lookback keeps personas steady). */
async function shop(options: { syncState: boolean }) {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "writes.myshopify.com", { settings: { rules: { lookbackDays: null } } });
  if (!options.syncState) await db.prepare(`DELETE FROM "SyncState" WHERE shopId = ?`).run(shopId);
  const store = createOrderStore(db);
  await store.upsertOrders(shopId, orders());
  return { db, shopId, store };
}

const at = (ms: number) => () => new Date(ms);

/** What readers on the seam show of each customer, recency included (today's, derived when read). */
async function readers(db: Db, shopId: string) {
  const list = (await db
    .prepare(`SELECT customerKey, ${recencyDaysSql(db)} AS recencyDays, persona, r, f, m FROM "Customer" WHERE shopId = ? ORDER BY customerKey`)
    .all(shopId)) as { customerKey: string; recencyDays: number | null }[];
  // scoredAt says when a row was last written: the one figure that differs by design.
  const exported = [];
  for (const r of list) exported.push((await exportCustomerData(db, shopId, { customerKey: r.customerKey })).customers.map(({ scoredAt: _, ...c }) => c));
  return { rows: list, exported };
}

function rows(db: Db, shopId: string) {
  return db
    .prepare(`SELECT customerKey, frequency, monetaryMinor, firstOrderAt, lastOrderAt, r, f, m, persona, previousPersona, personaSince FROM "Customer" WHERE shopId = ? ORDER BY customerKey`)
    .all(shopId);
}

describe("recompute writes only what changed", () => {
  it("GIVEN a scored shop WHEN recomputed 30 days later with no new order THEN no customer row is written and every reader shows recency 30 days older", async () => {
    const { db, shopId } = await shop({ syncState: true });
    const first = await recomputeShop(shopId, { db, now: at(JULY) });
    expect(first.customersWritten).toBe(12);
    const before = await readers(db, shopId);
    const scoredAt = await db.prepare(`SELECT customerKey, scoredAt FROM "Customer" WHERE shopId = ? ORDER BY customerKey`).all(shopId);

    const daily = await recomputeShop(shopId, { db, now: at(JULY + 30 * DAY) });

    expect(daily.customersWritten).toBe(0);
    expect(daily.personaChanges).toBe(0);
    expect(await db.prepare(`SELECT customerKey, scoredAt FROM "Customer" WHERE shopId = ? ORDER BY customerKey`).all(shopId)).toEqual(scoredAt);
    const after = await readers(db, shopId);
    expect(after.rows).toEqual(before.rows.map((r) => ({ ...r, recencyDays: r.recencyDays! + 30 })));
    const recency = (c: object) => Number((c as { recencyDays?: unknown }).recencyDays);
    expect(after.exported.flat().map(recency)).toEqual(before.exported.flat().map((c) => recency(c) + 30));
  });

  it("GIVEN new orders for two customers WHEN recomputed THEN only the customers whose figures changed are written, and every reader answers as if every row had been rewritten", async () => {
    const changeOnly = await shop({ syncState: true });
    const writeAll = await shop({ syncState: false }); // no scoring day recorded: every customer is written
    const later = [
      anOrder({ customerKey: "gid://shopify/Customer/11", processedAt: "2026-07-20T10:00:00Z", updatedAt: "2026-07-20T10:00:00Z" }),
      anOrder({ customerKey: "gid://shopify/Customer/new", processedAt: "2026-07-21T10:00:00Z", updatedAt: "2026-07-21T10:00:00Z" }),
    ];
    for (const { db, shopId, store } of [changeOnly, writeAll]) {
      await recomputeShop(shopId, { db, now: at(JULY) });
      await store.upsertOrders(shopId, later);
    }

    const summary = await recomputeShop(changeOnly.shopId, { db: changeOnly.db, now: at(JULY + 25 * DAY) });
    const full = await recomputeShop(writeAll.shopId, { db: writeAll.db, now: at(JULY + 25 * DAY) });

    expect(full.customersWritten).toBe(13);
    expect(summary.customersWritten).toBeGreaterThanOrEqual(2);
    expect(summary.customersWritten).toBeLessThan(13);
    expect(summary.personaChanges).toBe(full.personaChanges);
    expect(await rows(changeOnly.db, changeOnly.shopId)).toEqual(await rows(writeAll.db, writeAll.shopId));
    const transitions = (db: Db) => db.prepare(`SELECT day, fromPersona, toPersona, customers FROM "PersonaTransition" ORDER BY 1, 2, 3`).all();
    expect(await transitions(changeOnly.db)).toEqual(await transitions(writeAll.db));
    expect(await readers(changeOnly.db, changeOnly.shopId)).toEqual(await readers(writeAll.db, writeAll.shopId));
  });
});
