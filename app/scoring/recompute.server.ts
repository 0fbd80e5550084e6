/**
 * Recompute a shop: its stored canonical orders → the merchant's rules → RFM → personas,
 * then persist per customer (metrics, scores, persona, previous persona, persona-since),
 * a daily snapshot per persona and the day's transitions (from → to counts).
 *
 * Reads go through the raw SQLite connection as one streaming pass over the shop's orders in
 * columns (app/sync/order-columns.server.ts): no object per order or line.
 * Writes are proportional to change: a customer whose persona, scores and metrics are what
 * the table already holds is not written at all. Recency is the one figure that moves every
 * day for everyone, so it is not rewritten daily: the stored recencyDays holds as of the
 * row's scoredAt and readers add the days since (recency.ts). See
 * docs/decisions/020-columnar-recompute.md.
 * Writes go in short IMMEDIATE transactions (a slice of customers with their transitions,
 * then the snapshot), so another writer — the web process acknowledging a webhook — never
 * waits long for the lock: SQLite's busy wait blocks that writer's whole thread. A reader
 * during the write phase may see some customers rescored and others not yet; each slice is
 * whole (customers with their transitions), so a crash mid-write leaves nothing to double-count.
 * See docs/decisions/013-scoring-off-the-event-loop.md.
 */
import {
  DAY_MS,
  isoDate,
  NO_PERSONA,
  scoreCountedOrders,
  shopDayOf,
  type RulesReport,
} from "~/rfm";
import { storedScoringEdges } from "~/dashboard/edges.server";
import { rfmPart } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import type { OrderStore } from "~/sync/order-store.server";
import { readCountedOrders } from "~/sync/order-columns.server";
import { writeTransaction, type SqliteDatabase } from "~/sync/sqlite.server";
import { isGuestKey } from "~/rfm/customer-key";
import { computeHistory, historyDue, historyFingerprint, storeHistory } from "./history.server";

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
  timingsMs: { scoring: number; writing: number; phases: RecomputePhases };
  /** Customer rows written (inserted, updated or cleared): 0 on a day nothing changed. */
  customersWritten: number;
  /** Backdated weekly snapshots computed and stored by this run (install, rule change; 0 otherwise). */
  backdatedWeeks: number;
}

/** Milliseconds per phase of a recompute. */
export interface RecomputePhases {
  /** Orders read and the merchant's rules applied, into counted-order columns. */
  readAndRules: number;
  /** Metrics, scores and personas. */
  scoring: number;
  /** What the table holds now, compared with the new figures. */
  compare: number;
  /** Changed customers with their transitions. */
  customerWrites: number;
  /** The day's snapshot and the recompute time. */
  snapshot: number;
  /** Scoring the past weeks on install and after a rule change (0 otherwise); their rows are written with the snapshot. */
  history: number;
}

