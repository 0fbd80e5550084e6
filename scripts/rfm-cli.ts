/**
 * RFM from a CSV of orders, for analysts and for checking the engine against other tools.
 *
 *   npx tsx scripts/rfm-cli.ts score --orders FILE --as-of YYYY-MM-DD [options]
 *
 * Prints one row per customer (customer_id, recency_days, frequency, monetary, r, f, m,
 * persona) or, with --summary, one row per persona. Bad input exits with code 2 and a
 * message naming the line and column; nothing is printed to stdout then.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  DAY_MS,
  formatSettingsErrors,
  isoDate,
  mergeSameDayOrders,
  NO_PERSONA,
  parseDay,
  parseMinorUnits,
  parseOrderTable,
  parseSettings,
  personaRulesFor,
  scoreCountedOrders,
  summarizePersonas,
  validatePersonaMap,
  type Delimiter,
  type ScoredCustomerColumns,
} from "../app/rfm/index";
import { csvTable, numeric, type CsvValue } from "../app/csv";
import { minorToDecimal } from "../app/money";

const USAGE = `Usage: rfm-cli score --orders FILE --as-of YYYY-MM-DD [options]

  --orders FILE             orders, one row per order (CSV, TSV or whitespace-separated, with a header)
  --as-of YYYY-MM-DD        the day recency is measured to (YYYYMMDD works too)
  --customer COL            customer column (default customer_id)
  --date COL                order date column, YYYY-MM-DD or YYYYMMDD (default order_date)
  --amount COL              order amount column, in currency units (default revenue)
  --delimiter D             auto | comma | tab | semicolon | whitespace (default auto)
  --edges DIM:E1,E2,E3,E4   explicit score edges, lower <= x < upper; give all of r: (days),
                            f: (orders) and m: (currency units). Without them: quintiles, ties kept together
  --personas FILE.json      custom persona map: a JSON list of {name, slug?, color?, r:[lo,hi], f:[lo,hi], m:[lo,hi]}
  --lookback-days N|all     score only orders in the last N days; older-only customers are Lost (default all)
  --same-day-as-one         count a customer's orders on one day as one order (e.g. CDNOW: rows are purchase lines)
  --currency-digits N       decimals of the currency (default 2)
  --format csv|json         output format (default csv)
  --summary                 one row per persona instead of per customer
`;

class UsageError extends Error {}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "score") throw new UsageError(`unknown command "${command}" (expected "score")`);

  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      orders: { type: "string" },
      "as-of": { type: "string" },
      customer: { type: "string", default: "customer_id" },
      date: { type: "string", default: "order_date" },
      amount: { type: "string", default: "revenue" },
      delimiter: { type: "string", default: "auto" },
      edges: { type: "string", multiple: true },
      personas: { type: "string" },
      "lookback-days": { type: "string", default: "all" },
      "same-day-as-one": { type: "boolean", default: false },
      "currency-digits": { type: "string", default: "2" },
      format: { type: "string", default: "csv" },
      summary: { type: "boolean", default: false },
    },
  });

  if (!values.orders) throw new UsageError("--orders FILE is required");
  if (!values["as-of"]) throw new UsageError("--as-of YYYY-MM-DD is required");
  const asOfDay = parseDay(values["as-of"]);
  if (asOfDay === null) throw new UsageError(`--as-of "${values["as-of"]}" is not a date (YYYY-MM-DD or YYYYMMDD)`);
  const delimiters: Delimiter[] = ["auto", "comma", "tab", "semicolon", "whitespace"];
  if (!delimiters.includes(values.delimiter as Delimiter)) {
    throw new UsageError(`--delimiter must be one of ${delimiters.join(", ")}`);
  }
  if (values.format !== "csv" && values.format !== "json") throw new UsageError("--format must be csv or json");
  const digits = Number(values["currency-digits"]);
  if (!Number.isInteger(digits) || digits < 0 || digits > 6) throw new UsageError("--currency-digits must be 0…6");
  const lookback = values["lookback-days"];
  const lookbackDays = lookback === "all" ? null : Number(lookback);

  const settingsInput = {
    rules: { lookbackDays },
    scoring: values.edges ? { mode: "edges", edges: parseEdgesOptions(values.edges, digits) } : { mode: "quantiles" },
    personas: values.personas ? { map: "custom", rules: readPersonaRules(values.personas) } : { map: "default" },
  };
  const parsedSettings = parseSettings(settingsInput);
  if (!parsedSettings.ok) throw new UsageError(formatSettingsErrors(parsedSettings.errors));
  const settings = parsedSettings.settings;
  if (settings.personas.map === "custom") {
    const check = validatePersonaMap(personaRulesFor(settings.personas));
    for (const rule of check.unreachable) warn(`persona rule ${rule.rule + 1} "${rule.name}" never applies: earlier rules take all its cells`);
    if (!check.complete) warn(`${check.gaps.length} of 125 score cells match no persona rule: those customers become "Others"`);
  }

  const text = readInput(values.orders);
  const parsed = parseOrderTable(text, {
    customerColumn: values.customer,
    dateColumn: values.date,
    amountColumn: values.amount,
    delimiter: values.delimiter as Delimiter,
    currencyDigits: digits,
  });
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      process.stderr.write(`${values.orders}: line ${e.line}${e.column ? `, column ${e.column}` : ""}: ${e.message}\n`);
    }
    return 2;
  }
  const table = parsed.table;
  const columns = values["same-day-as-one"] ? mergeSameDayOrders(table.columns) : table.columns;
  const scored = scoreCountedOrders(columns, settings, new Date(asOfDay * DAY_MS));

  if (table.skipped.noCustomer > 0) warn(`${table.skipped.noCustomer} rows without a customer id don't count`);
  if (table.skipped.zeroAmount > 0) warn(`${table.skipped.zeroAmount} rows with a $0 amount don't count`);
  if (scored.report.window.ordersAfterAsOf > 0) {
    warn(`${scored.report.window.ordersAfterAsOf} orders after the as-of day ${isoDate(asOfDay)} are ignored`);
  }

  const money = (minor: number) => minorToDecimal(minor, digits);
  process.stdout.write(
    values.summary
      ? renderSummary(scored, values.format, money, asOfDay)
      : renderCustomers(scored, table.customerKeys, values.format, money, asOfDay),
  );
  return 0;
}

/** "r:115,181,297,482" → {r: [115, 181, 297, 482]}; monetary edges arrive in currency units. */
function parseEdgesOptions(options: string[], digits: number): Record<string, number[]> {
  const edges: Record<string, number[]> = {};
  for (const option of options) {
    const match = /^([rfm]):(.*)$/i.exec(option.trim());
    if (!match) throw new UsageError(`--edges "${option}": expected r:E1,E2,E3,E4 (or f:, m:)`);
    const dim = match[1].toLowerCase();
    edges[dim] = match[2].split(",").map((raw) => {
      const value = dim === "m" ? parseMinorUnits(raw.trim(), digits) : raw.trim() === "" ? NaN : Number(raw);
      if (value === null || !Number.isFinite(value)) throw new UsageError(`--edges ${dim}: "${raw}" is not a number`);
      return value;
    });
  }
  return edges;
}

