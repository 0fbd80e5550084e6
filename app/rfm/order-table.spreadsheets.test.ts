import { describe, expect, it } from "vitest";
import { parseDay, parseMinorUnits, parseOrderTable } from "./order-table";
import { utcDay } from "./days";

function table(text: string) {
  const result = parseOrderTable(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.table;
}

describe("GIVEN order files as spreadsheets save them", () => {
  it("WHEN the file is empty THEN line 1 is named and the message asks for a header", () => {
    const result = parseOrderTable("");
    expect(!result.ok && result.errors).toHaveLength(1);
    expect(!result.ok && result.errors[0]).toMatchObject({ line: 1, column: null });
    expect(!result.ok && result.errors[0].message).toMatch(/empty.*header/);
  });

  it("WHEN a byte-order mark precedes a quoted header THEN the columns are still found", () => {
    const t = table('\uFEFF"customer_id","order_date","revenue"\n"ann","2024-01-02","15.00"\n');
    expect(t.customerKeys).toEqual(["ann"]);
    expect([...t.columns.amountMinor]).toEqual([1500]);
  });

  it("WHEN header names and values are padded with spaces THEN they are read trimmed and one customer stays one", () => {
    const t = table("customer_id , order_date , revenue\nann , 2024-01-02 , 15.00\n ann,2024-01-03, 7\n");
    expect(t.customerKeys).toEqual(["ann"]);
    expect([...t.columns.day]).toEqual([utcDay("2024-01-02"), utcDay("2024-01-03")]);
    expect([...t.columns.amountMinor]).toEqual([1500, 700]);
  });

  it("WHEN two headers differ only in case THEN the exact name is the column used", () => {
    const t = table("Revenue,revenue,customer_id,order_date\n999,2,a,2024-01-01\n");
    expect([...t.columns.amountMinor]).toEqual([200]);
  });

  it("WHEN an amount has too many digits to count exactly THEN the row is refused as not a number", () => {
    const result = parseOrderTable("customer_id,order_date,revenue\na,2024-01-01,99999999999999999999\n");
    expect(!result.ok && result.errors.map((e) => [e.line, e.column])).toEqual([[2, "revenue"]]);
    expect(parseMinorUnits("90071992547409.93", 2)).toBeNull();
  });
});

describe("GIVEN amounts with more decimals than the currency has", () => {
  it("WHEN the first extra digit is under 5 THEN it rounds down, from 5 up THEN it rounds up, and a short fraction is padded", () => {
    expect(parseMinorUnits("12.341", 2)).toBe(1234);
    expect(parseMinorUnits("12.345", 2)).toBe(1235);
    expect(parseMinorUnits("12.5", 2)).toBe(1250);
    expect(parseMinorUnits("12.50", 2)).toBe(1250);
    expect(parseMinorUnits("7", 2)).toBe(700);
  });
});

describe("GIVEN dates a merchant's tool might write", () => {
  it("WHEN a date has text before or after it THEN it is refused, not cut out of the text", () => {
    for (const text of ["x2024-01-05", "12024-01-05", "2024-01-05x", "2024-01-05T10:00Zjunk", "120240105", "202401051", "x20240105", "20240105x"]) {
      expect(parseDay(text), text).toBeNull();
    }
  });

  it("WHEN a year has fewer than four real digits (0050) THEN it is refused, not read as 1950", () => {
    expect(parseDay("0050-01-01")).toBeNull();
    expect(parseDay("2023-02-30")).toBeNull();
    expect(parseDay("2023-04-31")).toBeNull();
  });

  it("WHEN the server runs in another time zone THEN a date-time without a zone is still taken in UTC", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Pacific/Kiritimati"; // UTC+14: a local reading would move 01:00 to the day before
    try {
      expect(parseDay("2024-01-05 01:00")).toBe(utcDay("2024-01-05"));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("WHEN a date-time with a space carries a zone THEN the zone decides the day", () => {
    expect(parseDay("2024-01-05 23:30-05:00")).toBe(utcDay("2024-01-06"));
    expect(parseDay("2024-01-05 01:00+0200")).toBe(utcDay("2024-01-04"));
  });
});
