/**
 * Recompute a shop: its stored canonical orders → the merchant's rules → RFM → personas,
 * then persist per customer (metrics, scores, persona, previous persona, persona-since),
 * a daily snapshot per persona and the day's transitions (from → to counts).
 *
 * Reads are one streaming pass over the shop's orders in
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
 *
 * On PostgreSQL the same reads stream through cursors, and the changed customers are written
 * in bulk (one INSERT … SELECT FROM unnest(…) ON CONFLICT per chunk): per-row statements
 * would cost a round trip each. See docs/decisions/033-recompute-on-postgresql.md.
 */
import type Database from "better-sqlite3";
import { DAY_MS, isoDate, NO_PERSONA, scoreCountedOrders, shopDayOf, type PersonaCount, type RulesReport } from "~/rfm";
import { isGuestKey } from "~/rfm/customer-key";
import { isSqlite, type Db } from "~/db/index.server";
import { copyIn, type CopyValue } from "~/db/copy-in.server";
import { KeyTable } from "~/rfm/key-table";
import type { PostgresDb } from "~/db/postgres.server";
import { storedScoringEdges } from "~/dashboard/edges.server";
import { rfmPart } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import { readCountedOrders } from "~/sync/order-columns.server";
import { readStoredCustomers } from "./stored-customers.server";
import {
  fillSearchText,
  holdTotalsInThisTransaction,
  pauseTotals,
  rebuildTotals,
  replaceTotals,
  TotalsFold,
  totalsRebuildPending,
  TOTALS_REBUILD_FROM,
} from "./customer-totals.server";
import { computeHistory, historyDue, historyFingerprint, storeHistory } from "./history.server";
import type { FullScore } from "./incremental.server";
import { clearTakenMarks, logScoringChanges, takeMarksForFullScoring } from "./scoring-marks.server";
import { DEFAULT_SLICES, pause, slicedWriter, type WriteSlices } from "./sliced-writes.server";
import { traced } from "./write-trace.server";

export type { WriteSlices } from "./sliced-writes.server";

export interface RecomputeDeps {
  db: Db;
  now?: () => Date;
  /**
   * How writes share a SQLite database: each write transaction lasts at most `sliceMs`, and
   * with `yieldTo` ends as soon as a writer of the process waits for the lock, which then goes
   * first (decision 043); `pauseMs` leaves the lock free between transactions for writers that
   * do not signal (another process); with `checkpoint` the WAL is checkpointed between them.
   * PostgreSQL has no single writer lock: there the changed customers go in chunks of their
   * own transactions.
   */
  writeSlices?: WriteSlices;
  /** Called once everything is written, with what was scored: the incremental path's state is built from it (decision 047). */
  onScored?: (full: FullScore) => void;
  /**
   * Called when a recompute that writes many customers has published the shop's totals,
   * today's snapshot and its scoring edges, before it writes the customer rows (decision 070).
   */
  onPublished?: () => void | Promise<void>;
}

/** Customers per bulk statement on PostgreSQL (a staged chunk's rows, or arrays of this many values per column). */
const POSTGRES_CHUNK = 20_000;
/** Rows of customers without a counted order, per write transaction on PostgreSQL. */
const UNCOUNTED_CHUNK = 2_000;

export interface RecomputeSummary {
  asOf: string;
  customersScored: number;
  customersWithoutPersona: number;
  personaChanges: number;
  personas: { slug: string; customers: number; orders: number; revenueMinor: number }[];
  rules: RulesReport;
  /**
   * Where the time went: reading + rules + scoring, then persisting; and, when the totals were
   * published before the rows, how long after the read began they were (null otherwise).
   */
  timingsMs: { scoring: number; writing: number; phases: RecomputePhases; publishedAfter: number | null };
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
  /** The totals, today's snapshot and the scoring edges published ahead of the rows (0 when the rows' triggers keep the totals). */
  publish: number;
  /** Changed customers with their transitions. */
  customerWrites: number;
  /** The day's snapshot and the recompute time. */
  snapshot: number;
  /** Scoring the past weeks on install and after a rule change (0 otherwise); their rows are written with the snapshot. */
  history: number;
}

