import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readRecords } from "../../app/csv";
import { toMinorUnits } from "../../app/money";
import type { Random } from "./random";
import { localToUtc } from "./time-zones";

/**
 * Real transaction data in ../shared/datasets (see its README), read into platform-neutral draft
 * orders that a platform's seeding shapes into its own records:
 * - "cdnow": one order per row of the CDNOW log (customer, day, number of CDs, dollars); the CDs become
 *   one or two line items whose prices add up to the row's amount exactly.
 * - "online-retail": the UCI Online Retail sample; invoices group line items into orders, C-invoices
 *   are cancelled (and refunded) orders, UnitPrice 0 lines are free items, rows without CustomerID are
 *   guest orders (no customer).
 */

export type Dataset = "cdnow" | "online-retail";

/** The shop each dataset comes from. */
export const DATASET_SHOPS: Record<Dataset, { name: string; currencyCode: string; ianaTimezone: string }> = {
  cdnow: { name: "CDNOW Records", currencyCode: "USD", ianaTimezone: "America/New_York" },
  "online-retail": { name: "UK Gift Retailer", currencyCode: "GBP", ianaTimezone: "Europe/London" },
};

export function defaultDatasetsDir(): string {
  if (process.env.RFM_DATASETS_DIR) return process.env.RFM_DATASETS_DIR;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/datasets");
}

function readDataset(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), "utf8");
}

/** Parsed rows per dataset file, so tests seeding several shops parse each file once. */
const parsedCache = new Map<string, unknown>();

export interface CdnowRow {
  customer: string;
  /** YYYY-MM-DD */
  day: string;
  cds: number;
  cents: number;
}

/** `cache: false` for one-off readers (benchmarks) that should not keep the rows alive. */
export function readCdnow(dir: string = defaultDatasetsDir(), cache = true): CdnowRow[] {
  const cached = parsedCache.get(`cdnow:${dir}`);
  if (cached) return cached as CdnowRow[];
  const rows: CdnowRow[] = [];
  const records = readRecords(readDataset(dir, "cdnow_master.txt"), "whitespace");
  records.next(); // the header
  for (const { fields } of records) {
    if (fields.length < 4) continue;
    const [customer, date, cds, dollars] = fields;
    rows.push({
      customer,
      day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
      cds: Number(cds),
      cents: toMinorUnits(dollars, "USD"),
    });
  }
  if (cache) parsedCache.set(`cdnow:${dir}`, rows);
  return rows;
}

export interface RetailRow {
  invoice: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** Local date and time parts (Europe/London). */
  local: [number, number, number, number, number];
  cents: number;
  customer: string | null;
}

export function readOnlineRetail(dir: string = defaultDatasetsDir()): RetailRow[] {
  const cached = parsedCache.get(`retail:${dir}`);
  if (cached) return cached as RetailRow[];
  const rows: RetailRow[] = [];
  const records = readRecords(readDataset(dir, "online_retail_sample.csv"), "comma");
  records.next(); // the header
  for (const { fields } of records) {
    const [, invoice, stockCode, description, quantity, date, price, customer] = fields;
    const m = /^(\d+)\/(\d+)\/(\d{4}) (\d+):(\d+)$/.exec(date);
    if (!m) continue;
    rows.push({
      invoice,
      stockCode,
      description: description.trim(),
      quantity: Number(quantity),
      local: [Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]), Number(m[5])],
      cents: toMinorUnits(price, "USD"),
      customer: customer && customer !== "NA" ? customer : null,
    });
  }
  parsedCache.set(`retail:${dir}`, rows);
  return rows;
}

// ---- draft orders ----

const CD_TITLES = ["CD — Jazz", "CD — Rock", "CD — Classical", "CD — Pop", "CD — Blues", "CD — Soundtrack", "CD — Country", "CD — Soul"];

export interface DraftLine {
  title: string;
  sku: string | null;
  quantity: number;
  unitPriceCents: number;
}

export interface DraftOrder {
  /** The dataset's customer id; null for a guest order. */
  customerKey: string | null;
  /** Wall-clock parts in the shop zone, before the date shift. */
  local: [number, number, number, number, number, number];
  lines: DraftLine[];
  cancelledSource: boolean;
  source: string;
}

/** Splits a row's amount over its CDs: n units at floor(T/n), the remainder spread one cent each. */
function cdnowLines(row: CdnowRow, random: Random): DraftLine[] {
  const title = random.pick(CD_TITLES);
  const n = Math.max(1, row.cds);
  const unit = Math.floor(row.cents / n);
  const remainder = row.cents - unit * n;
  const lines: DraftLine[] = [{ title, sku: null, quantity: n - remainder, unitPriceCents: unit }];
  if (remainder > 0) lines.push({ title, sku: null, quantity: remainder, unitPriceCents: unit + 1 });
  return lines.filter((l) => l.quantity > 0);
}

