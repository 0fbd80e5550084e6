/** The daily recompute runs shortly after the shop's own midnight, when its "today" turns. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shopDayOf } from "~/rfm/zoned-days";
import { untilNextDailyRun } from "./handlers.server";

const at = (iso: string) => new Date(iso);
const FIVE_MIN = 5 * 60_000;
const H = 3_600_000;

describe("GIVEN shops in several zones", () => {
  it("WHEN the next daily run is planned THEN it is five minutes after the shop's next midnight, DST nights included", () => {
    expect(untilNextDailyRun(at("2026-01-15T14:00:00Z"), "America/New_York")).toBe(15 * H + FIVE_MIN); // → 2026-01-16T05:00Z
    expect(untilNextDailyRun(at("2026-03-07T12:00:00Z"), "America/New_York")).toBe(17 * H + FIVE_MIN); // → 03-08 00:00 EST
    expect(untilNextDailyRun(at("2026-03-08T12:00:00Z"), "America/New_York")).toBe(16 * H + FIVE_MIN); // → 03-09 00:00 EDT
    expect(untilNextDailyRun(at("2026-01-15T00:00:00Z"), "Asia/Kathmandu")).toBe(18.25 * H + FIVE_MIN);
    expect(untilNextDailyRun(at("2026-01-15T14:00:00Z"), "+05:30")).toBe(4.5 * H + FIVE_MIN);
    expect(untilNextDailyRun(at("2026-01-15T14:00:00Z"))).toBe(10 * H + FIVE_MIN); // no zone: UTC midnight
  });

  it("WHEN planned at any instant THEN the run falls on the shop's next day, and the shop's day turns less than five minutes before it", () => {
    const zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "UTC"];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: 1_700_000_000_000, max: 2_000_000_000_000 }), (zone, ms) => {
        const dayOf = shopDayOf(zone);
        const wait = untilNextDailyRun(new Date(ms), zone);
        expect(wait).toBeGreaterThan(FIVE_MIN);
        expect(dayOf(ms + wait)).toBe(dayOf(ms) + 1);
        expect(dayOf(ms + wait - FIVE_MIN - 1)).toBe(dayOf(ms));
      }),
    );
  });
});
