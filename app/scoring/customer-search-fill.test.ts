/**
 * A recompute that writes many customers holds back their search text while it writes and
 * fills it in afterwards in a few statements (decision 043): FTS5 writes a segment at every
 * statement savepoint, so a trigger per inserted customer wrote one segment per customer.
 * PostgreSQL has no FTS5 index: its trigger writes the text of each statement's customers in
 * one statement (decision 041), and leaves a paused shop's to the fill, one statement there
 * (decision 064). The FTS5 checks are SQLite's; the last test holds both engines to the result.
 */
import { describe, expect, it } from "vitest";
import { customerListSchema, listCustomers } from "~/dashboard/customers.server";
import type { Db } from "~/db/index.server";
import { createOrderStore } from "~/sync/order-store.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { fillSearchText, pauseTotals, rebuildTotals, TOTALS_REBUILD_FROM } from "./customer-totals.server";
import { recomputeShop } from "./recompute.server";

const now = () => new Date("2026-07-01T00:00:00Z");

const texts = async (db: Db, shopId: string) =>
  (await db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`).pluck().get(shopId)) as number;

/** Rows the FTS5 index holds every trigram of a text for (as the customer list asks it). */
const indexed = async (db: Db, text: string) => {
  const trigrams = Array.from({ length: text.length - 2 }, (_, i) => `"${text.slice(i, i + 3)}"`).join(" AND ");
  return (await db.prepare(`SELECT count(*) FROM "CustomerSearch" WHERE "CustomerSearch" MATCH ?`).pluck().get(trigrams)) as number;
};

const insertCustomer = (db: Db, shopId: string, key: string, email: string) =>
  db.prepare(`INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, email, scoredAt) VALUES (?, ?, ?, 1, 100, ?, ?)`).run(shopId, key, false, email, now());

describe("search text of customers a large recompute writes", () => {
  it("GIVEN a shop paused for a large write WHEN customers are inserted THEN they get no search text until the fill, which indexes each once", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db);
    await insertCustomer(db, shopId, "gid://shopify/Customer/1", "before@example.com");
    await pauseTotals(db, shopId);

    await insertCustomer(db, shopId, "gid://shopify/Customer/2", "paused-ann@example.com");
    await insertCustomer(db, shopId, "gid://shopify/Customer/3", "paused-bob@example.com");
    expect(await texts(db, shopId)).toBe(1);

    expect(await fillSearchText(db, shopId)).toBe(2);
    expect(await fillSearchText(db, shopId)).toBe(0);
    await rebuildTotals(db, shopId);
    expect(await texts(db, shopId)).toBe(3);
    await insertCustomer(db, shopId, "gid://shopify/Customer/4", "after@example.com");
    expect(await texts(db, shopId)).toBe(4);
    const page = await listCustomers(db, shopId, customerListSchema.parse({ q: "paused-", limit: "250" }));
    expect(page.rows.map((r) => r.customerKey).sort()).toEqual(["gid://shopify/Customer/2", "gid://shopify/Customer/3"]);
    if (onPostgres()) return;
    expect(await indexed(db, "paused-")).toBe(2);
    expect(await indexed(db, "after@")).toBe(1);
    await db.exec(`INSERT INTO "CustomerSearch" ("CustomerSearch", rank) VALUES ('integrity-check', 1)`);
  });

  it("GIVEN a first recompute of more customers than a fill chunk WHEN it finishes THEN every customer is searchable and the shop is no longer paused", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db);
    const customers = Math.max(TOTALS_REBUILD_FROM, 12_000);
    await createOrderStore(db).upsertOrders(
      shopId,
      Array.from({ length: customers }, (_, i) =>
        anOrder({ customerKey: `gid://shopify/Customer/${i + 1}`, processedAt: "2026-06-01T10:00:00Z", updatedAt: "2026-06-01T10:00:00Z", totalMinor: 1000 + i }),
      ),
    );

    await recomputeShop(shopId, { db, now });

    expect(await texts(db, shopId)).toBe(customers);
    expect(Boolean(await db.prepare(`SELECT totalsPaused FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId))).toBe(false);
    if (onPostgres()) return;
    expect(await indexed(db, "Customer/11999")).toBe(1);
    await db.exec(`INSERT INTO "CustomerSearch" ("CustomerSearch", rank) VALUES ('integrity-check', 1)`);
  });
});

describe("search text of customers a recompute writes", () => {
  it("GIVEN orders naming their customers WHEN a first recompute writes thousands of customers THEN each has one text row, and a 2-character search finds exactly those whose id, email or name holds it", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db);
    const customers = TOTALS_REBUILD_FROM + 500;
    await createOrderStore(db).upsertOrders(
      shopId,
      Array.from({ length: customers }, (_, i) =>
        anOrder({
          customerKey: `gid://shopify/Customer/${i + 1}`,
          processedAt: "2026-06-01T10:00:00Z",
          updatedAt: "2026-06-01T10:00:00Z",
          totalMinor: 1000 + i,
          // Every 500th customer's name holds a pair no other text does.
          contact: { name: i % 500 === 7 ? `Qj Buyer ${i}` : `Buyer ${i}`, email: `buyer${i}@example.com` },
        }),
      ),
    );

    await recomputeShop(shopId, { db, now });

    expect(await texts(db, shopId)).toBe(customers);
    const page = await listCustomers(db, shopId, customerListSchema.parse({ q: "QJ", limit: "250" }));
    expect(page.rows.map((r) => r.customerKey).sort()).toEqual(
      Array.from({ length: customers }, (_, i) => i).filter((i) => i % 500 === 7).map((i) => `gid://shopify/Customer/${i + 1}`).sort(),
    );
    expect(page.total).toBe(Math.ceil((customers - 7) / 500));
  });
});