/** One changed customer's new row, as both write paths bind it (null figures without a persona). */
interface CustomerRow {
  key: string;
  guest: boolean;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  firstOrderMs: number | null;
  lastOrderMs: number | null;
  r: number | null;
  f: number | null;
  m: number | null;
  persona: string | null;
}

/** What a recompute writes, computed before any write; each path persists it its own way. */
interface Changes {
  shopId: string;
  day: string;
  scoredAt: Date;
  /** Customers whose figures changed (or are new), and each one's persona before. */
  count: number;
  row(i: number): CustomerRow;
  before(i: number): string | null;
  /** Scored before, no counted order now: key and the persona that goes. */
  dropped: [key: string, persona: string][];
}

// previousPersona and personaSince move only when the persona does (the row's own values are
// kept otherwise), so an update needs nothing read back.
export const ON_CONFLICT = `ON CONFLICT (shopId, customerKey) DO UPDATE SET
      guest = excluded.guest, recencyDays = excluded.recencyDays, frequency = excluded.frequency,
      monetaryMinor = excluded.monetaryMinor, firstOrderAt = excluded.firstOrderAt,
      lastOrderAt = excluded.lastOrderAt, r = excluded.r, f = excluded.f, m = excluded.m,
      previousPersona = CASE WHEN "Customer".persona IS NOT DISTINCT FROM excluded.persona THEN "Customer".previousPersona ELSE "Customer".persona END,
      personaSince = CASE WHEN "Customer".persona IS NOT DISTINCT FROM excluded.persona THEN coalesce("Customer".personaSince, excluded.personaSince)
        ELSE excluded.personaSince END,
      persona = excluded.persona, scoredAt = excluded.scoredAt`;

/**
 * Whether a stored customer row already holds the new figures, so it is not written: `row`
 * from `at` on holds persona, r * 100 + f * 10 + m, frequency, monetaryMinor and the first and
 * last order as epoch ms (as both recompute paths select them). `persona` as the row holds it:
 * its slug, or its index where the scan interned the column. Without a persona a row is
 * always written.
 */
export function storedRowUnchanged(
  row: readonly unknown[],
  at: number,
  persona: string | number | null,
  rfm: number,
  frequency: number,
  monetaryMinor: number,
  firstDay: number,
  lastDay: number,
): boolean {
  return (
    persona !== null &&
    row[at] === persona &&
    row[at + 1] === rfm &&
    row[at + 2] === frequency &&
    row[at + 3] === Math.round(monetaryMinor) &&
    row[at + 4] === firstDay * DAY_MS &&
    row[at + 5] === lastDay * DAY_MS
  );
}

export const ADD_TRANSITION = `INSERT INTO "PersonaTransition" (shopId, day, fromPersona, toPersona, customers) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (shopId, day, fromPersona, toPersona) DO UPDATE SET customers = "PersonaTransition".customers + excluded.customers`;

