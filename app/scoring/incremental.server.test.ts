import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import type { CanonicalOrder } from "~/rfm/order";
import { redactCustomer } from "~/privacy/redact.server";
import { createOrderStore, type OrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { actAsProcess, forgetScoringStates, holdsScoringState, recomputeWithState, warmScoringState, type WarmResult } from "./incremental.server";
import { recomputeShop } from "./recompute.server";
import { KEPT_GENERATIONS } from "./scoring-marks.server";

// Runs on SQLite (npm test) and on PostgreSQL (npm run test:pg: app/scoring/*.test.ts).

const DAY = 86_400_000;
const T0 = Date.parse("2026-07-01T09:00:00Z");

/** A small deterministic generator (the same sequence on both engines). */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

interface Shop {
  db: Db;
  shopId: string;
  store: OrderStore;
}

async function shop(settings: unknown = {}, timezone?: string): Promise<Shop> {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "twin.myshopify.com", { settings, timezone });
  return { db, shopId, store: createOrderStore(db) };
}

/** Everything scoring writes, comparable across databases. */
async function everything({ db, shopId }: Shop) {
  const rows = (sql: string) => db.prepare(sql).all(shopId);
  return {
    customers: await rows(`SELECT customerKey, guest, recencyDays, frequency, monetaryMinor, ${db.sql.epochMs("firstOrderAt")} AS firstOrderAt,
      ${db.sql.epochMs("lastOrderAt")} AS lastOrderAt, r, f, m, persona, previousPersona, ${db.sql.epochMs("personaSince")} AS personaSince,
      ${db.sql.epochMs("scoredAt")} AS scoredAt FROM "Customer" WHERE shopId = ? ORDER BY customerKey`),
    snapshots: await rows(`SELECT day, persona, customers, orders, revenueMinor FROM "PersonaSnapshot" WHERE shopId = ? AND backdatedUnder IS NULL ORDER BY day, persona`),
    transitions: await rows(`SELECT day, fromPersona, toPersona, customers FROM "PersonaTransition" WHERE shopId = ? ORDER BY day, fromPersona, toPersona`),
    totals: await rows(`SELECT persona, r, f, m, lastOrderDay, customers, guests, orders, monetaryMinor, lifetimeMs, lifetimes FROM "CustomerTotal" WHERE shopId = ? AND customers <> 0 ORDER BY persona, r, f, m, lastOrderDay`),
    edges: await db.prepare(`SELECT scoringEdges FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId),
    // The customer search keeps a text row per customer (triggers on Customer).
    searchable: await db.prepare(`SELECT customerKey FROM "CustomerSearchText" WHERE shopId = ? ORDER BY customerKey`).pluck().all(shopId),
  };
}

/** Scores, personas and metrics only: what a full recompute from scratch must agree with. */
const scores = (all: Awaited<ReturnType<typeof everything>>) => ({
  // Customers who lost every order keep a row without a persona; from scratch they have none.
  customers: (all.customers as Record<string, unknown>[]).filter((c) => c.persona !== null).map(({ customerKey, frequency, monetaryMinor, r, f, m, persona, recencyDays }) => ({
    customerKey, frequency, monetaryMinor, r, f, m, persona, recencyDays,
  })),
  today: (all.snapshots as { day: string }[]).filter((s) => s.day === "2026-07-01"),
  edges: all.edges,
});

// Guests' keys are emails, quotes and backslashes included (the re-read passes keys as an array).
const customerKey = (i: number) =>
  i % 7 === 3 ? `email:buyer${i}@example.com` : i % 11 === 5 ? `email:o'brien"\\${i}@example.com` : `gid://shopify/Customer/${i}`;

function order(rng: ReturnType<typeof random>, customer: number, overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  const at = new Date(T0 - (1 + rng.int(500)) * DAY - rng.int(DAY)).toISOString();
  const amount = 100 * (1 + rng.int(300));
  return anOrder({
    customerKey: customerKey(customer),
    guest: customerKey(customer).startsWith("email:"),
    processedAt: at,
    updatedAt: at,
    totalMinor: amount,
    pos: rng.int(8) === 0,
    lineItems: [{ id: "l1", quantity: 1, unitPriceMinor: amount, totalMinor: amount, subscription: false }],
    ...overrides,
  });
}

/** One random change to the shop's orders, applied the same way to every twin. */
type Change = (s: Shop) => Promise<unknown>;

/**
 * Random changes to apply now; `later` gets what a bulk export does after the next recompute
 * (its aggregate pass), so a recompute reads between its batches and that pass.
 */
function randomChanges(rng: ReturnType<typeof random>, live: CanonicalOrder[], nextCustomer: { n: number }, at: number, later: Change[]): Change[] {
  const changes: Change[] = [];
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const kind = rng.int(10);
    const today = new Date(at - rng.int(3_600_000)).toISOString();
    // Edits carry a later updatedAt than anything before (the store keeps the newest copy).
    const edited = new Date(at).toISOString();
    if (kind <= 1 || live.length === 0) {
      // A new order today, for a known customer or (now and then) a new one.
      const customer = rng.int(4) === 0 ? nextCustomer.n++ : rng.int(nextCustomer.n);
      const o = order(rng, customer, { processedAt: today, updatedAt: edited });
      live.push(o);
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
    } else if (kind === 2) {
      // A new customer whose only order does not count (a test order): a row without a persona.
      const o = order(rng, nextCustomer.n++, { test: true });
      live.push(o);
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
    } else if (kind === 3) {
      // An edit: the amount changes (a refund or an edit).
      const i = rng.int(live.length);
      const amount = 100 * (1 + rng.int(300));
      live[i] = { ...live[i], updatedAt: edited, totalMinor: amount, lineItems: [{ id: "l1", quantity: 1, unitPriceMinor: amount, totalMinor: amount, subscription: false }] };
      const o = live[i];
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
    } else if (kind === 4) {
      // Cancelled: no longer counted (the customer may lose their last counted order).
      const i = rng.int(live.length);
      live[i] = { ...live[i], updatedAt: edited, cancelled: true };
      const o = live[i];
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
    } else if (kind === 5) {
      // Deleted on the platform.
      const [o] = live.splice(rng.int(live.length), 1);
      changes.push((s) => s.store.deleteOrder(s.shopId, o.id, new Date(at)));
    } else if (kind === 6) {
      // The order moves to another customer (a guest checkout later tied to an account).
      const i = rng.int(live.length);
      live[i] = { ...live[i], updatedAt: edited, customerKey: customerKey(rng.int(nextCustomer.n)), guest: false };
      const o = live[i];
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
    } else if (kind === 7 && rng.int(2) === 0) {
      // A bulk export's header alone: the order was cancelled (its lines stay as they were).
      const i = rng.int(live.length);
      live[i] = { ...live[i], updatedAt: edited, cancelled: true };
      const { lineItems: _, ...header } = live[i];
      changes.push((s) => s.store.writeBulkBatch(s.shopId, [header], []));
    } else if (kind === 7) {
      // A bulk export rewrites an order: header, then its lines in a later batch, and the
      // aggregate pass only after the next recompute has read the orders.
      const i = rng.int(live.length);
      const amount = 100 * (1 + rng.int(300));
      // A subscription line: the stale aggregates read before the pass say the order has none.
      const line = { id: "l1", quantity: 1, unitPriceMinor: amount, totalMinor: amount, subscription: true };
      live[i] = { ...live[i], processedAt: today, updatedAt: edited, totalMinor: amount, lineItems: [line] };
      const { lineItems: _, ...header } = live[i];
      changes.push((s) => s.store.writeBulkBatch(s.shopId, [header], []));
      changes.push((s) => s.store.writeBulkBatch(s.shopId, [], [{ orderId: header.id, lineItem: line }]));
      later.push((s) => s.store.refreshLineAggregates(s.shopId));
    } else if (kind === 8) {
      // An order with a subscription line; next round a bulk export's lines alone swap which
      // line is the subscription: the order's line aggregates stay, what counts changes.
      const i = rng.int(live.length);
      const [x, y] = [100 * (1 + rng.int(300)), 100 * (301 + rng.int(300))];
      const line = (id: string, amount: number, subscription: boolean) => ({ id, quantity: 1, unitPriceMinor: amount, totalMinor: amount, subscription });
      const o = { ...live[i], updatedAt: edited, totalMinor: x + y, lineItems: [line("l1", x, true), line("l2", y, false)] };
      const swapped = [line("l1", x, false), line("l2", y, true)];
      live[i] = { ...o, lineItems: swapped };
      changes.push((s) => s.store.upsertOrders(s.shopId, [o]));
      later.push((s) => s.store.writeBulkBatch(s.shopId, [], swapped.map((lineItem) => ({ orderId: o.id, lineItem }))));
    } else {
      // Every order of one customer goes (an erasure request).
      const key = live[rng.int(live.length)].customerKey!;
      for (let i = live.length - 1; i >= 0; i--) if (live[i].customerKey === key) live.splice(i, 1);
      changes.push((s) => s.store.deleteCustomerOrders(s.shopId, key));
    }
  }
  return changes;
}

describe("incremental recompute after order changes (decision 047)", () => {
  for (const [name, settings, timezone] of [
    ["default settings", {}, undefined],
    ["a 180-day window, POS counted, a time zone", { rules: { lookbackDays: 180, excludePos: false } }, "America/New_York"],
  ] as const) {
    it(`GIVEN a shop scored in full (${name}) WHEN random order changes arrive and incremental recomputes run THEN every customer row, snapshot, transition and total equals the full recompute's`, async () => {
      forgetScoringStates();
      const incremental = await shop(settings, timezone);
      const full = await shop(settings, timezone);
      const rng = random(name.length * 7919);
      const nextCustomer = { n: 60 };
      const live: CanonicalOrder[] = [];
      for (let c = 0; c < nextCustomer.n; c++) for (let k = 1 + rng.int(4); k > 0; k--) live.push(order(rng, c, { test: rng.int(25) === 0 }));
      for (const s of [incremental, full]) await s.store.upsertOrders(s.shopId, live);
      const first = await recomputeWithState(incremental.shopId, { db: incremental.db, now: () => new Date(T0) });
      await recomputeShop(full.shopId, { db: full.db, now: () => new Date(T0) });
      expect(first.fallback).toBe("cold");
      expect(await everything(incremental)).toEqual(await everything(full));

      let incrementalRuns = 0;
      let later: Change[] = [];
      // The last round only finishes what the one before left for later.
      for (let round = 1; round <= 26; round++) {
        const at = T0 + round * 60_000;
        const now = () => new Date(at);
        const pending = later;
        later = [];
        const fresh = round <= 25 ? randomChanges(rng, live, nextCustomer, at, later) : [];
        for (const change of [...pending, ...fresh]) {
          await change(incremental);
          await change(full);
        }

        const run = await recomputeWithState(incremental.shopId, { db: incremental.db, now });
        await recomputeShop(full.shopId, { db: full.db, now });

        expect(run.fallback).toBeUndefined();
        if (run.incremental) incrementalRuns++;
        expect(await everything(incremental), `round ${round}`).toEqual(await everything(full));
      }
      expect(incrementalRuns).toBe(26);

      // And from scratch: the final orders scored once give the same scores and personas.
      const scratch = await shop(settings, timezone);
      await scratch.store.upsertOrders(scratch.shopId, live);
      await recomputeShop(scratch.shopId, { db: scratch.db, now: () => new Date(T0 + 26 * 60_000) });
      expect(scores(await everything(incremental))).toEqual(scores(await everything(scratch)));
      expect(await incremental.db.prepare(`SELECT count(*) FROM "ScoringDirty"`).pluck().get()).toEqual(0);
    });
  }

  it("GIVEN two worker processes scoring one shop in turns WHEN random order changes arrive THEN each catches up on what the other scored instead of running in full, and every row equals the full recompute's (decision 054)", async () => {
    const incremental = await shop();
    const full = await shop();
    const rng = random(2024);
    const nextCustomer = { n: 60 };
    const live: CanonicalOrder[] = [];
    for (let c = 0; c < nextCustomer.n; c++) for (let k = 1 + rng.int(4); k > 0; k--) live.push(order(rng, c));
    for (const s of [incremental, full]) await s.store.upsertOrders(s.shopId, live);
    const runs: { process: string; fallback?: string; caughtUp?: number }[] = [];
    let later: Change[] = [];
    try {
      for (let round = 0; round <= 12; round++) {
        const at = T0 + round * 60_000;
        const pending = later;
        later = [];
        const fresh = round > 0 && round <= 11 ? randomChanges(rng, live, nextCustomer, at, later) : [];
        for (const change of [...pending, ...fresh]) {
          await change(incremental);
          await change(full);
        }
        // GIVEN worker A and worker B take the shop's recomputes in turns (the queue picks either).
        const process = round % 2 === 0 ? "A" : "B";
        actAsProcess(process);
        if (round <= 1) forgetScoringStates();

        const run = await recomputeWithState(incremental.shopId, { db: incremental.db, now: () => new Date(at) });
        await recomputeShop(full.shopId, { db: full.db, now: () => new Date(at) });

        runs.push({ process, fallback: run.fallback, caughtUp: run.incremental?.caughtUp });
        expect(await everything(incremental), `round ${round} on ${process}`).toEqual(await everything(full));
      }
    } finally {
      actAsProcess("main");
    }
    // THEN only each process's first recompute ran in full (cold); every later one caught up.
    expect(runs.filter((r) => r.fallback !== undefined)).toEqual([
      { process: "A", fallback: "cold", caughtUp: undefined },
      { process: "B", fallback: "cold", caughtUp: undefined },
    ]);
    expect(runs.slice(2).every((r) => r.caughtUp !== undefined && r.caughtUp > 0)).toBe(true);
  });

  it("GIVEN process A scores the shop and order changes wait unscored WHEN a cold process B warms its state ahead of need, while orders change and A scores them THEN B's first recompute is incremental and every row equals the full recompute's (decision 059)", async () => {
    const incremental = await shop();
    const full = await shop();
    const rng = random(59);
    const nextCustomer = { n: 60 };
    const live: CanonicalOrder[] = [];
    for (let c = 0; c < nextCustomer.n; c++) for (let k = 1 + rng.int(4); k > 0; k--) live.push(order(rng, c));
    for (const s of [incremental, full]) await s.store.upsertOrders(s.shopId, live);
    const warmUps: WarmResult[] = [];
    let later: Change[] = [];
    const apply = async (changes: Change[]) => {
      for (const change of changes) {
        await change(incremental);
        await change(full);
      }
    };
    const notRunning = async () => false;
    try {
      for (let round = 0; round < 12; round++) {
        const at = T0 + round * 60_000;
        const now = () => new Date(at);
        // GIVEN process A scores the shop (in full the first time)…
        actAsProcess("A");
        const pending = later;
        later = [];
        await apply([...pending, ...randomChanges(rng, live, nextCustomer, at, later)]);
        await recomputeWithState(incremental.shopId, { db: incremental.db, now });
        await recomputeShop(full.shopId, { db: full.db, now });
        // …and more order changes arrive, marked but not scored yet.
        const more = later;
        later = [];
        await apply([...more, ...randomChanges(rng, live, nextCustomer, at + 1_000, later)]);

        // WHEN process B, cold, warms its state for the shop, while (now and then) more orders
        // change and process A scores them again…
        actAsProcess("B");
        forgetScoringStates();
        const elsewhere = rng.int(4);
        const duringRead = async () => {
          if (elsewhere & 1) await apply(randomChanges(rng, live, nextCustomer, at + 1_500, later));
          if (elsewhere & 2) {
            actAsProcess("A");
            await recomputeWithState(incremental.shopId, { db: incremental.db, now });
            await recomputeShop(full.shopId, { db: full.db, now });
            actAsProcess("B");
          }
        };
        const warm = await warmScoringState(incremental.shopId, { db: incremental.db, now, running: notRunning, duringRead });
        warmUps.push(warm);
        // (a warm-up writes nothing)
        const generation = await incremental.db.prepare(`SELECT scoringGeneration FROM "SyncState" WHERE shopId = ?`).pluck().get(incremental.shopId);
        expect(await warmScoringState(incremental.shopId, { db: incremental.db, now, running: notRunning })).toBe(warm === "built" ? "held" : warm);
        expect(await incremental.db.prepare(`SELECT scoringGeneration FROM "SyncState" WHERE shopId = ?`).pluck().get(incremental.shopId)).toEqual(generation);

        // …and then takes the shop's next recompute
        const run = await recomputeWithState(incremental.shopId, { db: incremental.db, now: () => new Date(at + 2_000) });
        await recomputeShop(full.shopId, { db: full.db, now: () => new Date(at + 2_000) });

        // THEN a built state serves it incrementally, and the rows are the full recompute's either way.
        expect(run.fallback, `round ${round}: warm-up ${warm}`).toBe(warm === "built" ? undefined : "cold");
        expect(await everything(incremental), `round ${round}: warm-up ${warm}`).toEqual(await everything(full));
      }
    } finally {
      actAsProcess("main");
    }
    // Every warm-up built, whatever edges the unscored changes moved.
    expect(warmUps).toEqual(warmUps.map(() => "built"));
  });

  it("GIVEN a recompute of the shop running elsewhere WHEN a process warms its state THEN it builds nothing (its rows may be half written)", async () => {
    const s = await warmShop();
    actAsProcess("B");
    try {
      forgetScoringStates();
      expect(await warmScoringState(s.shopId, { db: s.db, now: () => new Date(T0), running: async () => true })).toBe("busy");
      expect(holdsScoringState(s.shopId)).toBe(false);
      expect(await warmScoringState(s.shopId, { db: s.db, now: () => new Date(T0), running: async () => false })).toBe("built");
      expect(holdsScoringState(s.shopId)).toBe(true);
    } finally {
      actAsProcess("main");
    }
  });

  it("GIVEN a shop never scored WHEN a process warms its state THEN it builds nothing", async () => {
    forgetScoringStates();
    const s = await shop();
    await s.store.upsertOrders(s.shopId, [order(random(1), 1)]);
    expect(await warmScoringState(s.shopId, { db: s.db, now: () => new Date(T0), running: async () => false })).toBe("unscored");
    expect(holdsScoringState(s.shopId)).toBe(false);
  });

  it("GIVEN a state more generations behind than the log keeps WHEN it recomputes THEN it runs in full", async () => {
    const s = await warmShop();
    // Another process scored the shop more often than the log keeps.
    actAsProcess("other");
    try {
      for (let i = 0; i <= KEPT_GENERATIONS; i++) {
        await s.newOrder();
        await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 1_000 * (i + 1)) });
      }
    } finally {
      actAsProcess("main");
    }
    await s.newOrder();

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 120_000) });

    expect(run.fallback).toBe("generation");
    expect(Number(await s.db.prepare(`SELECT count(DISTINCT generation) FROM "ScoringChange" WHERE shopId = ?`).pluck().get(s.shopId))).toBe(KEPT_GENERATIONS);
  });

  async function warmShop() {
    forgetScoringStates();
    const s = await shop();
    const rng = random(42);
    const orders: CanonicalOrder[] = [];
    for (let c = 0; c < 30; c++) for (let k = 1 + rng.int(3); k > 0; k--) orders.push(order(rng, c));
    await s.store.upsertOrders(s.shopId, orders);
    await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0) });
    const newOrder = async () => {
      const o = order(rng, rng.int(30), { processedAt: new Date(T0).toISOString() });
      await s.store.upsertOrders(s.shopId, [o]);
    };
    return { ...s, newOrder };
  }

  it("GIVEN a warm state WHEN the merchant's settings change THEN the next recompute runs in full", async () => {
    const s = await warmShop();
    await s.newOrder();
    await s.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify({ rules: { excludePos: false } }), s.shopId);

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });

    expect(run.fallback).toBe("basis");
    expect(run.incremental).toBeUndefined();
    expect(holdsScoringState(s.shopId)).toBe(true); // rebuilt by the full run
  });

  it("GIVEN a warm state WHEN the generation moved without the log saying whom it rescored THEN the next recompute runs in full", async () => {
    const s = await warmShop();
    await s.newOrder();
    // A bump the scoring log does not list (as an erasure's).
    await s.db.prepare(`UPDATE "SyncState" SET scoringGeneration = scoringGeneration + 1 WHERE shopId = ?`).run(s.shopId);

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });

    expect(run.fallback).toBe("generation");
  });

  it("GIVEN a warm state WHEN the shop's day turns THEN the next recompute runs in full", async () => {
    const s = await warmShop();
    await s.newOrder();

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + DAY) });

    expect(run.fallback).toBe("day");
  });

  it("GIVEN a warm state WHEN the time zone changes THEN the next recompute runs in full", async () => {
    const s = await warmShop();
    await s.db.prepare(`UPDATE "Shop" SET timezone = 'Asia/Tokyo' WHERE id = ?`).run(s.shopId);

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });

    expect(run.fallback).toBe("basis");
  });

  it("GIVEN a cold process WHEN a recompute runs THEN it runs in full and leaves a state that the next one uses", async () => {
    const s = await warmShop();
    forgetScoringStates();
    await s.newOrder();

    const cold = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });
    await s.newOrder();
    const warm = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 120_000) });

    expect(cold.fallback).toBe("cold");
    expect(warm.fallback).toBeUndefined();
    expect(warm.incremental?.marked).toBe(1);
  });

  it("GIVEN a warm state WHEN a customer is erased (customers/redact) THEN no mark keeps their key and the next recompute runs in full, without them", async () => {
    const s = await warmShop();
    const erased = customerKey(4);

    await s.db.transaction(() => redactCustomer(s.db, s.store, s.shopId, { customerKey: erased }, new Date(T0 + 30_000)));
    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });

    expect(run.fallback).toBe("generation");
    expect(await s.db.prepare(`SELECT count(*) FROM "ScoringDirty" WHERE customerKey = ?`).pluck().get(erased)).toEqual(0);
    const counted = await s.db.prepare(`SELECT sum(customers) FROM "PersonaSnapshot" WHERE shopId = ? AND day = '2026-07-01'`).pluck().get(s.shopId);
    expect(Number(counted)).toBe(29);
  });

  it("GIVEN a scored shop WHEN a bulk export rewrites an order and a recompute reads before its aggregate pass THEN the recompute after the pass equals the full one", async () => {
    forgetScoringStates();
    const [incremental, full] = [await shop(), await shop()];
    const rng = random(7);
    const orders: CanonicalOrder[] = [];
    for (let c = 0; c < 20; c++) orders.push(order(rng, c, { processedAt: new Date(T0 - (c + 1) * DAY).toISOString() }));
    const key = customerKey(8);
    const target = orders.find((o) => o.customerKey === key)!;
    // The export's copy: newer, and its only line is now a subscription item (not counted).
    const line = { id: "l1", quantity: 1, unitPriceMinor: 50_000, totalMinor: 50_000, subscription: true };
    const { lineItems: _, ...header } = { ...target, updatedAt: new Date(T0).toISOString(), totalMinor: 50_000 };
    const runs = [];
    for (const s of [incremental, full]) {
      await s.store.upsertOrders(s.shopId, orders);
      const recompute = s === incremental ? recomputeWithState : recomputeShop;
      await recompute(s.shopId, { db: s.db, now: () => new Date(T0) });
      await s.store.writeBulkBatch(s.shopId, [header], []);
      await s.store.writeBulkBatch(s.shopId, [], [{ orderId: header.id, lineItem: line }]);
      await recompute(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) });

      await s.store.refreshLineAggregates(s.shopId);
      runs.push(await recompute(s.shopId, { db: s.db, now: () => new Date(T0 + 120_000) }));
    }

    expect((runs[0] as Awaited<ReturnType<typeof recomputeWithState>>).incremental?.marked).toBe(1);
    expect(await everything(incremental)).toEqual(await everything(full));
    const customer = await incremental.db.prepare(`SELECT frequency FROM "Customer" WHERE shopId = ? AND customerKey = ?`).pluck().get(incremental.shopId, key);
    expect(customer).toBe(0);
  });

  it("GIVEN the daily reconciler WHEN it runs with a warm state THEN it scores the whole shop", async () => {
    const s = await warmShop();
    await s.newOrder();

    const run = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000), incremental: false });

    expect(run.incremental).toBeUndefined();
    expect(await s.db.prepare(`SELECT count(*) FROM "ScoringDirty"`).pluck().get()).toEqual(0);
  });

  it("GIVEN an incremental recompute whose writes fail WHEN the next recompute runs THEN the state that took the changes is not used: the database is scored in full", async () => {
    const s = await warmShop();
    const twin = await shop();
    for await (const o of s.store.iterateOrders(s.shopId)) await twin.store.upsertOrders(twin.shopId, [o]);
    await recomputeShop(twin.shopId, { db: twin.db, now: () => new Date(T0) });
    const o = anOrder({ customerKey: customerKey(5), processedAt: new Date(T0 - 3_600_000).toISOString(), totalMinor: 990_000,
      lineItems: [{ id: "l1", quantity: 1, unitPriceMinor: 990_000, totalMinor: 990_000, subscription: false }] });
    for (const t of [s, twin]) await t.store.upsertOrders(t.shopId, [o]);
    // The write transaction fails (the snapshot insert is refused) after the state applied the order.
    const failing = `CREATE TRIGGER "refuse_snapshot" BEFORE INSERT ON "PersonaSnapshot" BEGIN SELECT RAISE(ABORT, 'disk full'); END`;
    if (s.db.dialect === "sqlite") await s.db.exec(failing);
    else {
      await s.db.exec(`CREATE FUNCTION refuse_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
      await s.db.exec(`CREATE TRIGGER "refuse_snapshot" BEFORE INSERT ON "PersonaSnapshot" FOR EACH ROW EXECUTE FUNCTION refuse_snapshot()`);
    }
    await expect(recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 60_000) })).rejects.toThrow(/disk full/);
    await s.db.exec(`DROP TRIGGER "refuse_snapshot"${s.db.dialect === "sqlite" ? "" : ` ON "PersonaSnapshot"`}`);

    // The retry: nothing of the failed run is in the database, and the state is not trusted.
    const retry = await recomputeWithState(s.shopId, { db: s.db, now: () => new Date(T0 + 120_000) });
    await recomputeShop(twin.shopId, { db: twin.db, now: () => new Date(T0 + 120_000) });

    expect(retry.fallback).toBe("cold");
    expect(await everything(s)).toEqual(await everything(twin));
  });
});
