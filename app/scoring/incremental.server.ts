/**
 * Incremental recompute: after order changes, rescore only the customers whose orders changed
 * (and whoever a moved quintile edge crosses), from a scoring state kept in memory since the
 * last full recompute (app/rfm/incremental.ts, decision 018). See docs/decisions/047.
 *
 * What changed: the order store marks the customer in "ScoringDirty" in the order's own
 * transaction, whichever of its writes changed the order (decision 050). A recompute first *claims* the marks (claimed = true); an
 * order change after that sets its mark back to false, so the recompute deletes, with its
 * writes, only marks whose changes it has read.
 *
 * When: only with a warm, valid state — built by a full recompute in this thread, under the
 * same settings, time zone and history basis, for the same shop day, and at the generation
 * SyncState still holds. Every scoring write bumps SyncState.scoringGeneration (a full
 * recompute before it reads, the incremental one with a compare-and-set in its write
 * transaction), so a state is never applied after another process (or a failed run) wrote
 * scores. Otherwise the caller runs the full recompute, which (re)builds the state.
 *
 * Writes mean what the full path's mean: the changed customers' rows (same upsert, same
 * "unchanged row is not written" test), the day's transitions, the day's snapshot (from the
 * state's persona totals, exact), the scoring report — in one transaction with the marks'
 * deletion. If anything fails after the state took the changes, the state is dropped: it is
 * never ahead of the database.
 */
import { inLockOrder } from "~/db/lock-order";
import { customersMovedByEdges, DAY_MS, isoDate, NO_PERSONA, scoreCountedOrders, shopDayOf, type RfmSettings, type ScoredCustomerColumns } from "~/rfm";
import { isGuestKey } from "~/rfm/customer-key";
import { IncrementalScores, type CountedOrderValue } from "~/rfm/incremental";
import type { CountedOrderColumns } from "~/rfm/metrics";
import { storedScoringEdges, type StoredScoringEdges } from "~/dashboard/edges.server";
import type { Db } from "~/db/index.server";
import { rfmPart } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import { readCountedOrders } from "~/sync/order-columns.server";
import { totalsRebuildPending } from "./customer-totals.server";
import { historyFingerprint } from "./history.server";
import { changedSince, clearTakenMarks, logScoringChanges } from "./scoring-marks.server";
import { ADD_TRANSITION, ON_CONFLICT, recomputeShop, storedRowUnchanged, type RecomputeDeps, type RecomputeSummary } from "./recompute.server";

/** What a full recompute scored, handed over once its writes are in (RecomputeDeps.onScored). */
export interface FullScore {
  shopId: string;
  /** SyncState.scoringGeneration the full recompute set before reading. */
  generation: number;
  /** The history fingerprint (settings, import) the recompute ran under. */
  fingerprint: string;
  timeZone: string | null;
  settings: RfmSettings;
  columns: CountedOrderColumns;
  customerKeys: string[];
  scored: ScoredCustomerColumns;
}

interface ShopState {
  scores: IncrementalScores;
  /** Customer index → key, and back; customers seen after the build are appended. */
  keys: string[];
  indexOf: Map<string, number>;
  /** Settings, time zone and history basis the state was built under. */
  basis: string;
  generation: number;
  /** Counted orders at build: what the state costs in memory, roughly. */
  orders: number;
  /**
   * Customers whose stored rows may not match the state yet (a state built ahead of need from
   * a read that saw order changes not scored at `generation`): the next incremental recompute
   * compares them with the table as if their marks had been claimed.
   */
  pending: string[];
}

/**
 * States of this thread (a recompute lane: the same shop always runs on the same thread,
 * pool.server.ts). Bounded by counted orders held; the least recently used goes first.
 */
let states = new Map<string, ShopState>();
/** States being built after their full recompute returned (deferBuild). */
const building = new Map<string, Promise<void>>();
/** About 40 bytes per order and customer: a few hundred MB at most per thread. */
const MAX_ORDERS_HELD = 4_000_000;
/**
 * Beyond this many marked customers (a sweep, a large import) the full recompute is cheaper
 * than re-reading them one by one: a tenth of the shop, at least 2,000.
 */
const MAX_DIRTY_SHARE = 0.1;
const MIN_DIRTY_LIMIT = 2_000;

