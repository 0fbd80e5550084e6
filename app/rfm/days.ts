/**
 * Calendar days as the RFM engine counts them: whole UTC days since 1970-01-01.
 * Recency is "how many midnights (UTC) lie between the last counted order and the
 * as-of day", so an order placed earlier on the as-of day has recency 0.
 */

export const DAY_MS = 86_400_000;

/** The UTC day number of an instant (Date, epoch ms, or ISO 8601 string). NaN when unparseable. */
export function utcDay(instant: Date | number | string): number {
  const ms =
    // Stryker disable next-line ConditionalExpression: a Date divides as its epoch ms, and Date.parse of a Date's own text loses only milliseconds, never the day
    typeof instant === "number" ? instant : typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  return Math.floor(ms / DAY_MS);
}

/** "YYYY-MM-DD" for a UTC day number. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The first day inside the lookback window, or null for "all time".
 * A window of N days holds the as-of day and the N − 1 days before it
 * (recency 0 … N − 1), so "the last 365 days" means exactly 365 calendar days.
 */
export function windowStartDay(asOfDay: number, lookbackDays: number | null): number | null {
  return lookbackDays === null ? null : asOfDay - lookbackDays + 1;
}