/** Counts persona moves (from → to) of the customers written since the last flush. */
class Transitions {
  readonly pending = new Map<string, number>();
  total = 0;
  moved(from: string | null, to: string | null): void {
    if (from === to) return;
    const key = `${from ?? ""}\u0000${to ?? ""}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    this.total++;
  }
  /** The pending moves as (from, to, customers), cleared. */
  take(): [string, string, number][] {
    const out = [...this.pending].map(([key, n]) => [...(key.split("\u0000") as [string, string]), n] as [string, string, number]);
    this.pending.clear();
    return out;
  }
}

export async function recomputeShop(shopId: string, deps: RecomputeDeps): Promise<RecomputeSummary> {
  const { db } = deps;
  const asOf = deps.now?.() ?? new Date();
  // Days are the shop's days: an order at 23:30 local time belongs to that local day.
  const timeZone = (await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null | undefined;
  const dayOf = shopDayOf(timeZone ?? undefined);
  const today = isoDate(dayOf(asOf));
  const settings = rfmPart(await shopSettings(db, shopId));
  const asOfDay = dayOf(asOf);
  // Before reading: order changes from here on are marked for the next recompute (decision 047).
  const generation = await takeMarksForFullScoring(db, shopId);

  const t0 = performance.now();
  // The stored customers are read beside the orders (decision 075); both settle before either
  // failure is thrown, so no read outlives the recompute.
  const storedPersonas = new KeyTable();
  const [orders, customers] = await Promise.allSettled([
    readCountedOrders(db, shopId, settings.rules, asOfDay, dayOf),
    readStoredCustomers(db, shopId, storedPersonas),
  ]);
  if (orders.status === "rejected") throw orders.reason;
  if (customers.status === "rejected") throw customers.reason;
  const { columns, customerKeys, indexOfBytes, uncounted, report: rules } = orders.value;
  const storedRows = customers.value;
  const tRead = performance.now();
  const scored = scoreCountedOrders(columns, settings, asOf, { timeZone: timeZone ?? undefined });
  const { metrics } = scored;
  const t1 = performance.now();
  // On install and after a rule change: the past year, week by week, from the same columns.
  const fingerprint = await historyFingerprint(db, shopId, settings);
  const due = await historyDue(db, shopId, fingerprint);

  // What the table holds: a customer whose stored figures equal the new ones is not written.
  // Dates are compared as the epoch milliseconds recompute writes (anything else rewrites).
  // Skipping needs the shop's scoring day, which readers derive recency from: a shop without
  // a sync state (never installed through a platform) has every customer written.
  const recordsScoringDay = (await db.prepare(`SELECT 1 FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) === 1;
  const newPersona = (c: number) => (scored.persona[c] === NO_PERSONA ? null : scored.personas[scored.persona[c]].slug);
  /** 1 = stored and unchanged (skip), 2 = stored, changed; 0 = not stored yet. */
  const stored = new Uint8Array(scored.customerCount);
  // Stored personas come as indices in a table of their slugs (a handful: no string per row).
  const personaNames: string[] = [];
  const personaName = (i: number) => (i < 0 ? null : (personaNames[i] ??= storedPersonas.key(i)));
  /** Each stored customer's persona before, as its index in storedPersonas; -1: none. */
  const beforePersona = new Int32Array(scored.customerCount).fill(-1);
  /** Each scored persona's index in storedPersonas, once a stored row holds it. */
  const storedIndex = new Int32Array(scored.personas.length).fill(-1);
  const newPersonaIndex = (c: number) => {
    const p = scored.persona[c];
    if (p === NO_PERSONA) return null;
    if (storedIndex[p] < 0) storedIndex[p] = storedPersonas.indexOf(scored.personas[p].slug);
    return storedIndex[p];
  };
  /** Stored rows' guest (2) and failed write (1), which the totals count. */
  const storedFlags = new Uint8Array(scored.customerCount);
  const dropped: [key: string, persona: string][] = [];
  // The totals as the rows will be once written: those without a counted order now go in as
  // they are read; the scored customers follow if the totals are published (decision 070).
  const fold = new TotalsFold();
  let storedWithoutCountedOrder = 0;
  const storedUncounted = new Set<string>();
  const msOrNull = (ms: number) => (Number.isNaN(ms) ? null : ms);
  // A stored row as storedRowUnchanged reads it (a time that is not a number never equals).
  const row: unknown[] = [null, 0, 0, 0, 0, 0];
  for (let s = 0; s < storedRows.count; s++) {
    // Its key looked up in the order read's table from the bytes: only a key the table lacks
    // (no counted order now) becomes a string.
    const keyBytes = storedRows.keys.keyBytes(s);
    const c = indexOfBytes(keyBytes, 0, keyBytes.length);
    const persona = storedRows.persona[s];
    const flags = storedRows.flags[s];
    if (c < 0) {
      const key = storedRows.keys.key(s);
      const guest = (flags & 2) !== 0;
      const failed = (flags & 1) !== 0;
      storedWithoutCountedOrder++;
      storedUncounted.add(key);
      // Scored before, no counted order now: the persona goes (its scores and figures with
      // it; its order days stay). A row without a persona stays as it is.
      const first = msOrNull(storedRows.firstOrderMs[s]);
      const last = msOrNull(storedRows.lastOrderMs[s]);
      if (persona >= 0) {
        dropped.push([key, personaName(persona)!]);
        fold.add(null, 0, 0, 0, first, last, guest, failed, 0, 0);
      } else {
        const rfm = storedRows.rfm[s];
        const [rs, fs, ms] = rfm < 0 ? [0, 0, 0] : [Math.floor(rfm / 100), Math.floor(rfm / 10) % 10, rfm % 10];
        fold.add(null, rs, fs, ms, first, last, guest, failed, storedRows.frequency[s], storedRows.monetaryMinor[s]);
      }
      continue;
    }
    storedFlags[c] = flags;
    beforePersona[c] = persona;
    row[0] = persona < 0 ? null : persona;
    row[1] = storedRows.rfm[s];
    row[2] = storedRows.frequency[s];
    row[3] = storedRows.monetaryMinor[s];
    row[4] = storedRows.firstOrderMs[s];
    row[5] = storedRows.lastOrderMs[s];
    const same =
      recordsScoringDay &&
      storedRowUnchanged(
        row,
        0,
        newPersonaIndex(c),
        scored.r[c] * 100 + scored.f[c] * 10 + scored.m[c],
        metrics.frequency[c],
        metrics.monetaryMinor[c],
        metrics.firstDay[c],
        metrics.lastDay[c],
      );
    stored[c] = same ? 1 : 2;
  }
  // Customers who ordered but have no counted order get a row without a persona, so every
  // count of customers (dashboard, customer list, preview) includes them.
  const newUncounted = uncounted.filter((u) => !storedUncounted.has(u.key));
  const t2 = performance.now();

