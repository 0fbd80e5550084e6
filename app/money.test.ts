import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyExponent, fromMinorUnits, toMinorUnits } from "./money";

describe("money in minor units", () => {
  it("GIVEN decimal strings WHEN converted THEN no float drift and the currency's exponent is used", () => {
    expect(toMinorUnits("0.10", "USD") + toMinorUnits("0.20", "USD")).toBe(30);
    expect(toMinorUnits("19.99", "USD")).toBe(1999);
    expect(toMinorUnits("1000", "JPY")).toBe(1000);
    expect(toMinorUnits("1.234", "KWD")).toBe(1234);
    expect(toMinorUnits("-5.5", "EUR")).toBe(-550);
    expect(toMinorUnits("2.345", "USD")).toBe(235);
    expect(currencyExponent("JPY")).toBe(0);
  });

  it("GIVEN garbage WHEN converted THEN it is refused", () => {
    expect(() => toMinorUnits("12,30", "USD")).toThrow(/not a decimal amount/);
    expect(() => toMinorUnits("", "USD")).toThrow();
  });

  it("GIVEN any amount WHEN formatted and parsed back THEN it round-trips", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom("USD", "JPY", "KWD"), (minor, cur) => {
        expect(toMinorUnits(fromMinorUnits(minor, cur), cur)).toBe(minor);
      }),
    );
  });
});
