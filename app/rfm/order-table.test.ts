import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectDelimiter } from "../csv";
import { parseDay, parseMinorUnits, parseOrderTable } from "./order-table";
import { utcDay } from "./days";
import { datasetPath } from "./test/fixtures";

describe("GIVEN the R rfm package's example orders", () => {
  it("WHEN parsed with default columns THEN all 4,906 orders of 995 customers arrive", () => {
    const parsed = parseOrderTable(readFileSync(datasetPath("rfm_data_orders.csv"), "utf8"));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.table.delimiter).toBe("comma");
    expect(parsed.table.columns.customerIndex).toHaveLength(4906);
    expect(parsed.table.customerKeys).toHaveLength(995);
    expect(parsed.table.customerKeys[0]).toBe("Brion Stark");
    expect(parsed.table.columns.amountMinor[0]).toBe(3200);
  });
});

describe("GIVEN bad input", () => {
  const parse = (text: string) => parseOrderTable(text);
  it("WHEN a column is missing THEN the error names it and the header line", () => {
    expect(parse("customer_id,date,revenue\na,2020-01-01,1\n")).toEqual({
      ok: false,
      errors: [{ line: 1, column: "order_date", message: 'no column "order_date" in the header (found: customer_id, date, revenue)' }],
    });
  });

  it("WHEN a date or an amount is bad THEN each error names its line and column", () => {
    const result = parse('customer_id,order_date,revenue\na,2020-01-01,1\n"b, jr",2020-02-30,2\nc,2020-03-01,12x\nd,2020-03-01,-5\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { line: 3, column: "order_date", message: 'bad date "2020-02-30" (expected YYYY-MM-DD or YYYYMMDD)' },
      { line: 4, column: "revenue", message: 'amount "12x" is not a number' },
      { line: 5, column: "revenue", message: 'negative amount "-5" (net refunds into the order\'s amount)' },
    ]);
  });

  it("WHEN a row is short THEN it says how many fields were expected", () => {
    const result = parse("customer_id,order_date,revenue\na,2020-01-01\n");
    expect(!result.ok && result.errors[0]).toEqual({ line: 2, column: null, message: "expected at least 3 fields, found 2" });
  });

  it("WHEN the file is empty THEN it says so", () => {
    expect(parse("").ok).toBe(false);
  });
});

describe("GIVEN CSV details", () => {
  it("WHEN fields are quoted with commas, doubled quotes and line breaks THEN they are read whole and line numbers stay right", () => {
    const result = parseOrderTable('customer_id,order_date,revenue\r\n"O""Brien, Pat",2020-01-01,1.5\r\n"multi\nline",2020-01-02,2\r\nx,bad,1\r\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ line: 5, column: "order_date", message: 'bad date "bad" (expected YYYY-MM-DD or YYYYMMDD)' }]);
    const ok = parseOrderTable('customer_id,order_date,revenue\r\n"O""Brien, Pat",2020-01-01,1.5\r\n');
    expect(ok.ok && ok.table.customerKeys).toEqual(['O"Brien, Pat']);
    expect(ok.ok && ok.table.columns.amountMinor[0]).toBe(150);
  });

  it("WHEN a row has no customer THEN it does not count and is tallied", () => {
    const result = parseOrderTable("customer_id;order_date;revenue\n;2020-01-01;3\nz;2020-01-01;0\n");
    expect(result.ok && result.table.skipped).toEqual({ noCustomer: 1, zeroAmount: 1 });
  });

  it("WHEN delimiters are detected THEN comma, tab, semicolon and whitespace are told apart", () => {
    expect(detectDelimiter("a,b\n")).toBe("comma");
    expect(detectDelimiter("a\tb\n")).toBe("tab");
    expect(detectDelimiter("a;b\n")).toBe("semicolon");
    expect(detectDelimiter("a  b\r\n")).toBe("whitespace");
  });

  it("WHEN dates come in the supported shapes THEN they map to the same UTC day", () => {
    const d = utcDay("2024-02-29T00:00:00Z");
    expect(parseDay("2024-02-29")).toBe(d);
    expect(parseDay("20240229")).toBe(d);
    expect(parseDay("2024-02-29T23:30:00Z")).toBe(d);
    expect(parseDay("2024-03-01T01:00:00+02:00")).toBe(d);
    expect(parseDay("2023-02-29")).toBeNull();
    expect(parseDay("29/02/2024")).toBeNull();
  });

  it("WHEN amounts are parsed THEN they become exact minor units", () => {
    expect(parseMinorUnits("1.005", 2)).toBe(101);
    expect(parseMinorUnits("0.1", 2)).toBe(10);
    expect(parseMinorUnits("12", 0)).toBe(12);
    expect(parseMinorUnits(".5", 2)).toBe(50);
    expect(parseMinorUnits("-3.20", 2)).toBe(-320);
    expect(parseMinorUnits("1e3", 2)).toBeNull();
    expect(parseMinorUnits("", 2)).toBeNull();
  });
});
