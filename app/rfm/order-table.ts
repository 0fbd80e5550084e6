/**
 * Reads an order table (one row per order: customer, date, amount) from text — CSV,
 * tab-, semicolon- or whitespace-separated — into counted-order columns. Pure: the
 * caller reads the file. Used by the CLI (scripts/rfm-cli.ts) and the benchmark.
 *
 * Every problem is reported with its line and column, so a merchant can fix the file.
 */
import { detectDelimiter, readRecords, type CsvDelimiter } from "../csv";
import { DAY_MS } from "./days";
import type { CountedOrderColumns } from "./metrics";

export type Delimiter = "auto" | CsvDelimiter;

export interface OrderTableOptions {
  customerColumn?: string;
  dateColumn?: string;
  amountColumn?: string;
  delimiter?: Delimiter;
  /** Digits after the decimal point in the shop currency (2 for USD/EUR, 0 for JPY). */
  currencyDigits?: number;
}

export interface OrderTableIssue {
  /** 1-based line in the file (a quoted field spanning lines reports the line the row starts on). */
  line: number;
  column: string | null;
  message: string;
}

export interface OrderTable {
  /** customerKeys[i] is customer i of `columns`. */
  customerKeys: string[];
  /** Counted orders: rows with a customer and an amount above 0. */
  columns: CountedOrderColumns;
  delimiter: CsvDelimiter;
  rows: number;
  /** Rows that don't count: no customer id; $0 amount (an order of only $0 items does not count). */
  skipped: { noCustomer: number; zeroAmount: number };
}

export type ParseOrderTableResult = { ok: true; table: OrderTable } | { ok: false; errors: OrderTableIssue[] };

const MAX_ERRORS = 20;

export function parseOrderTable(text: string, options: OrderTableOptions = {}): ParseOrderTableResult {
  const customerColumn = options.customerColumn ?? "customer_id";
  const dateColumn = options.dateColumn ?? "order_date";
  const amountColumn = options.amountColumn ?? "revenue";
  const digits = options.currencyDigits ?? 2;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark from spreadsheet exports
  const delimiter = options.delimiter && options.delimiter !== "auto" ? options.delimiter : detectDelimiter(text);

  const errors: OrderTableIssue[] = [];
  const records = readRecords(text, delimiter);
  const header = records.next();
  if (header.done) return { ok: false, errors: [{ line: 1, column: null, message: "the file is empty (expected a header line)" }] };
  const names = header.value.fields.map((name) => name.trim());
  const find = (wanted: string) => {
    const exact = names.indexOf(wanted);
    // Stryker disable next-line EqualityOperator: an exact match at 0 is also the first match in any case
    return exact >= 0 ? exact : names.findIndex((name) => name.toLowerCase() === wanted.toLowerCase());
  };
  const customerAt = find(customerColumn);
  const dateAt = find(dateColumn);
  const amountAt = find(amountColumn);
  for (const [name, at] of [[customerColumn, customerAt], [dateColumn, dateAt], [amountColumn, amountAt]] as const) {
    if (at < 0) {
      errors.push({ line: header.value.line, column: name, message: `no column "${name}" in the header (found: ${names.join(", ")})` });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const needed = Math.max(customerAt, dateAt, amountAt) + 1;

  const indexByKey = new Map<string, number>();
  const customerKeys: string[] = [];
  let customerIndex = new Int32Array(1024);
  let day = new Int32Array(1024);
  let amountMinor = new Float64Array(1024);
  let n = 0;
  let rows = 0;
  const skipped = { noCustomer: 0, zeroAmount: 0 };

  for (const { line, fields } of records) {
    rows++;
    if (fields.length < needed) {
      errors.push({ line, column: null, message: `expected at least ${needed} fields, found ${fields.length}` });
      if (errors.length >= MAX_ERRORS) break;
      continue;
    }
    const rawDate = fields[dateAt].trim();
    const d = parseDay(rawDate);
    if (d === null) {
      errors.push({ line, column: dateColumn, message: `bad date "${rawDate}" (expected YYYY-MM-DD or YYYYMMDD)` });
    }
    const rawAmount = fields[amountAt].trim();
    const amount = parseMinorUnits(rawAmount, digits);
    if (amount === null) {
      errors.push({ line, column: amountColumn, message: `amount "${rawAmount}" is not a number` });
    } else if (amount < 0) {
      errors.push({ line, column: amountColumn, message: `negative amount "${rawAmount}" (net refunds into the order's amount)` });
    }
    if (errors.length >= MAX_ERRORS) break;
    // Once any error is recorded the whole table is refused, so storing a bad row as well is
    // invisible: this line only saves the work.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: see above
    if (d === null || amount === null || amount < 0 || errors.length > 0) continue;

    const key = fields[customerAt].trim();
    if (key === "") {
      skipped.noCustomer++;
      continue;
    }
    if (amount === 0) {
      skipped.zeroAmount++;
      continue;
    }
    let c = indexByKey.get(key);
    if (c === undefined) {
      c = customerKeys.length;
      indexByKey.set(key, c);
      customerKeys.push(key);
    }
    if (n === customerIndex.length) {
      customerIndex = grow(customerIndex, new Int32Array(n * 2));
      day = grow(day, new Int32Array(n * 2));
      amountMinor = grow(amountMinor, new Float64Array(n * 2));
    }
    customerIndex[n] = c;
    day[n] = d;
    amountMinor[n] = amount;
    n++;
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    table: {
      customerKeys,
      columns: {
        customerCount: customerKeys.length,
        customerIndex: customerIndex.slice(0, n),
        day: day.slice(0, n),
        amountMinor: amountMinor.slice(0, n),
      },
      delimiter,
      rows,
      skipped,
    },
  };
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * UTC day number of "YYYY-MM-DD" or "YYYYMMDD" (an ISO date-time is accepted too and
 * taken in UTC); null for anything else, including impossible dates like 2023-02-30.
 */
export function parseDay(text: string): number | null {
  const match = ISO_DATE.exec(text) ?? COMPACT_DATE.exec(text);
  if (!match) return null;
  const [, y, mo, d] = match;
  const year = Number(y);
  const month = Number(mo);
  const date = Number(d);
  const ms = Date.UTC(year, month - 1, date);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return null;
  if (match[4] !== undefined) {
    const instant = Date.parse(match[7] === undefined ? `${text.replace(" ", "T")}Z` : text.replace(" ", "T"));
    return Number.isFinite(instant) ? Math.floor(instant / DAY_MS) : null;
  }
  return ms / DAY_MS;
}

/**
 * "12.5" → 1250 with 2 digits, exactly (no binary floating point on the way):
 * extra digits round half away from zero. Null when not a plain decimal number.
 */
export function parseMinorUnits(text: string, digits: number): number | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ""] = match;
  if (whole === "" && fraction === "") return null;
  const kept = fraction.slice(0, digits).padEnd(digits, "0");
  let minor = Number(whole + kept);
  // Stryker disable next-line EqualityOperator: at length = digits, charCodeAt(digits) is NaN and the comparison false
  if (fraction.length > digits && fraction.charCodeAt(digits) >= 53 /* "5" */) minor += 1;
  if (!Number.isSafeInteger(minor)) return null;
  return sign === "-" ? -minor : minor;
}