function readPersonaRules(file: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(readInput(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  // Accept a bare list of rules, or {rules: [...]} as stored in settings.
  if (json !== null && typeof json === "object" && !Array.isArray(json) && "rules" in json) return json.rules;
  return json;
}

function readInput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function renderCustomers(
  scored: ScoredCustomerColumns,
  customerKeys: readonly string[],
  format: string,
  money: (minor: number) => string,
  asOfDay: number,
): string {
  const { metrics, r, f, m, persona, personas } = scored;
  const rows: [string, number, number, string, number, number, number, string][] = [];
  for (let c = 0; c < scored.customerCount; c++) {
    if (persona[c] === NO_PERSONA) continue;
    rows.push([customerKeys[c], metrics.recencyDays[c], metrics.frequency[c], money(metrics.monetaryMinor[c]), r[c], f[c], m[c], personas[persona[c]].slug]);
  }
  const header = ["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "persona"];
  if (format === "json") {
    const customers = rows.map((row) =>
      Object.fromEntries(header.map((name, i) => [name, name === "monetary" ? Number(row[i]) : row[i]])),
    );
    return `${JSON.stringify({ asOf: isoDate(asOfDay), customers, report: scored.report }, null, 2)}\n`;
  }
  // Customer ids come from the input file: the shared writer guards them against formulas.
  return csvTable([header, ...rows.map(([id, recency, frequency, monetary, ...rest]) => [id, recency, frequency, numeric(monetary), ...rest])], { eol: "\n" });
}

function renderSummary(scored: ScoredCustomerColumns, format: string, money: (minor: number) => string, asOfDay: number): string {
  const summary = summarizePersonas(scored);
  const header = [
    "persona", "name", "customers", "orders", "revenue", "aov",
    "median_recency_days", "median_frequency", "median_monetary", "median_r", "median_f", "median_m",
  ];
  const rows = summary.map((s) => [
    s.slug, s.name, s.customers, s.orders, money(s.revenueMinor), s.aovMinor === null ? "" : money(s.aovMinor),
    s.median.recencyDays ?? "", s.median.frequency ?? "", s.median.monetaryMinor === null ? "" : money(s.median.monetaryMinor),
    s.median.r ?? "", s.median.f ?? "", s.median.m ?? "",
  ]);
  if (format === "json") {
    const personas = rows.map((row) =>
      Object.fromEntries(header.map((name, i) => [name, typeof row[i] === "string" && /^(revenue|aov|median_monetary)$/.test(name) && row[i] !== "" ? Number(row[i]) : row[i] === "" ? null : row[i]])),
    );
    return `${JSON.stringify({ asOf: isoDate(asOfDay), summary: personas, report: scored.report }, null, 2)}\n`;
  }
  const moneyColumns = new Set(["revenue", "aov", "median_monetary"]);
  const cells = rows.map((row) => row.map((v, i): CsvValue => (moneyColumns.has(header[i]) && typeof v === "string" && v !== "" ? numeric(v) : v)));
  return csvTable([header, ...cells], { eol: "\n" });
}

function warn(message: string): void {
  process.stderr.write(`rfm: ${message}\n`);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`rfm: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`rfm: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
