const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone from UTC at a given instant, in minutes (e.g. -300 for New York in winter). */
export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  // Building a DateTimeFormat is slow; seeding calls this per order.
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    zoneFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** Local wall-clock time in a zone → UTC milliseconds (months 1-based; overflowing days roll over). */
export function localToUtc(timeZone: string, year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  const guess = Date.UTC(year, month - 1, day, h, m, s);
  const offset = zoneOffsetMinutes(timeZone, guess);
  const first = guess - offset * 60000;
  // Re-evaluate at the corrected instant so DST boundaries land right.
  return guess - zoneOffsetMinutes(timeZone, first) * 60000;
}
