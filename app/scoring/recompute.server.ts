/**
 * Recompute a shop: its stored canonical orders → the merchant's rules → RFM → personas,
 * then persist per customer (metrics, scores, persona, previous persona, persona-since),
 * a daily snapshot per persona and the day's transitions (from → to counts).
 *
 * Reads go through the raw SQLite connection as one streaming pass over the shop's orders.
 * Writes go in short IMMEDIATE transactions (a slice of customers with their transitions,
 * then the snapshot), so another writer — the web process acknowledging a webhook — never
 * waits long for the lock: SQLite's busy wait blocks that writer's whole thread. A reader
 * during the write phase may see some customers rescored and others not yet; each slice is
 * whole (customers with their transitions), so a crash mid-write leaves nothing to double-count.
 * See docs/decisions/013-scoring-off-the-event-loop.md.
 */
import {
  applyRules,
  countedOrderColumns,
  isoDate,
  NO_PERSONA,
  scoreCountedOrders,
  utcDay,
  type RulesReport,
} from "~/rfm";
import { rfmPart } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import type { OrderStore } from "~/sync/order-store.server";
import { writeTransaction, type SqliteDatabase } from "~/sync/sqlite.server";
import { isGuestKey } from "~/rfm/customer-key";

export interface RecomputeDeps {
  db: SqliteDatabase;
  store: OrderStore;
  now?: () => Date;
  /**
   * How writes share the database: each write transaction lasts about `sliceMs`, then the
   * lock is left free for `pauseMs` so waiting writers get in (SQLite has no fair queue; a
   * waiter sleeps and retries after 1, 3, 8, 18 … ms), and with `checkpoint` the WAL is
   * checkpointed between slices. Off-thread recompute pauses and checkpoints; in-process
   * callers (CLI, benchmarks, tests) default to neither.
   */
  writeSlices?: { sliceMs: number; pauseMs: number; checkpoint?: boolean };
}

const DEFAULT_SLICES = { sliceMs: 10, pauseMs: 0, checkpoint: false };

