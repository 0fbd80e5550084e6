/**
 * History from order history: how a shop's customers stood at past days under today's rules.
 *
 * A recompute reads a shop's counted orders once into columns (every order up to today).
 * Scoring those columns "as of" an earlier day D ignores the orders placed after D
 * (computeMetrics), so one read serves every past cut-off: the persona sizes and revenue a
 * recompute on day D would have recorded, had today's rules been in force, and the moves
 * between consecutive cut-offs. Refunds, cancellations and tags are as known today.
 *
 *   scoreAsOfDay(columns, settings, day)        the engine as of a shop day (not an instant)
 *   backdatedHistory(columns, settings, asOf)   weekly points before today and the moves between them
 */
import { DAY_MS } from "./days";
import { NO_PERSONA, scoreCountedOrders, type PersonaCount, type ScoredCustomerColumns } from "./engine";
import { ScoringBuffers, type CountedOrderColumns, type CustomerMetricColumns } from "./metrics";
import { metricsSweep } from "./metrics-sweep";
import type { RfmSettings } from "./settings";
import { shopDayOf } from "./zoned-days";

/** Customers who moved from one persona to another between two points; "" = no persona. */
export interface HistoryMove {
  from: string;
  to: string;
  customers: number;
}

/** One backdated point: the personas as a recompute on `day` would have recorded them. */
export interface HistoryPoint {
  /** Shop day (days since 1970-01-01). */
  day: number;
  /** One row per persona of the map, in map order, zero counts included. */
  personas: PersonaCount[];
  /** Moves since the point before; none for the oldest point, unless the shop's first order came after the week before it (then everyone is new). */
  moves: HistoryMove[];
}

export interface BackdatedHistory {
  /** Oldest first; every point lies before the as-of day. */
  points: HistoryPoint[];
  /** Moves from the last point to the as-of day's scoring (empty without points). */
  movesToAsOf: HistoryMove[];
}

export interface HistoryOptions {
  /** Points, today's included: 52 = a year of weeks (51 backdated points before today). */
  weeks?: number;
  /** The shop's time zone, as given to the engine. */
  timeZone?: string | null;
  /** No point before this shop day (where the synced order history starts), when known. */
  notBeforeDay?: number | null;
  /** The as-of day's scoring when the caller has it already (a recompute); computed otherwise. */
  live?: ScoredCustomerColumns;
}

/**
 * An instant on shop day `day`: noon UTC, moved by whole days until the zone calls it `day`
 * (zones run from −12 to +14 hours, so one step is enough).
 */
export function instantOnDay(day: number, timeZone?: string | null): Date {
  const dayOf = shopDayOf(timeZone);
  let at = day * DAY_MS + DAY_MS / 2;
  at += (day - dayOf(at)) * DAY_MS;
  return new Date(at);
}

/** The engine as of shop day `day`: orders placed after it are ignored. */
export function scoreAsOfDay(
  columns: CountedOrderColumns,
  settings: RfmSettings,
  day: number,
  options: { timeZone?: string | null; buffers?: ScoringBuffers; metrics?: CustomerMetricColumns } = {},
): ScoredCustomerColumns {
  return scoreCountedOrders(columns, settings, instantOnDay(day, options.timeZone), options);
}

/** Counts moves between two persona columns of the same customers; index P of the matrix = no persona. */
function movesBetween(before: Uint8Array, after: Uint8Array, slugs: readonly string[]): HistoryMove[] {
  const P = slugs.length;
  const counts = new Int32Array((P + 1) * (P + 1));
  for (let c = 0; c < after.length; c++) {
    const a = before[c];
    const b = after[c];
    if (a === b) continue;
    counts[(a === NO_PERSONA ? P : a) * (P + 1) + (b === NO_PERSONA ? P : b)]++;
  }
  const slug = (i: number) => (i === P ? "" : slugs[i]);
  const moves: HistoryMove[] = [];
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) moves.push({ from: slug(Math.floor(i / (P + 1))), to: slug(i % (P + 1)), customers: counts[i] });
  }
  return moves;
}

/**
 * Weekly points before the as-of day — asOfDay − 7k for k = weeks − 1 … 1 — each scored as of
 * its day under `settings`, with the moves between consecutive points and from the last one to
 * the as-of day. Points before the first counted order or before `notBeforeDay` are left out;
 * when the shop's first order falls inside the range, its first point counts everyone as new.
 */
export function backdatedHistory(
  columns: CountedOrderColumns,
  settings: RfmSettings,
  asOf: Date,
  options: HistoryOptions = {},
): BackdatedHistory {
  const { weeks = 52, timeZone = null, notBeforeDay = null } = options;
  const asOfDay = shopDayOf(timeZone)(asOf);
  let firstOrderDay = Infinity;
  for (let i = 0; i < columns.day.length; i++) if (columns.day[i] < firstOrderDay) firstOrderDay = columns.day[i];
  const earliest = Math.max(firstOrderDay, notBeforeDay ?? -Infinity);

  const days: number[] = [];
  for (let k = weeks - 1; k >= 1; k--) if (asOfDay - 7 * k >= earliest) days.push(asOfDay - 7 * k);
  const live = options.live ?? scoreCountedOrders(columns, settings, asOf, { timeZone });
  const slugs = live.personas.map((p) => p.slug);
  if (days.length === 0) return { points: [], movesToAsOf: [] };

  // A shop whose first order falls after the oldest cut-off: a week before its first point nobody
  // had a persona. Not so when the point before is missing only because the synced history
  // starts later: those customers may well have bought before.
  const slotBefore = days[0] - 7;
  const startsInside = slotBefore >= asOfDay - 7 * (weeks - 1) && slotBefore < firstOrderDay && slotBefore >= (notBeforeDay ?? -Infinity);
  let before: Uint8Array | null = startsInside ? new Uint8Array(columns.customerCount).fill(NO_PERSONA) : null;
  const points: HistoryPoint[] = [];
  // Every week scores into the same arrays; only its persona sizes and moves are kept. The
  // weeks' metrics come from one sweep over the orders in day order.
  const buffers = new ScoringBuffers();
  const sweep = metricsSweep(columns, settings.rules.lookbackDays);
  for (const day of days) {
    const scored = scoreAsOfDay(columns, settings, day, { timeZone, buffers, metrics: sweep.at(day) });
    points.push({
      day,
      personas: scored.report.personas,
      moves: before === null ? [] : movesBetween(before, scored.persona, slugs),
    });
    // The next week scores into scored.persona: keep a copy for its moves.
    (before ??= new Uint8Array(columns.customerCount)).set(scored.persona);
  }
  return { points, movesToAsOf: movesBetween(before!, live.persona, slugs) };
}
