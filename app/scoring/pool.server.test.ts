import { threadId } from "node:worker_threads";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "~/db/index.server";
import { waitsStarted } from "~/db/lock-waiters.server";
import { sqliteDb } from "~/db/sqlite.server";
import { createPrismaClient } from "~/db.server";
import { createJobQueue } from "~/jobs/queue.server";
import { jobHandlers } from "~/jobs/handlers.server";
import { parseShopSettings, type ShopSettings } from "~/settings/shop-settings";
import { createOrderStore } from "~/sync/order-store.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { closeScoringPool, previewInWorker, recomputeInWorker } from "./pool.server";
import { SCORING_THREAD_LIMITS } from "./thread-limits";
import { previewSettings } from "./preview.server";
import { recomputeShop } from "./recompute.server";
import { warmShops } from "./warm.server";

afterAll(() => closeScoringPool());

const now = () => new Date("2026-07-01T00:00:00Z");

/** `customers` customers, customer i with 1 + i % 4 orders spread over the past year. */
async function shopWithCustomers(customers: number, domain = "big.myshopify.com") {
  const { db, url } = await freshDatabase();
  const shopId = await addShop(db, domain);
  const orders = [];
  for (let i = 0; i < customers; i++) {
    for (let k = 0; k <= i % 4; k++) {
      const at = new Date(Date.parse("2026-06-30T12:00:00Z") - ((i * 7 + k * 31) % 360) * 86_400_000).toISOString();
      orders.push(anOrder({ customerKey: `gid://shopify/Customer/${i}`, processedAt: at, updatedAt: at, totalMinor: 1000 + (i % 97) * 100 }));
    }
  }
  const store = createOrderStore(db);
  await store.upsertOrders(shopId, orders);
  return { db, url, shopId, store };
}

const everything = async (db: Db, shopId: string) => ({
  customers: await db.prepare(`SELECT * FROM "Customer" WHERE shopId = ? ORDER BY customerKey`).all(shopId),
  snapshots: await db.prepare(`SELECT * FROM "PersonaSnapshot" WHERE shopId = ? ORDER BY day, persona`).all(shopId),
  transitions: await db.prepare(`SELECT * FROM "PersonaTransition" WHERE shopId = ? ORDER BY day, fromPersona, toPersona`).all(shopId),
});

function settings(input: unknown): ShopSettings {
  const parsed = parseShopSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
}

/** Counts turns of the calling thread's event loop until `work` settles. */
async function loopTurnsWhile<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    return { value: await work(), turns };
  } finally {
    running = false;
  }
}

/**
 * Recomputes the shop on the pool with slices that never end on time (only a waiting writer can
 * end one) while this thread writes through a handle as the web process has it — waiting on
 * timers, signalling the scoring threads — noting `probe` each time a write committed.
 */