/** Sleeps this thread without spinning (the scoring worker's own thread, never the web loop). */
function pause(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface RecomputeSummary {
  asOf: string;
  customersScored: number;
  customersWithoutPersona: number;
  personaChanges: number;
  personas: { slug: string; customers: number; orders: number; revenueMinor: number }[];
  rules: RulesReport;
  /** Where the time went: reading + rules + scoring, then persisting. */
  timingsMs: { scoring: number; writing: number };
}

export function recomputeShop(shopId: string, deps: RecomputeDeps): RecomputeSummary {
  const { db, store } = deps;
  const asOf = deps.now?.() ?? new Date();
  const today = isoDate(utcDay(asOf));
  const settings = rfmPart(shopSettings(db, shopId));

  const t0 = performance.now();
  const { counted, report: rules } = applyRules(store.iterateOrdersForScoring(shopId), settings.rules, asOf);
  const { columns, customerKeys } = countedOrderColumns(counted);
  const scored = scoreCountedOrders(columns, settings, asOf);
  const { metrics } = scored;
  const t1 = performance.now();

  const previous = new Map<string, { persona: string | null; previousPersona: string | null; since: number | null }>();
  for (const row of db
    .prepare(`SELECT customerKey, persona, previousPersona, personaSince FROM "Customer" WHERE shopId = ?`)
    .raw()
    .all(shopId) as [string, string | null, string | null, number | string | null][]) {
    previous.set(row[0], {
      persona: row[1],
      previousPersona: row[2],
      since: row[3] === null ? null : new Date(row[3]).getTime(),
    });
  }

  const upsert = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, recencyDays, frequency, monetaryMinor, firstOrderAt,
      lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET
      guest = excluded.guest, recencyDays = excluded.recencyDays, frequency = excluded.frequency,
      monetaryMinor = excluded.monetaryMinor, firstOrderAt = excluded.firstOrderAt,
      lastOrderAt = excluded.lastOrderAt, r = excluded.r, f = excluded.f, m = excluded.m,
      persona = excluded.persona, previousPersona = excluded.previousPersona,
      personaSince = excluded.personaSince, scoredAt = excluded.scoredAt`);
  const clearScores = db.prepare(`
    UPDATE "Customer" SET recencyDays = NULL, frequency = 0, monetaryMinor = 0, r = NULL, f = NULL, m = NULL,
      persona = NULL, previousPersona = ?, personaSince = ?, scoredAt = ?
    WHERE shopId = ? AND customerKey = ?`);
  const deleteSnapshot = db.prepare(`DELETE FROM "PersonaSnapshot" WHERE shopId = ? AND day = ?`);
  const insertSnapshot = db.prepare(
    `INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const addTransition = db.prepare(`
    INSERT INTO "PersonaTransition" (shopId, day, fromPersona, toPersona, customers) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (shopId, day, fromPersona, toPersona) DO UPDATE SET customers = customers + excluded.customers`);

  const scoredAt = asOf.getTime();
  const dayMs = (day: number) => day * 86_400_000;
  const { sliceMs, pauseMs, checkpoint } = { ...DEFAULT_SLICES, ...deps.writeSlices };
  /** Between two write transactions: leave the lock free, and keep the WAL short. */
  const between = () => {
    // Copy what this thread wrote into the database file now, so the WAL stays short and
    // another writer's commit does not inherit a long checkpoint (SQLite's auto-checkpoint
    // runs in whichever connection commits past 1000 pages).
    if (checkpoint) db.pragma("wal_checkpoint(PASSIVE)");
    pause(pauseMs);
  };
  let customersScored = 0;
  let personaChanges = 0;

  /** Transitions of the customers written in the current slice; committed with them. */
  const transitions = new Map<string, number>();
  const moved = (from: string | null, to: string | null) => {
    const key = `${from ?? ""}\u0000${to ?? ""}`;
    transitions.set(key, (transitions.get(key) ?? 0) + 1);
    personaChanges++;
  };
  const flushTransitions = () => {
    for (const [key, n] of transitions) {
      const [from, to] = key.split("\u0000");
      addTransition.run(shopId, today, from, to, n);
    }
    transitions.clear();
  };

  /** Runs write(i) for i = from … to-1 in IMMEDIATE transactions of about sliceMs each. */
  const writeSliced = (from: number, to: number, write: (i: number) => void) => {
    const slice = writeTransaction(db, (start: number): number => {
      const deadline = performance.now() + sliceMs;
      let i = start;
      while (i < to) {
        write(i++);
        if ((i & 31) === 0 && performance.now() >= deadline) break;
      }
      flushTransitions();
      return i;
    });
    for (let i = from; i < to; ) {
      i = slice(i);
      if (i < to) between();
    }
  };

  writeSliced(0, scored.customerCount, (c) => {
    const key = customerKeys[c];
    const before = previous.get(key);
    previous.delete(key);
    const p = scored.persona[c];
    const persona = p === NO_PERSONA ? null : scored.personas[p].slug;
    const changed = (before?.persona ?? null) !== persona;
    if (changed) moved(before?.persona ?? null, persona);
    if (persona) customersScored++;
    upsert.run(
      shopId,
      key,
      isGuestKey(key) ? 1 : 0,
      persona ? metrics.recencyDays[c] : null,
      metrics.frequency[c],
      Math.round(metrics.monetaryMinor[c]),
      persona ? dayMs(metrics.firstDay[c]) : null,
      persona ? dayMs(metrics.lastDay[c]) : null,
      persona ? scored.r[c] : null,
      persona ? scored.f[c] : null,
      persona ? scored.m[c] : null,
      persona,
      changed ? (before?.persona ?? null) : (before?.previousPersona ?? null),
      changed ? scoredAt : (before?.since ?? scoredAt),
      scoredAt,
    );
  });
  // Customers we scored before who have no counted order now: their persona goes.
  const dropped = [...previous].filter(([, before]) => before.persona !== null);
  if (dropped.length > 0) between();
  writeSliced(0, dropped.length, (i) => {
    const [key, before] = dropped[i];
    moved(before.persona, null);
    clearScores.run(before.persona, scoredAt, scoredAt, shopId, key);
  });
  between();
  writeTransaction(db, () => {
    deleteSnapshot.run(shopId, today);
    for (const row of scored.report.personas) {
      insertSnapshot.run(shopId, today, row.slug, row.customers, row.orders, Math.round(row.revenueMinor));
    }
    db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = ?, updatedAt = ? WHERE shopId = ?`).run(
      scoredAt,
      scoredAt,
      shopId,
    );
  })();

  const t2 = performance.now();
  return {
    asOf: asOf.toISOString(),
    customersScored,
    customersWithoutPersona: scored.customerCount - customersScored + previous.size,
    personaChanges,
    personas: scored.report.personas.map(({ slug, customers, orders, revenueMinor }) => ({
      slug,
      customers,
      orders,
      revenueMinor: Math.round(revenueMinor),
    })),
    rules,
    timingsMs: { scoring: Math.round(t1 - t0), writing: Math.round(t2 - t1) },
  };
}
