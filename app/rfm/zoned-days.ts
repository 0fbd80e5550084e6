/**
 * Calendar days in the shop's time zone. A merchant's "today" and "the day of an order" are
 * the shop's days (Shopify's and WooCommerce's own reports count them so): an order at 23:30
 * in New York belongs to that New York day, not to the next UTC day. Day numbers are still
 * whole days since 1970-01-01 (see days.ts), counted on the shop's wall clock.
 */
import { DAY_MS, utcDay } from "./days";

/** The shop-day number of an instant (Date, epoch ms or ISO 8601); NaN when unparseable. */
export type DayOf = (instant: Date | number | string) => number;

/** Offsets change at most every 15 minutes of UTC (zone transitions fall on quarter hours). */
const BUCKET_MS = 15 * 60_000;

/** True when Intl knows the zone (an IANA name such as "America/New_York", "UTC", or "+05:30"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Offset of a zone from UTC, in ms, at an instant (ms); looked up once per quarter hour. */
function offsetOf(timeZone: string): (ms: number) => number {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}"`);
  }
  const offsets = new Map<number, number>();
  return (ms) => {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      const at = bucket * BUCKET_MS;
      const parts = format.formatToParts(new Date(at));
      const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      offset = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute")) - at;
      offsets.set(bucket, offset);
    }
    return offset;
  };
}

/**
 * The day function of a time zone; UTC days when none is given. Offsets are looked up once
 * per quarter hour of UTC and remembered, so a million orders cost a few thousand lookups.
 * An unknown zone is a RangeError naming it (a stored zone is checked when it is saved).
 */
export function shopDayOf(timeZone: string | null | undefined): DayOf {
  if (!timeZone || timeZone === "UTC" || timeZone === "Etc/UTC") return utcDay;
  const offsetAt = offsetOf(timeZone);
  return (instant) => {
    const ms = typeof instant === "number" ? instant : typeof instant === "string" ? Date.parse(instant) : instant.getTime();
    if (!Number.isFinite(ms)) return NaN;
    return Math.floor((ms + offsetAt(ms)) / DAY_MS);
  };
}

/**
 * Milliseconds from `now` until the shop's next midnight (the start of its next day), DST
 * included; UTC midnight when no zone is given.
 */
export function untilNextShopDay(now: Date, timeZone: string | null | undefined): number {
  const t = now.getTime();
  if (!timeZone || timeZone === "UTC" || timeZone === "Etc/UTC") return (Math.floor(t / DAY_MS) + 1) * DAY_MS - t;
  const offsetAt = offsetOf(timeZone);
  const local = t + offsetAt(t);
  // Midnight on today's offset, then moved to where the day really turns (a DST change overnight).
  let next = (Math.floor(local / DAY_MS) + 1) * DAY_MS - offsetAt(t);
  const dayOf = (ms: number) => Math.floor((ms + offsetAt(ms)) / DAY_MS);
  const today = dayOf(t);
  while (dayOf(next) <= today) next += BUCKET_MS;
  while (next - BUCKET_MS > t && dayOf(next - BUCKET_MS) > today) next -= BUCKET_MS;
  return next - t;
}
