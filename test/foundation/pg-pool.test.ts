import { afterEach, describe, expect, it } from "vitest";
import { pgPoolConfig, pgTypes } from "~/db.server";

// The pool's settings and parsers; on a real server in test/postgres/prisma.pg.ts.
const parse = (oid: number, text: string) => (pgTypes.getTypeParser(oid, "text") as (t: string) => unknown)(text);

describe("how the app's PostgreSQL connections read values", () => {
  it("GIVEN a timestamp (UTC wall time) WHEN read in a process whose zone is not UTC THEN it is epoch milliseconds of that UTC time", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Pacific/Auckland";
    try {
      expect(new Date(2026, 2, 1).getTimezoneOffset()).not.toBe(0);
      expect(parse(1114, "2026-03-01 10:00:00.123")).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 123));
      expect(parse(1114, "2026-03-01 10:00:00")).toBe(Date.UTC(2026, 2, 1, 10));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("GIVEN a timestamptz with a whole-hour or a minute offset WHEN read THEN it is the same instant in epoch milliseconds", () => {
    expect(parse(1184, "2026-03-01 10:00:00.5+00")).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 500));
    expect(parse(1184, "2026-03-01 15:30:00+05:30")).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parse(1184, "2026-03-01 05:00:00-05")).toBe(Date.UTC(2026, 2, 1, 10));
  });

  it("GIVEN int8 and numeric WHEN read THEN they are numbers, and an int8 past 2^53 is refused rather than rounded", () => {
    expect(parse(20, "7000000000")).toBe(7_000_000_000);
    expect(parse(1700, "123456789012")).toBe(123_456_789_012);
    expect(parse(1700, "2.5")).toBe(2.5);
    expect(() => parse(20, "9007199254740993")).toThrow(/beyond 2\^53/);
  });

  it("GIVEN any other type WHEN read THEN pg's own parser applies (booleans stay booleans, int4 numbers)", () => {
    expect(parse(16, "t")).toBe(true);
    expect(parse(23, "42")).toBe(42);
  });
});

describe("the app's pool settings", () => {
  const saved = process.env.DATABASE_POOL_MAX;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_POOL_MAX;
    else process.env.DATABASE_POOL_MAX = saved;
  });

  it("GIVEN no DATABASE_POOL_MAX WHEN configured THEN sessions run in UTC with the app's parsers and 10 connections", () => {
    delete process.env.DATABASE_POOL_MAX;

    expect(pgPoolConfig("postgresql://app@db/rfm")).toEqual({
      connectionString: "postgresql://app@db/rfm",
      max: 10,
      types: pgTypes,
      options: "-c TimeZone=UTC",
    });
  });

  it("GIVEN DATABASE_POOL_MAX WHEN valid THEN it sizes the pool; WHEN not a whole number ≥ 1 THEN the error names it", () => {
    process.env.DATABASE_POOL_MAX = "25";
    expect(pgPoolConfig("postgresql://app@db/rfm").max).toBe(25);

    for (const bad of ["0", "ten", "2.5"]) {
      process.env.DATABASE_POOL_MAX = bad;
      expect(() => pgPoolConfig("postgresql://app@db/rfm")).toThrow(`DATABASE_POOL_MAX must be a whole number of connections (1 or more), got "${bad}"`);
    }
  });
});