const basisOf = (fingerprint: string, timeZone: string | null) => JSON.stringify([fingerprint, timeZone]);

/** Forgets every state of this thread (tests: a cold process). */
export function forgetScoringStates(): void {
  states.clear();
}

const processes = new Map<string, Map<string, ShopState>>();
/** Tests: act as process `name` from here on, with the states it holds (two workers in one test). */
export function actAsProcess(name: string): void {
  const held = processes.get(name) ?? new Map<string, ShopState>();
  processes.set(name, held);
  states = held;
}

/** Whether this thread holds a state for the shop (tests, diagnostics). */
export function holdsScoringState(shopId: string): boolean {
  return states.has(shopId);
}

/** Indexes a full recompute's result (or a warm-up's read, with the customers it left pending) as the shop's state in this thread. */
export function keepScoringState(full: FullScore, pending: string[] = []): void {
  const scores = IncrementalScores.fromScored(full.columns, full.scored, full.settings, { timeZone: full.timeZone });
  const keys = full.customerKeys.slice();
  const indexOf = new Map<string, number>();
  for (let c = 0; c < keys.length; c++) indexOf.set(keys[c], c);
  const orders = full.columns.customerIndex.length + keys.length;
  states.delete(full.shopId);
  states.set(full.shopId, { scores, keys, indexOf, basis: basisOf(full.fingerprint, full.timeZone), generation: full.generation, orders, pending });
  let held = 0;
  for (const s of states.values()) held += s.orders;
  for (const [shopId, s] of states) {
    if (held <= MAX_ORDERS_HELD || shopId === full.shopId) break;
    states.delete(shopId);
    held -= s.orders;
  }
}

/** What an incremental recompute did, beside the summary fields a full one fills. */
export interface IncrementalFigures {
  /** Customers whose orders changed (marks taken). */
  marked: number;
  /** Customers re-read beyond the marks: generations scored elsewhere since this state's changed them, or a warm-up left them pending. */
  caughtUp: number;
  /** Customers looked at: the marked ones and whoever a moved edge crossed. */
  candidates: number;
  /** Dimensions whose quintile edges moved. */
  edgesMoved: string[];
  /** Milliseconds: claim, re-read with the rules, state, compare with the table, write. */
  phases: { claim: number; read: number; state: number; compare: number; write: number };
}

/** Why the incremental path did not apply (then the full recompute ran). */
export type Fallback = "cold" | "basis" | "day" | "generation" | "totals" | "too-many";

/** A recompute's summary: `incremental` when only what changed was applied, else `fallback` says why not (if it was tried). */
export type ScoringRun = RecomputeSummary & { incremental?: IncrementalFigures; fallback?: Fallback };

/** Thrown inside the write transaction when another writer bumped the generation meanwhile. */
class StaleState extends Error {}

/**
 * A recompute after order changes: incremental with a valid state, else the full recompute
 * (which builds the state). `incremental: false` (the daily reconciler, a settings save) always
 * runs the full one. `deferBuild` builds the state after returning (the scoring worker: the
 * write-back need not wait for the indexes).
 */
export async function recomputeWithState(
  shopId: string,
  deps: RecomputeDeps & { incremental?: boolean; deferBuild?: boolean },
): Promise<ScoringRun> {
  if (deps.incremental !== false) {
    const run = await recomputeIncrementally(shopId, deps);
    if (!("fallback" in run)) return run;
    return { ...(await recomputeFull(shopId, deps)), fallback: run.fallback };
  }
  return recomputeFull(shopId, deps);
}

function recomputeFull(shopId: string, deps: RecomputeDeps & { deferBuild?: boolean }): Promise<RecomputeSummary> {
  return recomputeShop(shopId, {
    ...deps,
    onScored: (full) => {
      deps.onScored?.(full);
      if (!deps.deferBuild) return keepScoringState(full);
      // After the result is posted; the shop's next recompute waits for it rather than run cold.
      const built = new Promise<void>((resolve) => setImmediate(() => {
        try {
          keepScoringState(full);
        } finally {
          if (building.get(full.shopId) === built) building.delete(full.shopId);
          resolve();
        }
      }));
      building.set(full.shopId, built);
    },
  });
}