async function recomputeWhileWriting<T>(
  { db, url, shopId }: { db: Db; url: string; shopId: string },
  write: (writer: Db, n: number) => Promise<unknown>,
  probe: (writer: Db) => Promise<unknown>,
) {
  const writer = openDatabase(url, { waitAsync: true });
  const seen: T[] = [];
  let running = true;
  const writes = (async () => {
    for (let n = 0; running; n++) {
      await writer.transaction(() => write(writer, n));
      seen.push((await probe(writer)) as T);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const ran = await recomputeInWorker(shopId, { db, now, writeSlices: { sliceMs: 600_000 } }).finally(() => (running = false));
  await writes;
  await writer.close();
  return { ran, seen };
}

/** A write as webhooks for another shop make them: one order stored. */
const anotherShopsOrder = (other: string) => (writer: Db) =>
  createOrderStore(writer).upsertOrders(other, [anOrder({ customerKey: "gid://shopify/Customer/other" })]);

describe("scoring off the event loop", () => {
  it("GIVEN a shop WHEN recomputed through the pool THEN it runs on another thread while this loop keeps turning, and writes what an in-process recompute writes", async () => {
    const { db, shopId } = await shopWithCustomers(3_000);
    const twin = await shopWithCustomers(3_000); // the same shop in a database of its own

    const { value: ran, turns } = await loopTurnsWhile(() => recomputeInWorker(shopId, { db, now }));

    expect(ran.threadId).not.toBe(threadId);
    expect(turns).toBeGreaterThan(0);
    expect(ran.result.customersScored).toBe(3_000);
    const inProcess = await recomputeShop(shopId, { db: twin.db, now });
    expect({ ...ran.result, timingsMs: null, fallback: undefined }).toEqual({ ...inProcess, timingsMs: null });
    expect(await everything(db, shopId)).toEqual(await everything(twin.db, shopId));
  });

  it("GIVEN scoring threads WHEN a recompute and a preview have run THEN every thread's young generation is capped (peak memory: decision 062)", async () => {
    const { db, shopId } = await shopWithCustomers(200);

    await recomputeInWorker(shopId, { db, now });
    await previewInWorker(shopId, settings({ rules: { lookbackDays: 90 } }), { db, now });

    const threads = [...(globalThis.rfmRecomputeLanes ?? []), globalThis.rfmScoringPool].filter((p) => p != null).flatMap((p) => p.threads);
    expect(threads.length).toBeGreaterThanOrEqual(2);
    for (const thread of threads) expect(thread.resourceLimits?.maxYoungGenerationSizeMb).toBe(SCORING_THREAD_LIMITS.maxYoungGenerationSizeMb);
  });

  it("GIVEN a shop recomputed through the pool WHEN an order arrives and it is recomputed again THEN the same thread applies only what changed, and a full recompute asked for scores the whole shop", async () => {
    const { db, shopId, store } = await shopWithCustomers(3_000);
    const twin = await shopWithCustomers(3_000);
    const first = await recomputeInWorker(shopId, { db, now });
    await recomputeShop(shopId, { db: twin.db, now });
    const order = anOrder({ customerKey: "gid://shopify/Customer/7", processedAt: "2026-06-30T20:00:00Z", updatedAt: "2026-06-30T20:00:00Z", totalMinor: 500_000 });

    await store.upsertOrders(shopId, [order]);
    await twin.store.upsertOrders(shopId, [order]);
    const second = await recomputeInWorker(shopId, { db, now: () => new Date(now().getTime() + 60_000) });
    await recomputeShop(shopId, { db: twin.db, now: () => new Date(now().getTime() + 60_000) });
    const daily = await recomputeInWorker(shopId, { db, now: () => new Date(now().getTime() + 120_000), full: true });

    expect(second.threadId).toBe(first.threadId);
    expect(second.result.fallback).toBeUndefined();
    expect(second.result.incremental?.marked).toBe(1);
    expect(second.result.customersWritten).toBeGreaterThan(0);
    expect(daily.result.incremental).toBeUndefined();
    await recomputeShop(shopId, { db: twin.db, now: () => new Date(now().getTime() + 120_000) });
    expect(await everything(db, shopId)).toEqual(await everything(twin.db, shopId));
  });

  // SQLite has one writer at a time; PostgreSQL's writers do not wait on each other.
  it.skipIf(onPostgres())("GIVEN a large recompute writing on a worker in one long transaction WHEN this thread writes another shop's orders meanwhile THEN the recompute commits and lets each write in as soon as it waits", async () => {
    const shop = await shopWithCustomers(20_000);
    const other = await addShop(shop.db, "other.myshopify.com");
    const waitsBefore = waitsStarted();

    // What this thread saw each time its write committed: how far the recompute had written.
    const { ran, seen } = await recomputeWhileWriting<number>(shop, anotherShopsOrder(other), (writer) =>
      writer.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND scoredAt = ?`).pluck().get(shop.shopId, now()),
    );

    expect(ran.result.customersScored).toBe(20_000);
    expect(waitsStarted()).toBeGreaterThan(waitsBefore);
    // Without the signal the one transaction would only ever show none or all of them rescored.
    expect(seen.some((n) => n > 0 && n < 20_000)).toBe(true);
    expect(await createOrderStore(shop.db).countOrders(other)).toBe(seen.length);
  });

  it.skipIf(onPostgres())("GIVEN a recompute writing many customers without a counted order WHEN this thread writes another shop's orders meanwhile THEN those rows commit as soon as it waits, not in fixed chunks", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, "cancelled.myshopify.com");
    const other = await addShop(db, "other.myshopify.com");
    // Every order cancelled: each customer gets a row without a persona.
    await createOrderStore(db).upsertOrders(
      shopId,
      Array.from({ length: 20_000 }, (_, i) => anOrder({ customerKey: `gid://shopify/Customer/${i}`, cancelled: true })),
    );

    const { seen } = await recomputeWhileWriting<number>({ db, url, shopId }, anotherShopsOrder(other), (writer) =>
      writer.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ?`).pluck().get(shopId),
    );

    expect(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NULL`).pluck().get(shopId)).toBe(20_000);
    // Fixed chunks would only ever show multiples of the chunk committed.
    expect(seen.some((n) => n > 0 && n < 20_000 && n % 2_000 !== 0)).toBe(true);
  });

  it.skipIf(onPostgres())("GIVEN a first recompute filling its customers' search text WHEN this thread writes another shop's orders meanwhile THEN the fill goes on in smaller statements than it uses alone", async () => {
    const shop = await shopWithCustomers(20_000);
    const other = await addShop(shop.db, "other.myshopify.com");

    const { seen } = await recomputeWhileWriting<number>(shop, anotherShopsOrder(other), (writer) =>
      writer.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`).pluck().get(shop.shopId),
    );

    expect(await shop.db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`).pluck().get(shop.shopId)).toBe(20_000);
    // Alone, the fill commits 2,000 customers' texts per statement.
    expect(seen.some((n) => n > 0 && n < 20_000 && n % 2_000 !== 0)).toBe(true);
  });

  // The totals rebuild reads the shop's customers outside the write lock (decision 045).
  it.skipIf(onPostgres())("GIVEN a recompute that rebuilds its totals WHEN this thread changes the shop's customers throughout THEN changes land while the totals are being rebuilt, and the totals end equal to a fresh GROUP BY", async () => {
    const shop = await shopWithCustomers(20_000);
    const { db, shopId } = shop;

    // The kinds of change other flows make to a shop's customers: a row added, a write-back
    // outcome, a row removed (redaction) — each moves the totals through the triggers.
    const change = async (writer: Db, n: number) => {
      await writer.prepare(`INSERT INTO "Customer" (shopId, customerKey, frequency, monetaryMinor) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING`).run(shopId, `extra-${n}`, 100 + n);
      await writer
        .prepare(`UPDATE "Customer" SET writeStatus = CASE WHEN writeStatus = 'failed' THEN NULL ELSE 'failed' END WHERE shopId = ? AND customerKey = ?`)
        .run(shopId, `gid://shopify/Customer/${(n * 7) % 20_000}`);
      if (n % 2 === 1) await writer.prepare(`DELETE FROM "Customer" WHERE shopId = ? AND customerKey = ?`).run(shopId, `extra-${n - 1}`);
    };
    // [paused, rebuilding] as each change committed.
    const { ran, seen } = await recomputeWhileWriting<[number, number]>(shop, change, (writer) =>
      writer.prepare(`SELECT "totalsPaused", "totalsRebuilding" FROM "SyncState" WHERE shopId = ?`).raw().get(shopId),
    );

    expect(ran.result.customersScored).toBe(20_000);
    // Landed with the triggers on again but the totals not yet corrected: the GROUP BY did not hold the lock.
    expect(seen.some(([paused, rebuilding]) => !paused && rebuilding)).toBe(true);
    const totals = `SELECT persona, r, f, m, lastOrderDay, customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes
      FROM "CustomerTotal" WHERE shopId = ? ORDER BY 1, 2, 3, 4, 5`;
    // The same sums as the rebuild's statement (customer-totals.server.ts), straight from the customers.
    const fresh = `SELECT coalesce(persona, '') AS persona, coalesce(r, 0) AS r, coalesce(f, 0) AS f, coalesce(m, 0) AS m,
        CASE WHEN typeof(lastOrderAt) = 'integer' THEN lastOrderAt / 86400000 ELSE -1 END AS lastOrderDay,
        count(*) AS customers, sum(CASE WHEN guest THEN 1 ELSE 0 END) AS guests, sum(CASE WHEN writeStatus = 'failed' THEN 1 ELSE 0 END) AS failedWrites,
        sum(frequency) AS orders, sum(monetaryMinor) AS monetaryMinor,
        sum(CASE WHEN typeof(lastOrderAt) = 'integer' AND typeof(firstOrderAt) = 'integer' THEN lastOrderAt - firstOrderAt ELSE 0 END) AS lifetimeMs,
        sum(CASE WHEN typeof(lastOrderAt) = 'integer' AND typeof(firstOrderAt) = 'integer' THEN 1 ELSE 0 END) AS lifetimes
      FROM "Customer" WHERE shopId = ? GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;
    expect(await db.prepare(totals).all(shopId)).toEqual(await db.prepare(fresh).all(shopId));
    expect(await db.prepare(`SELECT "totalsPaused" OR "totalsRebuilding" FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)).toBe(0);
  });

  it("GIVEN a shop another process scored WHEN this process warms its states THEN its first recompute after an order is incremental (decision 059)", async () => {
    // (a shop of its own: the lanes hold states of the other tests' shops)
    const { db, shopId, store } = await shopWithCustomers(3_000, "warm.myshopify.com");
    const twin = await shopWithCustomers(3_000, "warm.myshopify.com");
    // GIVEN the shop scored elsewhere (this process's lanes hold nothing for it)
    await recomputeShop(shopId, { db, now });
    await recomputeShop(shopId, { db: twin.db, now });

    // WHEN this process looks for states to build: a busy lane is left alone, an idle one builds
    expect(await warmShops({ db, now, idle: () => false })).toEqual(new Map([[shopId, "skipped"]]));
    const told: string[] = [];
    expect(await warmShops({ db, now, onWarm: (shop, result) => told.push(`${shop} ${result}`) })).toEqual(new Map([[shopId, "built"]]));
    // (held here since: not asked again until the shop has been scored many more times)
    expect(await warmShops({ db, now })).toEqual(new Map([[shopId, "known"]]));
    expect(told).toEqual([`${shopId} built`]);

    const order = anOrder({ customerKey: "gid://shopify/Customer/7", processedAt: "2026-06-30T20:00:00Z", updatedAt: "2026-06-30T20:00:00Z", totalMinor: 500_000 });
    await store.upsertOrders(shopId, [order]);
    await twin.store.upsertOrders(shopId, [order]);
    const later = () => new Date(now().getTime() + 60_000);
    const ran = await recomputeInWorker(shopId, { db, now: later });
    await recomputeShop(shopId, { db: twin.db, now: later });

    // THEN the recompute applied only what changed, and wrote what a full one writes
    expect(ran.result.fallback).toBeUndefined();
    expect(ran.result.incremental?.marked).toBe(1);
    expect(await everything(db, shopId)).toEqual(await everything(twin.db, shopId));
  });

  it("GIVEN shops scored long ago or never WHEN this process looks for states to build THEN it leaves them alone", async () => {
    const { db, shopId } = await shopWithCustomers(10);
    await addShop(db, "never-scored.myshopify.com");
    await recomputeShop(shopId, { db, now });
    const twoHoursOn = () => new Date(now().getTime() + 2 * 3_600_000);
    expect(await warmShops({ db, now: twoHoursOn })).toEqual(new Map());
  });

  it("GIVEN candidate settings WHEN previewed through the pool THEN the preview equals the in-process one and came from another thread", async () => {
    const { db, shopId } = await shopWithCustomers(500);
    const candidate = settings({ rules: { lookbackDays: 90 } });

    const ran = await previewInWorker(shopId, candidate, { db, now });

    expect(ran.threadId).not.toBe(threadId);
    expect(ran.result).toEqual(await previewSettings(shopId, candidate, { db, now }));
    expect(ran.result.moved).toBeGreaterThan(0);
  });

  it("GIVEN an unknown shop WHEN recomputed through the pool THEN the worker's error reaches the caller", async () => {
    const { db } = await freshDatabase();

    await expect(recomputeInWorker("shop_nope", { db, now })).rejects.toThrow("unknown shop shop_nope");
  });

  it("GIVEN an in-memory database WHEN recomputed through the pool THEN a clear error says a file is needed", async () => {
    const db = sqliteDb(new Database(":memory:"));

    await expect(async () => recomputeInWorker("shop_x", { db, now })).rejects.toThrow(/needs the database in a file/);
  });

  it("GIVEN a preview whose request was abandoned WHEN its signal aborts THEN the task is dropped", async () => {
    const { db, shopId } = await shopWithCustomers(50);
    const abandoned = new AbortController();
    abandoned.abort();

    await expect(previewInWorker(shopId, settings({}), { db, now, signal: abandoned.signal })).rejects.toThrow(/abort/i);
  });
});

// The embedded queue is SQLite's; on PostgreSQL jobs go through pg-boss (its own suite).
describe.skipIf(onPostgres())("the recompute job", () => {
  it("GIVEN a shop WHEN its recompute job runs THEN scoring happens on a scoring thread while this loop keeps turning, and write-back is queued", async () => {
    const { db, url, shopId } = await shopWithCustomers(3_000);
    const prisma = createPrismaClient(url);
    const handlers = jobHandlers({
      prisma,
      db,
      store: createOrderStore(db),
      adapterFor: () => {
        throw new Error("a recompute needs no store");
      },
      sweepIntervalMs: 3_600_000,
      now,
    });

    const { turns } = await loopTurnsWhile(() => handlers.recompute({ shopId, payload: {}, attempt: 1, queue: createJobQueue(db) }));

    expect(turns).toBeGreaterThan(0);
    expect(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`).pluck().get(shopId)).toBe(3_000);
    expect(await db.prepare(`SELECT type FROM "Job" WHERE shopId = ? AND status = 'pending'`).pluck().all(shopId)).toEqual(["writeback"]);
    await prisma.$disconnect();
  });
});
