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

describe("GIVEN files from spreadsheets and other tools", () => {
  it("WHEN a file starts with a byte-order mark, names columns in another case and says its delimiter THEN it is read as said", () => {
    const text = "\uFEFFCustomer;When;Paid\nann;2024-01-02;15\nbob;2024-01-03 23:59;7\n";
    const options = { customerColumn: "customer", dateColumn: "when", amountColumn: "paid", currencyDigits: 0 } as const;
    const result = parseOrderTable(text, { ...options, delimiter: "semicolon" });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.table.delimiter).toBe("semicolon");
    expect(result.table.customerKeys).toEqual(["ann", "bob"]);
    expect(result.table.rows).toBe(2);
    expect([...result.table.columns.day]).toEqual([utcDay("2024-01-02"), utcDay("2024-01-03")]);
    expect([...result.table.columns.amountMinor]).toEqual([15, 7]);
    // Told "comma", the same file has no such columns.
    expect(parseOrderTable(text, { ...options, delimiter: "comma" }).ok).toBe(false);
  });

  it("WHEN the delimiter is auto THEN it is detected, and an exact header name wins over one in another case", () => {
    const result = parseOrderTable("customer_id\tCUSTOMER_ID\torder_date\trevenue\na\tb\t2024-01-01\t2\n", { delimiter: "auto" });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.table.delimiter).toBe("tab");
    expect(result.table.customerKeys).toEqual(["a"]);
    expect(result.table.columns.amountMinor[0]).toBe(200);
  });

  it("WHEN every column is missing THEN each is named", () => {
    const result = parseOrderTable("a,b\n1,2\n");
    expect(!result.ok && result.errors.map((e) => e.column)).toEqual(["customer_id", "order_date", "revenue"]);
  });

  it("WHEN a file has many bad rows THEN the first 20 problems are listed and reading stops", () => {
    const rows = Array.from({ length: 30 }, (_, i) => `c${i},not-a-date,1`);
    const result = parseOrderTable(["customer_id,order_date,revenue", ...rows].join("\n"));
    expect(!result.ok && result.errors.length).toBe(20);
    expect(!result.ok && result.errors[19].line).toBe(21);
    const short = Array.from({ length: 30 }, () => "c1");
    const shortResult = parseOrderTable(["customer_id,order_date,revenue", ...short].join("\n"));
    expect(!shortResult.ok && shortResult.errors.length).toBe(20);
  });

  it("WHEN one row has both a bad date and a bad amount THEN both are reported, and nothing is counted", () => {
    const result = parseOrderTable("customer_id,order_date,revenue\na,2024-13-01,x\n");
    expect(!result.ok && result.errors.map((e) => e.column)).toEqual(["order_date", "revenue"]);
  });

  it("WHEN date-times carry no zone, a space or fractions THEN they are taken in UTC", () => {
    const d = utcDay("2024-02-29T00:00:00Z");
    expect(parseDay("2024-02-29 23:59")).toBe(d);
    expect(parseDay("2024-02-29T23:59:59.999")).toBe(d);
    expect(parseDay("2024-02-29T23:00:00-01:00")).toBe(d + 1);
    expect(parseDay("2024-02-29T25:00:00")).toBeNull();
    expect(parseDay("2024-00-10")).toBeNull();
    expect(parseDay("2024-01-32")).toBeNull();
  });
});