function cdnowDrafts(rows: CdnowRow[], maxCustomers: number | undefined, random: Random): DraftOrder[] {
  const keep = new Set<string>();
  for (const row of rows) {
    if (maxCustomers !== undefined && keep.size >= maxCustomers && !keep.has(row.customer)) continue;
    keep.add(row.customer);
  }
  const time = random.fork("time");
  const titles = random.fork("titles");
  return rows
    .filter((row) => keep.has(row.customer))
    .map((row) => {
      const [y, m, d] = row.day.split("-").map(Number);
      return {
        customerKey: row.customer,
        local: [y, m, d, time.int(8, 21), time.int(0, 59), time.int(0, 59)],
        lines: cdnowLines(row, titles),
        cancelledSource: false,
        source: `cdnow:${row.customer}:${row.day}`,
      };
    });
}

function retailDrafts(rows: RetailRow[], maxCustomers: number | undefined, random: Random): DraftOrder[] {
  const invoices = new Map<string, RetailRow[]>();
  for (const row of rows) {
    const list = invoices.get(row.invoice);
    if (list) list.push(row);
    else invoices.set(row.invoice, [row]);
  }
  const customerIds = [...new Set(rows.filter((r) => r.customer).map((r) => r.customer!))].sort((a, b) => Number(a) - Number(b));
  const kept = new Set(maxCustomers === undefined ? customerIds : customerIds.slice(0, maxCustomers));
  const guestInvoices = [...invoices.keys()].filter((inv) => invoices.get(inv)!.every((r) => r.customer === null)).sort();
  const guestShare = customerIds.length === 0 ? 1 : kept.size / customerIds.length;
  const keptGuests = new Set(guestInvoices.slice(0, Math.round(guestInvoices.length * guestShare)));
  const seconds = random.fork("seconds");
  const drafts: DraftOrder[] = [];
  for (const [invoice, list] of [...invoices].sort(([a], [b]) => a.localeCompare(b))) {
    const customer = list.find((r) => r.customer)?.customer ?? null;
    if (customer ? !kept.has(customer) : !keptGuests.has(invoice)) continue;
    const cancelled = invoice.startsWith("C");
    const lines = list
      .filter((r) => (cancelled ? r.quantity < 0 : r.quantity > 0))
      .map((r) => ({
        title: r.description || r.stockCode,
        sku: r.stockCode,
        quantity: Math.abs(r.quantity),
        unitPriceCents: Math.max(0, r.cents),
      }));
    if (lines.length === 0) continue;
    const [y, m, d, h, mi] = list[0].local;
    drafts.push({
      customerKey: customer,
      local: [y, m, d, h, mi, seconds.int(0, 59)],
      lines,
      cancelledSource: cancelled,
      source: `online-retail:${invoice}`,
    });
  }
  return drafts;
}

/**
 * A dataset's orders as drafts: the first `maxCustomers` customers (by dataset id), guest orders in the
 * same proportion. `random` is the seed's stream; the drafts draw from its own forks.
 */
export function datasetDrafts(dataset: Dataset, dir: string, maxCustomers: number | undefined, random: Random): DraftOrder[] {
  return dataset === "cdnow"
    ? cdnowDrafts(readCdnow(dir), maxCustomers, random.fork("cdnow"))
    : retailDrafts(readOnlineRetail(dir), maxCustomers, random.fork("retail"));
}

function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86400000);
}

export interface TimedDraft {
  draft: DraftOrder;
  index: number;
  /** UTC milliseconds. */
  at: number;
}

/**
 * Places drafts in time, oldest first: their wall-clock times in `timeZone`, shifted by whole days so
 * the latest order lands on `shiftDatesTo`'s day — or the day before when its time of day would put it
 * after that instant, so a shop seeded "to now" has no future orders.
 */
export function placeDrafts(drafts: DraftOrder[], timeZone: string, shiftDatesTo?: string | Date): TimedDraft[] {
  const place = (shift: number) =>
    drafts.map((draft, index) => {
      const [y, m, d, h, mi, s] = draft.local;
      return { draft, index, at: localToUtc(timeZone, y, m, d + shift, h, mi, s) };
    });
  let timed = place(0);
  if (shiftDatesTo !== undefined && drafts.length > 0) {
    const target = new Date(shiftDatesTo);
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(target)
      .split("-")
      .map(Number);
    const latest = drafts.reduce((max, d) => Math.max(max, dayNumber(d.local[0], d.local[1], d.local[2])), -Infinity);
    const shiftDays = dayNumber(parts[0], parts[1], parts[2]) - latest;
    timed = place(shiftDays);
    if (timed.some((t) => t.at > target.getTime())) timed = place(shiftDays - 1);
  }
  timed.sort((a, b) => a.at - b.at || a.index - b.index);
  return timed;
}