  // Only the customers whose figures changed.
  let customersScored = 0;
  const changedCustomers: number[] = [];
  for (let c = 0; c < scored.customerCount; c++) {
    if (scored.persona[c] !== NO_PERSONA) customersScored++;
    if (stored[c] !== 1) changedCustomers.push(c);
  }
  const changes: Changes = {
    shopId,
    day: today,
    scoredAt: asOf,
    count: changedCustomers.length,
    before: (i) => personaName(beforePersona[changedCustomers[i]]),
    row(i) {
      const c = changedCustomers[i];
      const key = customerKeys[c];
      const persona = newPersona(c);
      return {
        key,
        guest: isGuestKey(key),
        recencyDays: persona ? metrics.recencyDays[c] : null,
        frequency: metrics.frequency[c],
        monetaryMinor: Math.round(metrics.monetaryMinor[c]),
        firstOrderMs: persona ? metrics.firstDay[c] * DAY_MS : null,
        lastOrderMs: persona ? metrics.lastDay[c] * DAY_MS : null,
        r: persona ? scored.r[c] : null,
        f: persona ? scored.f[c] : null,
        m: persona ? scored.m[c] : null,
        persona,
      };
    },
    dropped,
  };

  const edges = storedScoringEdges(asOfDay, settings.rules.lookbackDays, scored.report.scoring);
  // Many rows to write: the totals follow in one rebuild rather than a trigger per row (also
  // when an earlier recompute stopped between its pause and its rebuild).
  const rebuild = changes.count + dropped.length + newUncounted.length >= TOTALS_REBUILD_FROM || (await totalsRebuildPending(db, shopId));
  let publishedAfterMs: number | null = null;
  if (rebuild) {
    // Published before the rows are written (decision 070): the dashboard's figures come from
    // the totals, which the fold gives now; the list, the export and write-back follow the rows.
    for (let c = 0; c < scored.customerCount; c++) {
      const persona = newPersona(c);
      // A row written takes the key's guest flag; one left as it is keeps its own.
      const guest = stored[c] === 1 ? (storedFlags[c] & 2) !== 0 : isGuestKey(customerKeys[c]);
      const failed = (storedFlags[c] & 1) !== 0;
      const orders = metrics.frequency[c];
      const spend = Math.round(metrics.monetaryMinor[c]);
      if (persona === null) fold.add(null, 0, 0, 0, null, null, guest, failed, orders, spend);
      else fold.add(persona, scored.r[c], scored.f[c], scored.m[c], metrics.firstDay[c] * DAY_MS, metrics.lastDay[c] * DAY_MS, guest, failed, orders, spend);
    }
    for (const u of newUncounted) fold.add(null, 0, 0, 0, null, null, u.guest, false, 0, 0);
    await db.transaction(traced("publish", async () => {
      // Paused first: from here the shop's customer writes leave the published totals alone,
      // and the rebuild after the rows takes in whatever another writer changed meanwhile.
      await pauseTotals(db, shopId);
      await replaceTotals(db, shopId, fold);
      await storeSnapshot(db, shopId, today, scored.report.personas);
      await db.prepare(`UPDATE "SyncState" SET scoringDay = ?, scoringEdges = ? WHERE shopId = ?`).run(asOfDay, edges, shopId);
    }));
    publishedAfterMs = Math.round(performance.now() - t0);
    await deps.onPublished?.();
  } else {
    // The new scoring day first: unchanged customers read today's recency from it at once.
    await db.transaction(traced("scoring day", async () => {
      await db.prepare(`UPDATE "SyncState" SET scoringDay = ? WHERE shopId = ?`).run(asOfDay, shopId);
    }));
  }
  const tPublished = performance.now();

