import { describe, expect, it } from "vitest";
import { niceTicks } from "./charts/TrendChart";
import { currencyExponent } from "~/money";
import { formatMoney, formatPercent, majorToMinor, minorToMajor } from "./format";

describe("money and number formatting", () => {
  it("GIVEN minor units WHEN formatted THEN each currency's own fraction digits make the major amount", () => {
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    expect(formatMoney(123456, "USD", "en-US")).toBe("$1,234.56");
    expect(formatMoney(123456, "JPY", "en-US")).toBe("¥123,456");
    expect(formatMoney(123456, "KWD", "en-US")).toMatch(/123\.456/);
    expect(formatMoney(123456, "EUR", "de-DE")).toMatch(/^1\.234,56\s€$/);
    expect(formatMoney(null, "USD", "en-US")).toBe("—");
  });

  it("GIVEN major amounts typed by a merchant WHEN converted THEN they round to whole minor units", () => {
    expect(majorToMinor(100.505, "USD")).toBe(10051);
    expect(majorToMinor(100.5, "JPY")).toBe(101);
    expect(minorToMajor(10050, "USD")).toBe(100.5);
  });

  it("GIVEN a bad locale or currency WHEN formatting THEN it falls back instead of throwing", () => {
    expect(formatMoney(100, "USD", "not a locale")).toBe("$1.00");
    expect(currencyExponent("??")).toBe(2);
    expect(formatPercent(0.1234, "en-US")).toBe("12.3%");
  });

  it("GIVEN a maximum WHEN ticks are chosen THEN they are round steps from 0 that cover it", () => {
    expect(niceTicks(97)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
