/**
 * shop/redact's erasure (decision 069): queued as a job of its own (redactShop), then every row
 * of the shop gone (eraseShop); on SQLite in slices, stopping if the shop is installed again.
 * What "every row" means, table by table: test/privacy/compliance.test.ts.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import prisma from "~/db.server";
import { createJobRunner } from "~/jobs/queue.server";
import { jobHandlers } from "~/jobs/handlers.server";
import { createOrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { eraseShop, redactShop } from "./shop-data.server";

const NOW = new Date("2026-12-01T12:00:00Z");

/** An uninstalled shop with customers (their search texts and totals kept by triggers) and dedupe records. */
async function shopWithRows(db: Db, domain: string, rows: number): Promise<string> {
  const shopId = await addShop(db, domain, { uninstalledAt: NOW.getTime() - 3 * 86_400_000 });
  await db.transaction(async () => {
    for (let i = 0; i < rows; i++) {
      await db.prepare(`INSERT INTO "Customer" (shopId, customerKey, frequency, monetaryMinor, persona) VALUES (?, ?, 1, 100, 'lost')`).run(shopId, `gid://shopify/Customer/${i}`);
      await db.prepare(`INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES (?, ?, 't', ?)`).run(domain, `e${i}`, NOW);
    }
  });
  return shopId;
}

const count = async (db: Db, sql: string, ...params: unknown[]) => Number(await db.prepare(sql).pluck().get(...params));
const customers = (db: Db, shopId: string) => count(db, `SELECT count(*) FROM "Customer" WHERE shopId = ?`, shopId);

describe("erasing a shop", () => {
  it.skipIf(onPostgres())("GIVEN shop/redact's erasure queued WHEN the runner runs it THEN the shop's rows are gone and another shop's stay", async () => {
    const { db } = await freshDatabase();
    const gone = await shopWithRows(db, "gone.myshopify.com", 30);
    const kept = await shopWithRows(db, "kept.myshopify.com", 5);
    const runner = createJobRunner({
      db,
      now: () => NOW,
      handlers: jobHandlers({
        prisma,
        db,
        store: createOrderStore(db),
        adapterFor: () => {
          throw new Error("erasing needs no store");
        },
        sweepIntervalMs: 1000,
        now: () => NOW,
      }),
    });

    expect(await db.transaction(() => redactShop(db, runner.queue, gone, "gone.myshopify.com"))).toBe("erasing");
    expect(await customers(db, gone)).toBe(30); // the webhook's transaction erased nothing
    expect(await runner.drain()).toBe(1);

    expect(await customers(db, gone)).toBe(0);
    for (const table of ["CustomerSearchText", "CustomerTotal", "SyncState"]) {
      expect(await count(db, `SELECT count(*) FROM "${table}" WHERE shopId = ?`, gone)).toBe(0);
    }
    expect(await count(db, `SELECT count(*) FROM "WebhookEvent" WHERE shopDomain = ?`, "gone.myshopify.com")).toBe(0);
    expect(await count(db, `SELECT count(*) FROM "Shop" WHERE id = ?`, gone)).toBe(0);
    expect(await customers(db, kept)).toBe(5);
    expect(await count(db, `SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`, kept)).toBe(5);
    expect(await count(db, `SELECT sum(customers) FROM "CustomerTotal" WHERE shopId = ?`, kept)).toBe(5);
    expect(await count(db, `SELECT count(*) FROM "Job" WHERE type = 'erase-shop' AND status = 'done'`)).toBe(1);
  });

  it("GIVEN an installed shop WHEN shop/redact names it THEN nothing is queued", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "live.myshopify.com");
    const queued: unknown[] = [];

    const outcome = await redactShop(db, { enqueue: async (...args) => void queued.push(args) }, shopId, "live.myshopify.com");

    expect(outcome).toBe("installed");
    expect(queued).toEqual([]);
  });

  it("GIVEN a shop installed again before its queued erasure runs WHEN it runs THEN nothing of it is erased", async () => {
    const { db } = await freshDatabase();
    const shopId = await shopWithRows(db, "again.myshopify.com", 10);
    await db.prepare(`UPDATE "Shop" SET uninstalledAt = NULL WHERE id = ?`).run(shopId);

    expect(await eraseShop(db, shopId, "again.myshopify.com")).toBe("installed");
    expect(await customers(db, shopId)).toBe(10);
    expect(await count(db, `SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`, shopId)).toBe(10);
  });

  // PostgreSQL erases in one transaction, after the same check.
  it.skipIf(onPostgres())("GIVEN an erasure under way WHEN the shop is installed again meanwhile THEN it stops, and the shop stays", async () => {
    const { db } = await freshDatabase();
    const shopId = await shopWithRows(db, "back.myshopify.com", 60);
    // The merchant reinstalls as soon as the erasure has begun (its first transaction took the search texts).
    const texts = () => count(db, `SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`, shopId);
    const reinstalled = (async () => {
      while ((await texts()) === 60) await nextTurn();
      await db.transaction(async () => {
        await db.prepare(`UPDATE "Shop" SET uninstalledAt = NULL WHERE id = ?`).run(shopId);
      });
    })();

    const outcome = await eraseShop(db, shopId, "back.myshopify.com");
    await reinstalled;

    expect(outcome).toBe("installed");
    expect(await count(db, `SELECT count(*) FROM "Shop" WHERE id = ?`, shopId)).toBe(1);
    expect(await customers(db, shopId)).toBe(60);
    expect(await count(db, `SELECT count(*) FROM "WebhookEvent" WHERE shopDomain = ?`, "back.myshopify.com")).toBe(60);
    // Totals stay paused: the next recompute rebuilds them and fills the search texts that went first.
    expect(await count(db, `SELECT totalsPaused FROM "SyncState" WHERE shopId = ?`, shopId)).toBe(1);
  });
});