  const transitions = new Transitions();
  const slices = { ...DEFAULT_SLICES, ...deps.writeSlices };
  try {
    if (isSqlite(db)) await db.withNative((native) => writeSqlite(native, changes, newUncounted, transitions, slices));
    else {
      await writePostgres(db as PostgresDb, changes, transitions, rebuild);
      await writeUncountedPostgres(db as PostgresDb, shopId, newUncounted, asOf, rebuild);
    }
  } finally {
    if (rebuild) {
      // Search text for the customers inserted while paused, before the triggers come back on.
      await fillSearchText(db, shopId, slices);
      await rebuildTotals(db, shopId, slices);
    }
  }
  const t3 = performance.now();
  // On install and after a rule change: the past year, week by week, from the same columns.
  // After the rows: scored before them, its garbage was collected during PostgreSQL's row
  // writes, which took 3 s longer for a 1M-order shop (decision 070).
  const history = due ? await computeHistory(db, shopId, { columns, settings, asOf, timeZone: timeZone ?? undefined, dayOf, live: scored }) : null;
  const tHistory = performance.now();
  if (isSqlite(db) && slices.checkpoint) await db.withNative(traced("final checkpoint", (native) => native.pragma("wal_checkpoint(PASSIVE)")));
  pause(slices.pauseMs);
  await db.transaction(traced(history ? "snapshot + history" : "snapshot", async () => {
    if (history) await storeHistory(db, shopId, today, history, fingerprint);
    if (!rebuild) await storeSnapshot(db, shopId, today, scored.report.personas);
    if (generation !== null) {
      const written = [...changedCustomers.map((c) => customerKeys[c]), ...dropped.map(([key]) => key), ...newUncounted.map((u) => u.key)];
      await logScoringChanges(db, shopId, generation, written);
    }
    await clearTakenMarks(db, shopId);
    await db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = ?, scoringEdges = ?, updatedAt = ? WHERE shopId = ?`).run(asOf, edges, asOf, shopId);
  }));

  const t4 = performance.now();
  if (generation !== null) deps.onScored?.({ shopId, generation, fingerprint, timeZone: timeZone ?? null, settings, columns, customerKeys, scored });
  return {
    asOf: asOf.toISOString(),
    customersScored,
    customersWithoutPersona: scored.customerCount - customersScored + storedWithoutCountedOrder + newUncounted.length,
    personaChanges: transitions.total,
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
        compare: Math.round(t2 - t1),
        publish: Math.round(tPublished - t2),
        customerWrites: Math.round(t3 - tPublished),
        snapshot: Math.round(t4 - tHistory),
        history: Math.round(tHistory - t3),
      },
      publishedAfter: publishedAfterMs,
    },
    customersWritten: changedCustomers.length + dropped.length + newUncounted.length,
    backdatedWeeks: history?.points.length ?? 0,
  };
}

/** Today's snapshot: customers, orders and revenue per persona, as the report gives them. */
async function storeSnapshot(db: Db, shopId: string, day: string, personas: readonly PersonaCount[]): Promise<void> {
  await db.prepare(`DELETE FROM "PersonaSnapshot" WHERE shopId = ? AND day = ?`).run(shopId, day);
  const insert = db.prepare(`INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const row of personas) await insert.run(shopId, day, row.slug, row.customers, row.orders, Math.round(row.revenueMinor));
}

/**
 * PostgreSQL: rows without a persona for customers who ordered but have no counted order, one
 * INSERT … SELECT FROM unnest per chunk (a round trip per row would dominate a first recompute
 * there), each chunk committed on its own. SQLite writes them in writeSqlite's slices.
 */
async function writeUncountedPostgres(db: PostgresDb, shopId: string, rows: { key: string; guest: boolean }[], scoredAt: Date, paused: boolean): Promise<void> {
  const insert = db.prepare(
    `INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona, scoredAt)
     SELECT ?::text, t.k, t.g, 0, 0, NULL, ?::timestamp(3) FROM unnest(?::text[], ?::boolean[]) AS t(k, g)
     ON CONFLICT (shopId, customerKey) DO NOTHING`,
  );
  for (let start = 0; start < rows.length; start += UNCOUNTED_CHUNK) {
    const chunk = rows.slice(start, start + UNCOUNTED_CHUNK);
    await db.transaction(async () => {
      if (paused) await holdTotalsInThisTransaction(db);
      await insert.run(shopId, scoredAt, chunk.map((u) => u.key), chunk.map((u) => u.guest));
    });
  }
}

/**
 * SQLite: prepared statements on the connection, synchronously, in IMMEDIATE transactions of
 * about sliceMs (a slice of whole customers with their transitions), the lock left free between;
 * then the customers without a counted order, sliced the same way.
 */
function writeSqlite(
  native: Database.Database,
  changes: Changes,
  uncounted: { key: string; guest: boolean }[],
  transitions: Transitions,
  slices: WriteSlices,
): void {
  const { shopId, day } = changes;
  const scoredAt = changes.scoredAt.getTime();
  const upsert = native.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, recencyDays, frequency, monetaryMinor, firstOrderAt,
      lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
    ${ON_CONFLICT}`);
  const clearScores = native.prepare(`
    UPDATE "Customer" SET recencyDays = NULL, frequency = 0, monetaryMinor = 0, r = NULL, f = NULL, m = NULL,
      persona = NULL, previousPersona = ?, personaSince = ?, scoredAt = ?
    WHERE shopId = ? AND customerKey = ?`);
  const insertUncounted = native.prepare(
    `INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona, scoredAt) VALUES (?, ?, ?, 0, 0, NULL, ?)
     ON CONFLICT (shopId, customerKey) DO NOTHING`,
  );
  const addTransition = native.prepare(ADD_TRANSITION);
  const flushTransitions = () => {
    for (const [from, toPersona, n] of transitions.take()) addTransition.run(shopId, day, from, toPersona, n);
  };
  const sliced = slicedWriter(native, slices);
  sliced.write(
    "customer slice",
    changes.count,
    (i) => {
      const row = changes.row(i);
      transitions.moved(changes.before(i), row.persona);
      upsert.run(shopId, row.key, row.guest ? 1 : 0, row.recencyDays, row.frequency, row.monetaryMinor, row.firstOrderMs,
        row.lastOrderMs, row.r, row.f, row.m, row.persona, scoredAt, scoredAt);
    },
    flushTransitions,
  );
  // Customers we scored before who have no counted order now: their persona goes.
  if (changes.dropped.length > 0) sliced.between();
  sliced.write(
    "dropped slice",
    changes.dropped.length,
    (i) => {
      const [key, persona] = changes.dropped[i];
      transitions.moved(persona, null);
      clearScores.run(persona, scoredAt, scoredAt, shopId, key);
    },
    flushTransitions,
  );
  if (uncounted.length > 0) sliced.between();
  sliced.write("uncounted slice", uncounted.length, (i) => {
    insertUncounted.run(shopId, uncounted[i].key, uncounted[i].guest ? 1 : 0, scoredAt);
  });
}

/**
 * PostgreSQL: the changed customers in chunks, each chunk COPYed into a staging table (times
 * as epoch ms; rows made as COPY asks for them, decision 063) and upserted from it by one
 * INSERT … SELECT with its transitions, in a transaction of its own.
 */
async function writePostgres(db: PostgresDb, changes: Changes, transitions: Transitions, paused: boolean): Promise<void> {
  const { shopId, day, scoredAt } = changes;
  const time = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC' END`;
  const upsert = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, recencyDays, frequency, monetaryMinor, firstOrderAt,
      lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
    SELECT ?::text, t.k, t.g, t.rd, t.fr, t.mo, ${time("t.fa")}, ${time("t.la")}, t.r, t.f, t.m, t.p, NULL, ?::timestamp(3), ?::timestamp(3)
    FROM customer_stage t
    ${ON_CONFLICT}`);
  const clearScores = db.prepare(`
    UPDATE "Customer" SET recencyDays = NULL, frequency = 0, monetaryMinor = 0, r = NULL, f = NULL, m = NULL,
      persona = NULL, previousPersona = t.p, personaSince = ?::timestamp(3), scoredAt = ?::timestamp(3)
    FROM unnest(?::text[], ?::text[]) AS t(k, p)
    WHERE "Customer".shopId = ?::text AND "Customer".customerKey = t.k`);
  const addTransition = db.prepare(ADD_TRANSITION);
  const flushTransitions = async () => {
    for (const [from, to, n] of transitions.take()) await addTransition.run(shopId, day, from, to, n);
  };

  function* staged(start: number, end: number): Generator<CopyValue[]> {
    for (let i = start; i < end; i++) {
      const row = changes.row(i);
      transitions.moved(changes.before(i), row.persona);
      yield [row.key, row.guest, row.recencyDays, row.frequency, row.monetaryMinor, row.firstOrderMs, row.lastOrderMs, row.r, row.f, row.m, row.persona];
    }
  }
  for (let start = 0; start < changes.count; start += POSTGRES_CHUNK) {
    const end = Math.min(changes.count, start + POSTGRES_CHUNK);
    await db.transaction(async () => {
      if (paused) await holdTotalsInThisTransaction(db);
      await db.withClient(async (client) => {
        await client.query(`CREATE TEMP TABLE customer_stage (k text, g boolean, rd integer, fr integer, mo bigint, fa bigint, la bigint,
          r integer, f integer, m integer, p text) ON COMMIT DROP`);
        await copyIn(client, `COPY customer_stage FROM STDIN`, staged(start, end));
      });
      await upsert.run(shopId, scoredAt, scoredAt);
      await flushTransitions();
    });
  }
  for (let start = 0; start < changes.dropped.length; start += POSTGRES_CHUNK) {
    const chunk = changes.dropped.slice(start, start + POSTGRES_CHUNK);
    for (const [, persona] of chunk) transitions.moved(persona, null);
    await db.transaction(async () => {
      if (paused) await holdTotalsInThisTransaction(db);
      await clearScores.run(scoredAt, scoredAt, chunk.map(([key]) => key), chunk.map(([, persona]) => persona), shopId);
      await flushTransitions();
    });
  }
}