export function recomputeShop(shopId: string, deps: RecomputeDeps): RecomputeSummary {
  const { db, store } = deps;
  const asOf = deps.now?.() ?? new Date();
  // Days are the shop's days: an order at 23:30 local time belongs to that local day.
  const timeZone = db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string | undefined;
  const today = isoDate(shopDayOf(timeZone)(asOf));
  const settings = rfmPart(shopSettings(db, shopId));

  const dayOf = shopDayOf(timeZone);
  const asOfDay = dayOf(asOf);

  const t0 = performance.now();
  const { columns, customerKeys, indexOf, uncounted, report: rules } = readCountedOrders(db, shopId, settings.rules, asOfDay, dayOf);
  const tRead = performance.now();
  const scored = scoreCountedOrders(columns, settings, asOf, { timeZone });
  const { metrics } = scored;
  const t1 = performance.now();
  // On install and after a rule change: the past year, week by week, from the same columns.
  const fingerprint = historyFingerprint(db, shopId, settings);
  const history = historyDue(db, shopId, fingerprint)
    ? computeHistory(db, shopId, { columns, settings, asOf, timeZone, dayOf, live: scored })
    : null;
  const tHistory = performance.now();

  // What the table holds: a customer whose stored figures equal the new ones is not written.
  // Dates are compared as the epoch milliseconds recompute writes (anything else rewrites).
  // Skipping needs the shop's scoring day, which readers derive recency from: a shop without
  // a sync state (never installed through a platform) has every customer written.
  const recordsScoringDay = db.prepare(`SELECT 1 FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId) === 1;
  const newPersona = (c: number) => (scored.persona[c] === NO_PERSONA ? null : scored.personas[scored.persona[c]].slug);
  /** 1 = stored and unchanged (skip), 2 = stored, changed; 0 = not stored yet. */
  const stored = new Uint8Array(scored.customerCount);
  const beforePersona: (string | null)[] = new Array(scored.customerCount).fill(null);
  const dropped: [key: string, persona: string][] = [];
  let storedWithoutCountedOrder = 0;
  const storedUncounted = new Set<string>();
  for (const row of db
    .prepare(
      `SELECT customerKey, persona, r * 100 + f * 10 + m, frequency, monetaryMinor, firstOrderAt, lastOrderAt
       FROM "Customer" WHERE shopId = ?`,
    )
    .raw()
    .iterate(shopId) as IterableIterator<[string, string | null, number | null, number, number, unknown, unknown]>) {
    const c = indexOf(row[0]);
    if (c < 0) {
      storedWithoutCountedOrder++;
      storedUncounted.add(row[0]);
      // Scored before, no counted order now: the persona goes.
      if (row[1] !== null) dropped.push([row[0], row[1]]);
      continue;
    }
    const persona = newPersona(c);
    beforePersona[c] = row[1];
    const same =
      recordsScoringDay &&
      persona !== null &&
      row[1] === persona &&
      row[2] === scored.r[c] * 100 + scored.f[c] * 10 + scored.m[c] &&
      row[3] === metrics.frequency[c] &&
      row[4] === Math.round(metrics.monetaryMinor[c]) &&
      row[5] === metrics.firstDay[c] * DAY_MS &&
      row[6] === metrics.lastDay[c] * DAY_MS;
    stored[c] = same ? 1 : 2;
  }
  // Customers who ordered but have no counted order get a row without a persona, so every
  // count of customers (dashboard, customer list, preview) includes them.
  const newUncounted = uncounted.filter((u) => !storedUncounted.has(u.key));
  const t2 = performance.now();
  const historyScoring = tHistory - t1;

  // previousPersona and personaSince move only when the persona does (the row's own values
  // are kept otherwise), so an update needs nothing read back.
  const upsert = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, recencyDays, frequency, monetaryMinor, firstOrderAt,
      lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET
      guest = excluded.guest, recencyDays = excluded.recencyDays, frequency = excluded.frequency,
      monetaryMinor = excluded.monetaryMinor, firstOrderAt = excluded.firstOrderAt,
      lastOrderAt = excluded.lastOrderAt, r = excluded.r, f = excluded.f, m = excluded.m,
      previousPersona = CASE WHEN "Customer".persona IS excluded.persona THEN "Customer".previousPersona ELSE "Customer".persona END,
      personaSince = CASE WHEN "Customer".persona IS excluded.persona THEN coalesce("Customer".personaSince, excluded.personaSince)
        ELSE excluded.personaSince END,
      persona = excluded.persona, scoredAt = excluded.scoredAt`);
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
  const dayMs = (day: number) => day * DAY_MS;
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

  // The new scoring day first: unchanged customers read today's recency from it at once.
  writeTransaction(db, () => {
    db.prepare(`UPDATE "SyncState" SET scoringDay = ? WHERE shopId = ?`).run(asOfDay, shopId);
  })();
  // Only the customers whose figures changed, in slices of whole customers.
  const changedCustomers: number[] = [];
  for (let c = 0; c < scored.customerCount; c++) {
    if (scored.persona[c] !== NO_PERSONA) customersScored++;
    if (stored[c] !== 1) changedCustomers.push(c);
  }
  writeSliced(0, changedCustomers.length, (i) => {
    const c = changedCustomers[i];
    const key = customerKeys[c];
    const persona = newPersona(c);
    const before = beforePersona[c];
    if (before !== persona) moved(before, persona);
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
      scoredAt,
      scoredAt,
    );
  });
  // Customers we scored before who have no counted order now: their persona goes.
  if (dropped.length > 0) between();
  writeSliced(0, dropped.length, (i) => {
    const [key, persona] = dropped[i];
    moved(persona, null);
    clearScores.run(persona, scoredAt, scoredAt, shopId, key);
  });
  const insertUncounted = db.prepare(
    `INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona, scoredAt) VALUES (?, ?, ?, 0, 0, NULL, ?)
     ON CONFLICT (shopId, customerKey) DO NOTHING`,
  );
  if (newUncounted.length > 0) between();
  writeSliced(0, newUncounted.length, (i) => {
    insertUncounted.run(shopId, newUncounted[i].key, newUncounted[i].guest ? 1 : 0, scoredAt);
  });
  const t3 = performance.now();
  between();
  writeTransaction(db, () => {
    if (history) storeHistory(db, shopId, today, history, fingerprint);
    deleteSnapshot.run(shopId, today);
    for (const row of scored.report.personas) {
      insertSnapshot.run(shopId, today, row.slug, row.customers, row.orders, Math.round(row.revenueMinor));
    }
    db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = ?, scoringEdges = ?, updatedAt = ? WHERE shopId = ?`).run(
      scoredAt,
      storedScoringEdges(asOfDay, settings.rules.lookbackDays, scored.report.scoring),
      scoredAt,
      shopId,
    );
  })();

  const t4 = performance.now();
  return {
    asOf: asOf.toISOString(),
    customersScored,
    customersWithoutPersona: scored.customerCount - customersScored + storedWithoutCountedOrder + newUncounted.length,
    personaChanges,
    personas: scored.report.personas.map(({ slug, customers, orders, revenueMinor }) => ({
      slug,
      customers,
      orders,
      revenueMinor: Math.round(revenueMinor),
    })),
    rules,
    timingsMs: {
      scoring: Math.round(t1 - t0),
      writing: Math.round(t4 - t1),
      phases: {
        readAndRules: Math.round(tRead - t0),
        scoring: Math.round(t1 - tRead),
        compare: Math.round(t2 - tHistory),
        customerWrites: Math.round(t3 - t2),
        snapshot: Math.round(t4 - t3),
        history: Math.round(historyScoring),
      },
    },
    customersWritten: changedCustomers.length + dropped.length + newUncounted.length,
    backdatedWeeks: history?.points.length ?? 0,
  };
}