/** The incremental path alone: its summary, or why it does not apply (nothing written then). */
export async function recomputeIncrementally(shopId: string, deps: RecomputeDeps): Promise<ScoringRun | { fallback: Fallback }> {
  const { db } = deps;
  await building.get(shopId);
  const state = states.get(shopId);
  if (!state) return { fallback: "cold" };
  const asOf = deps.now?.() ?? new Date();
  const timeZone = ((await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null | undefined) ?? null;
  const settings = rfmPart(await shopSettings(db, shopId));
  const fingerprint = await historyFingerprint(db, shopId, settings);
  const drop = (fallback: Fallback) => (states.delete(shopId), { fallback });
  if (state.basis !== basisOf(fingerprint, timeZone)) return drop("basis");
  if (!state.scores.isAsOf(asOf)) return drop("day");
  const current = await db.prepare(`SELECT scoringGeneration FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId);
  if (current === undefined) return drop("generation");
  const generation = Number(current);
  // Scored elsewhere since (another worker, or this thread's failed run): catch up on the
  // customers those generations rescored, if the log lists them all.
  const behind = generation === state.generation ? [] : await changedSince(db, shopId, state.generation, generation);
  if (behind === null) return drop("generation");
  if (await totalsRebuildPending(db, shopId)) return drop("totals");

  const t0 = performance.now();
  const claimed = (await db.transaction(() =>
    db.prepare(`UPDATE "ScoringDirty" SET claimed = TRUE WHERE shopId = ? RETURNING customerKey`).pluck().all(shopId),
  )) as string[];
  const extra = [...behind, ...state.pending];
  const marked = extra.length === 0 ? claimed : [...new Set([...claimed, ...extra])];
  const t1 = performance.now();
  if (marked.length > Math.max(MIN_DIRTY_LIMIT, MAX_DIRTY_SHARE * state.keys.length)) return drop("too-many");

  const scores = state.scores;
  const dayOf = shopDayOf(timeZone);
  const asOfDay = scores.asOfDay;
  try {
    // The marked customers' orders through the merchant's rules, as the full read applies them.
    const read = marked.length > 0 ? await readCountedOrders(db, shopId, settings.rules, asOfDay, dayOf, marked) : null;
    const t2 = performance.now();
    const ordersOf: CountedOrderValue[][] = (read?.customerKeys ?? []).map(() => []);
    if (read) {
      const { customerIndex, day, amountMinor } = read.columns;
      for (let i = 0; i < customerIndex.length; i++) ordersOf[customerIndex[i]].push({ day: day[i], amountMinor: amountMinor[i] });
    }
    const uncounted = new Map((read?.uncounted ?? []).map((u) => [u.key, u.guest]));

    // The state takes the changes; from here a failure drops it.
    const candidates = new Set<number>();
    const notCounted: string[] = [];
    const edgesMoved = new Set<string>();
    for (const key of marked) {
      const local = read!.indexOf(key);
      let c = state.indexOf.get(key);
      if (local < 0) {
        notCounted.push(key);
        if (c === undefined) continue;
      } else if (c === undefined) {
        c = scores.customerCount; // seen for the first time: the next index
        state.keys.push(key);
        state.indexOf.set(key, c);
      }
      const result = scores.setCustomerOrders(c, local < 0 ? [] : ordersOf[local]);
      if (local >= 0) candidates.add(c);
      for (const x of result.changed) candidates.add(x);
      for (const d of result.edgesMoved) edgesMoved.add(d);
    }
    // A customer with no counted order now is handled by key below (as the full path does).
    for (const key of notCounted) {
      const c = state.indexOf.get(key);
      if (c !== undefined) candidates.delete(c);
    }
    const t3 = performance.now();

    // What the table holds for them: a row equal to the new figures is not written.
    const candidateList = [...candidates];
    const lookup = [...candidateList.map((c) => state.keys[c]), ...notCounted];
    const stored = new Map<string, [persona: string | null, rfm: number | null, frequency: number, monetary: number, first: unknown, last: unknown]>();
    if (lookup.length > 0) {
      const rows = (await db
        .prepare(
          `SELECT customerKey, persona, r * 100 + f * 10 + m, frequency, monetaryMinor, ${db.sql.epochMs("firstOrderAt")}, ${db.sql.epochMs("lastOrderAt")}
           FROM "Customer" WHERE shopId = ? AND ${db.dialect === "sqlite" ? "customerKey IN (SELECT value FROM json_each(?))" : "customerKey = ANY(?::text[])"}`,
        )
        .raw()
        .all(shopId, db.dialect === "sqlite" ? JSON.stringify(lookup) : lookup)) as unknown[][];
      for (const r of rows) {
        stored.set(r[0] as string, [r[1] as string | null, num(r[2]), num(r[3])!, num(r[4])!, num(r[5]), num(r[6])]);
      }
    }
    const slug = (c: number) => (scores.persona[c] === NO_PERSONA ? null : scores.personas[scores.persona[c]].slug);
    const upserts: { key: string; before: string | null; c: number; persona: string | null }[] = [];
    for (const c of candidateList) {
      const key = state.keys[c];
      const row = stored.get(key);
      const persona = slug(c);
      const same =
        row !== undefined &&
        storedRowUnchanged(
          row,
          0,
          persona,
          scores.r[c] * 100 + scores.f[c] * 10 + scores.m[c],
          scores.frequency[c],
          scores.monetaryMinor[c],
          scores.firstDay[c],
          scores.lastDay[c],
        );
      if (!same) upserts.push({ key, before: row?.[0] ?? null, c, persona });
    }
    const clears: [key: string, persona: string][] = [];
    const inserts: { key: string; guest: boolean }[] = [];
    for (const key of notCounted) {
      const row = stored.get(key);
      if (row && row[0] !== null) clears.push([key, row[0]]);
      else if (!row && uncounted.has(key)) inserts.push({ key, guest: uncounted.get(key)! });
    }
    // Rows are written in the order the write-back's outcomes lock them (no deadlock between the two).
    upserts.sort((a, b) => inLockOrder(a.key, b.key));
    clears.sort((a, b) => inLockOrder(a[0], b[0]));
    inserts.sort((a, b) => inLockOrder(a.key, b.key));
    const t4 = performance.now();

    const today = isoDate(asOfDay);
    const scoredAt = asOf;
    const totals = scores.personaTotals();
    const report = scores.scoringReport();
    const moves = new Map<string, number>();
    const moved = (from: string | null, to: string | null) => {
      if (from === to) return;
      const k = `${from ?? ""}\u0000${to ?? ""}`;
      moves.set(k, (moves.get(k) ?? 0) + 1);
    };
    let personaChanges = 0;
    await db.transaction(async () => {
      const bumped = await db
        .prepare(`UPDATE "SyncState" SET scoringGeneration = scoringGeneration + 1, lastRecomputeAt = ?, scoringEdges = ?, updatedAt = ? WHERE shopId = ? AND scoringGeneration = ?`)
        .run(asOf, storedScoringEdges(asOfDay, settings.rules.lookbackDays, report), asOf, shopId, generation);
      if (bumped.changes !== 1) throw new StaleState(`shop ${shopId}: scores were written elsewhere since generation ${generation}`);
      const time = (ms: number | null) => (ms === null ? null : new Date(ms));
      const upsert = db.prepare(`
        INSERT INTO "Customer" (shopId, customerKey, guest, recencyDays, frequency, monetaryMinor, firstOrderAt,
          lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
        ${ON_CONFLICT}`);
      for (const { key, before, c, persona } of upserts) {
        moved(before, persona);
        const has = persona !== null;
        await upsert.run(shopId, key, isGuestKey(key), has ? asOfDay - scores.lastDay[c] : null, scores.frequency[c], Math.round(scores.monetaryMinor[c]),
          time(has ? scores.firstDay[c] * DAY_MS : null), time(has ? scores.lastDay[c] * DAY_MS : null),
          has ? scores.r[c] : null, has ? scores.f[c] : null, has ? scores.m[c] : null, persona, scoredAt, scoredAt);
      }
      const clear = db.prepare(`
        UPDATE "Customer" SET recencyDays = NULL, frequency = 0, monetaryMinor = 0, r = NULL, f = NULL, m = NULL,
          persona = NULL, previousPersona = ?, personaSince = ?, scoredAt = ?
        WHERE shopId = ? AND customerKey = ?`);
      for (const [key, persona] of clears) {
        moved(persona, null);
        await clear.run(persona, scoredAt, scoredAt, shopId, key);
      }
      const insert = db.prepare(
        `INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona, scoredAt) VALUES (?, ?, ?, 0, 0, NULL, ?)
         ON CONFLICT (shopId, customerKey) DO NOTHING`,
      );
      for (const { key, guest } of inserts) await insert.run(shopId, key, guest, scoredAt);
      const addTransition = db.prepare(ADD_TRANSITION);
      for (const [k, n] of moves) {
        const [from, to] = k.split("\u0000");
        personaChanges += n;
        await addTransition.run(shopId, today, from, to, n);
      }
      await db.prepare(`DELETE FROM "PersonaSnapshot" WHERE shopId = ? AND day = ?`).run(shopId, today);
      const insertSnapshot = db.prepare(
        `INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const [i, p] of scores.personas.entries()) {
        await insertSnapshot.run(shopId, today, p.slug, totals.customers[i], totals.orders[i], Math.round(totals.revenueMinor[i]));
      }
      await logScoringChanges(db, shopId, generation + 1, [...upserts.map((u) => u.key), ...clears.map(([key]) => key), ...inserts.map((i) => i.key)]);
      await clearTakenMarks(db, shopId);
    });
    state.generation = generation + 1;
    state.pending = [];
    const t5 = performance.now();

    const customersScored = totals.customers.reduce((a, b) => a + b, 0);
    const withoutPersona = (await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NULL`).pluck().get(shopId)) as number | bigint;
    return {
      asOf: asOf.toISOString(),
      customersScored,
      customersWithoutPersona: Number(withoutPersona),
      personaChanges,
      personas: scores.personas.map((p, i) => ({
        slug: p.slug,
        customers: totals.customers[i],
        orders: totals.orders[i],
        revenueMinor: Math.round(totals.revenueMinor[i]),
      })),
      // The rules report of the customers re-read (a full recompute reports the whole shop).
      rules: read?.report ?? (await readCountedOrders(db, shopId, settings.rules, asOfDay, dayOf, [])).report,
      timingsMs: {
        scoring: Math.round(t3 - t0),
        writing: Math.round(t5 - t3),
        phases: { readAndRules: Math.round(t2 - t1), scoring: Math.round(t3 - t2), compare: Math.round(t4 - t3), publish: 0, customerWrites: Math.round(t5 - t4), snapshot: 0, history: 0 },
        publishedAfter: null,
      },
      customersWritten: upserts.length + clears.length + inserts.length,
      backdatedWeeks: 0,
      incremental: {
        marked: claimed.length,
        caughtUp: extra.length,
        candidates: candidates.size + notCounted.length,
        edgesMoved: [...edgesMoved],
        phases: { claim: ms(t1 - t0), read: ms(t2 - t1), state: ms(t3 - t2), compare: ms(t4 - t3), write: ms(t5 - t4) },
      },
    };
  } catch (error) {
    // The state took changes the database may not hold: never apply it again.
    states.delete(shopId);
    if (error instanceof StaleState) return { fallback: "generation" };
    throw error;
  }
}

/** What a warm-up did: `built` a state, found one `held`, or why it left the shop cold. */
export type WarmResult = "built" | "held" | "unscored" | "busy" | "changed" | "edges" | "too-many" | "totals";

/**
 * Builds the shop's scoring state in this thread ahead of need, without writing anything, so
 * that this process's first recompute after an order is incremental too (decision 059): a
 * state comes otherwise only from a full recompute in this thread, and with several worker
 * processes each one's first recompute of a shop ran in full, seconds for a large shop,
 * while the merchant's order waited.
 *
 * The state must describe what the stored rows say, except for customers it names as
 * pending. The read is not one snapshot, so it is bracketed by the generation before it (G0)
 * and after it (G1). Every order change the read may have seen that G1's rows do not reflect
 * is either still marked, so the next recompute (here, or elsewhere and then listed) takes it,
 * or was rescored by a generation in (G0, G1]: those customers are pending, and the next
 * incremental recompute compares their rows as if it had claimed their marks. Every other customer has the same orders in the read as in G1's
 * scoring, so the same scores under the same quintile edges; where the read's edges differ
 * from G1's stored ones, the customers the two score differently are pending too. Nothing is
 * built while a recompute of the shop runs (`running`: its rows are half written and its
 * edges not yet stored), nor across a generation that did not list whom it rescored.
 */
export async function warmScoringState(
  shopId: string,
  deps: {
    db: Db;
    now?: () => Date;
    /** Whether a recompute of the shop runs now, in any process. */
    running: (shopId: string) => Promise<boolean>;
    /** Tests: what happens elsewhere while the orders are read. */
    duringRead?: () => Promise<void>;
  },
): Promise<WarmResult> {
  const { db } = deps;
  await building.get(shopId);
  const asOf = deps.now?.() ?? new Date();
  const timeZone = ((await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null | undefined) ?? null;
  const settings = rfmPart(await shopSettings(db, shopId));
  const fingerprint = await historyFingerprint(db, shopId, settings);
  const generation = async () => Number((await db.prepare(`SELECT scoringGeneration FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) ?? 0);
  const g0 = await generation();
  if (g0 === 0) return "unscored";
  const held = states.get(shopId);
  if (held && held.basis === basisOf(fingerprint, timeZone) && held.scores.isAsOf(asOf)) {
    if (held.generation === g0 || (await changedSince(db, shopId, held.generation, g0)) !== null) return "held";
  }
  if (await deps.running(shopId)) return "busy";
  if (await totalsRebuildPending(db, shopId)) return "totals";

  const dayOf = shopDayOf(timeZone ?? undefined);
  const asOfDay = dayOf(asOf);
  const read = await readCountedOrders(db, shopId, settings.rules, asOfDay, dayOf);
  const scored = scoreCountedOrders(read.columns, settings, asOf, { timeZone: timeZone ?? undefined });
  await deps.duringRead?.();

  // The generation and its edges together (an incremental recompute writes both at once; a full one is running until it has).
  const after = (await db.prepare(`SELECT scoringGeneration, scoringEdges FROM "SyncState" WHERE shopId = ?`).raw().get(shopId)) as [unknown, string | null] | undefined;
  if (await deps.running(shopId)) return "busy";
  const g1 = Number(after?.[0] ?? 0);
  const rescored = g1 === g0 ? [] : await changedSince(db, shopId, g0, g1);
  if (rescored === null) return "changed";
  // Customers the stored edges score otherwise than the read's (the unscored changes moved an edge) are pending too.
  const moved = movedByStoredEdges(after?.[1] ?? null, asOfDay, settings, scored);
  if (moved === null) return "edges";
  const pending = [...new Set([...rescored, ...moved.map((c) => read.customerKeys[c])])];
  if (pending.length > Math.max(MIN_DIRTY_LIMIT, MAX_DIRTY_SHARE * read.customerKeys.length)) return "too-many";
  keepScoringState({ shopId, generation: g1, fingerprint, timeZone, settings, columns: read.columns, customerKeys: read.customerKeys, scored }, pending);
  return "built";
}

/**
 * The customers (indexes of `scored`) whose scores under the stored edges differ from the
 * read's; null when that cannot be told (another day or window, no stored edges, or the
 * merchant's own edges, which do not move: then something else changed).
 */
function movedByStoredEdges(stored: string | null, asOfDay: number, settings: RfmSettings, scored: ScoredCustomerColumns): number[] | null {
  if (stored === null) return null;
  let edges: StoredScoringEdges;
  try {
    edges = JSON.parse(stored) as StoredScoringEdges;
  } catch {
    return null;
  }
  if (edges.asOfDay !== asOfDay || edges.lookbackDays !== settings.rules.lookbackDays) return null;
  const dims = ["r", "f", "m"] as const;
  const now = scored.report.scoring;
  if (dims.every((d) => JSON.stringify(edges.scoring[d].edges) === JSON.stringify(now[d].edges))) return [];
  if (settings.scoring.mode === "edges") return null;
  return customersMovedByEdges(scored, settings.scoring, { r: edges.scoring.r.edges, f: edges.scoring.f.edges, m: edges.scoring.m.edges });
}

const ms = (x: number) => Math.round(x * 10) / 10;

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
