import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcDay } from "./days";
import { applyRules } from "./rules";
import { countingRulesSchema } from "./settings";
import { order } from "./test/fixtures";
import { isKnownTimeZone, shopDayOf } from "./zoned-days";

const day = (iso: string) => utcDay(`${iso}T00:00:00Z`);

describe("GIVEN a shop in New York", () => {
  const dayOf = shopDayOf("America/New_York");

  it("WHEN an order is placed at 23:30 local time THEN it falls on that local day, in winter and in summer", () => {
    expect(dayOf("2026-01-15T04:30:00Z")).toBe(day("2026-01-14")); // 23:30 EST
    expect(dayOf("2026-07-15T03:30:00Z")).toBe(day("2026-07-14")); // 23:30 EDT
    expect(dayOf("2026-07-15T04:00:00Z")).toBe(day("2026-07-15")); // 00:00 EDT
  });

  it("WHEN the clocks change THEN the days around the change are still right", () => {
    // 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    expect(dayOf("2026-03-08T06:59:00Z")).toBe(day("2026-03-08"));
    expect(dayOf("2026-03-09T03:59:00Z")).toBe(day("2026-03-08")); // 23:59 EDT
    expect(dayOf("2026-11-02T04:59:00Z")).toBe(day("2026-11-01")); // 23:59 EST
    expect(dayOf("2026-11-02T05:00:00Z")).toBe(day("2026-11-02"));
  });

  it("WHEN the rules run as of a New York morning THEN an order placed late the evening before has recency 1, not 0", () => {
    const rules = countingRulesSchema.parse({ lookbackDays: null });
    const asOf = new Date("2026-01-15T14:00:00Z"); // 09:00 EST on the 15th
    const late = order({ customerKey: "c", processedAt: "2026-01-15T04:30:00Z" }); // 23:30 EST on the 14th
    const local = applyRules([late], rules, asOf, { timeZone: "America/New_York" });
    expect(local.report.asOfDay - local.counted[0].day).toBe(1);
    expect(local.counted[0].day).toBe(day("2026-01-14"));
    const utc = applyRules([late], rules, asOf);
    expect(utc.report.asOfDay - utc.counted[0].day).toBe(0);
  });
});

describe("GIVEN other zones", () => {
  it("WHEN the zone is a fixed offset (a WordPress manual UTC+5:30) THEN days follow it", () => {
    expect(shopDayOf("+05:30")("2026-01-14T18:29:00Z")).toBe(day("2026-01-14"));
    expect(shopDayOf("+05:30")("2026-01-14T18:30:00Z")).toBe(day("2026-01-15"));
  });

  it("WHEN the zone is UTC or absent THEN days are UTC days, for any instant", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(shopDayOf("UTC")(ms)).toBe(utcDay(ms));
        expect(shopDayOf(undefined)(ms)).toBe(utcDay(ms));
        expect(shopDayOf("Etc/UTC")(new Date(ms))).toBe(utcDay(ms));
      }),
    );
  });

  it("WHEN an instant is unreadable or the zone unknown THEN NaN, and a RangeError naming the zone", () => {
    expect(shopDayOf("Europe/Paris")("not a date")).toBeNaN();
    expect(() => shopDayOf("Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(isKnownTimeZone("Mars/Olympus")).toBe(false);
    expect(isKnownTimeZone("Asia/Kathmandu")).toBe(true);
  });

  it("WHEN any instant is read in any of several zones THEN the day is the zone's calendar date", () => {
    const zones = ["America/New_York", "Europe/London", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "-03:30"];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: 0, max: 4_102_444_800_000 }), (zone, ms) => {
        const date = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
        expect(shopDayOf(zone)(ms)).toBe(day(date));
      }),
    );
  });
});
