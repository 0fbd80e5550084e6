import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gid } from "./ids";
import type { SimCustomer, SimLineItem, SimOrder, SimRefund } from "./model";
import {
  currentTotalCents,
  lineCurrentQuantity,
  lineDiscountedTotalCents,
  lineRefundValueCents,
  netPaymentCents,
  refundedCents,
  totalCents,
} from "./order-math";
import { createRandom, type Random } from "./random";
import { localToUtc } from "./search-query";
import { ID_BASES, shopifyTime } from "./store";

/**
 * Seeded shops from real transaction data in ../shared/datasets (see its README):
 * - "cdnow": one order per row of the CDNOW log (customer, day, number of CDs, dollars); the CDs become
 *   one or two line items whose prices add up to the row's amount exactly.
 * - "online-retail": the UCI Online Retail sample; invoices group line items into orders, C-invoices
 *   are cancelled (and refunded) orders, UnitPrice 0 lines are free items, rows without CustomerID are
 *   guest orders (no customer).
 * On top, a seeded share of orders becomes POS, subscription, test, cancelled, refunded, foreign-currency
 * or gets an extra free item. Same options + seed → byte-identical shops and truth.
 */

export type Dataset = "cdnow" | "online-retail";

export interface SeedShares {
  pos: number;
  subscription: number;
  /** Orders that get an extra $0 line item (free sample) on top of the dataset's own $0 rows. */
  zeroItem: number;
  test: number;
  cancelled: number;
  refunded: number;
  /** Orders paid in another presentment currency (shopMoney stays the shop currency). */
  multiCurrency: number;
}

export const DEFAULT_SHARES: SeedShares = {
  pos: 0.06,
  subscription: 0.05,
  zeroItem: 0.03,
  test: 0.01,
  cancelled: 0.02,
  refunded: 0.05,
  multiCurrency: 0.05,
};

export interface SeedOptions {
  dataset: Dataset;
  /** Keep the first N customers (by dataset id); guest orders are kept in the same proportion. */
  maxCustomers?: number;
  /** Shift all dates by whole days so the latest order falls on this day (shop time zone), never after this instant. */
  shiftDatesTo?: string | Date;
  shares?: Partial<SeedShares>;
  seed?: string | number;
  /** Defaults to ../shared/datasets beside the repository (or $RFM_DATASETS_DIR). */
  datasetsDir?: string;
}

export interface TruthLineItem {
  id: string;
  title: string;
  quantity: number;
  currentQuantity: number;
  unitPriceCents: number;
  discountedTotalCents: number;
  zeroPrice: boolean;
  subscription: boolean;
}

export interface TruthOrder {
  id: string;
  legacyId: number;
  name: string;
  customerId: string | null;
  email: string | null;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  pos: boolean;
  subscription: boolean;
  sourceName: string;
  currency: string;
  presentmentCurrency: string;
  totalCents: number;
  refundedCents: number;
  /** What the shop kept: total − refunds, in shop currency. */
  netCents: number;
  currentTotalCents: number;
  lineItems: TruthLineItem[];
  refunds: { id: string; createdAt: string; amountCents: number }[];
  /** Where the order came from: CDNOW customer id and date, or the retail invoice number. */
  source: string;
}

export interface TruthCustomer {
  id: string;
  legacyId: number;
  sourceId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: string;
  orderIds: string[];
}

export interface SeedTruth {
  dataset: Dataset;
  seed: string | number;
  shares: SeedShares;
  customers: TruthCustomer[];
  orders: TruthOrder[];
  counts: {
    customers: number;
    orders: number;
    guestOrders: number;
    lineItems: number;
    pos: number;
    subscription: number;
    test: number;
    cancelled: number;
    refunded: number;
    zeroPriceLineItems: number;
    multiCurrency: number;
  };
  /** Sum of order totals in cents (before refunds). */
  totalCents: number;
}

export interface SeedData {
  shop: { name: string; currencyCode: string; ianaTimezone: string };
  customers: SimCustomer[];
  orders: SimOrder[];
  truth: SeedTruth;
}

// ---- reading the datasets ----

export function defaultDatasetsDir(): string {
  if (process.env.RFM_DATASETS_DIR) return process.env.RFM_DATASETS_DIR;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/datasets");
}

function readDataset(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), "utf8");
}

/** Parsed rows per dataset file, so tests seeding several shops parse each file once. */
const parsedCache = new Map<string, unknown>();

interface CdnowRow {
  customer: string;
  /** YYYY-MM-DD */
  day: string;
  cds: number;
  cents: number;
}

function readCdnow(dir: string): CdnowRow[] {
  const cached = parsedCache.get(`cdnow:${dir}`);
  if (cached) return cached as CdnowRow[];
  const rows: CdnowRow[] = [];
  const lines = readDataset(dir, "cdnow_master.txt").split(/\r?\n/);
  for (const line of lines.slice(1)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 4) continue;
    const [customer, date, cds, dollars] = parts;
    rows.push({
      customer,
      day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
      cds: Number(cds),
      cents: Math.round(Number(dollars) * 100),
    });
  }
  parsedCache.set(`cdnow:${dir}`, rows);
  return rows;
}

/** RFC 4180 fields: quoted with "", doubled quotes inside. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

interface RetailRow {
  invoice: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** Local date and time parts (Europe/London). */
  local: [number, number, number, number, number];
  cents: number;
  customer: string | null;
}

function readOnlineRetail(dir: string): RetailRow[] {
  const cached = parsedCache.get(`retail:${dir}`);
  if (cached) return cached as RetailRow[];
  const rows: RetailRow[] = [];
  const lines = readDataset(dir, "online_retail_sample.csv").split(/\r?\n/);
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const [, invoice, stockCode, description, quantity, date, price, customer] = parseCsvLine(line);
    const m = /^(\d+)\/(\d+)\/(\d{4}) (\d+):(\d+)$/.exec(date);
    if (!m) continue;
    rows.push({
      invoice,
      stockCode,
      description: description.trim(),
      quantity: Number(quantity),
      local: [Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]), Number(m[5])],
      cents: Math.round(Number(price) * 100),
      customer: customer && customer !== "NA" ? customer : null,
    });
  }
  parsedCache.set(`retail:${dir}`, rows);
  return rows;
}

// ---- generation ----

const FIRST_NAMES = [
  "Ava",
  "Ben",
  "Chloe",
  "Daniel",
  "Emma",
  "Felix",
  "Grace",
  "Hugo",
  "Isla",
  "Jack",
  "Kira",
  "Liam",
  "Maya",
  "Noah",
  "Olivia",
  "Paul",
  "Quinn",
  "Rosa",
  "Sam",
  "Tara",
  "Uma",
  "Victor",
  "Wren",
  "Yusuf",
  "Zoe",
];
const LAST_NAMES = [
  "Adams",
  "Brown",
  "Chen",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Hughes",
  "Ito",
  "Jensen",
  "Khan",
  "Lopez",
  "Martin",
  "Nguyen",
  "Okafor",
  "Patel",
  "Quist",
  "Rossi",
  "Smith",
  "Tanaka",
  "Usman",
  "Vargas",
  "Weber",
  "Young",
  "Zhang",
];
const CD_TITLES = ["CD — Jazz", "CD — Rock", "CD — Classical", "CD — Pop", "CD — Blues", "CD — Soundtrack", "CD — Country", "CD — Soul"];
const CANCEL_REASONS = ["CUSTOMER", "CUSTOMER", "CUSTOMER", "INVENTORY", "DECLINED", "FRAUD", "OTHER"];
const SUBSCRIPTION_PLANS = [
  { id: ID_BASES.SellingPlan + 1, name: "Deliver every month" },
  { id: ID_BASES.SellingPlan + 2, name: "Deliver every 2 months" },
];
const RETAIL_LOCATIONS = [ID_BASES.Location + 1, ID_BASES.Location + 2, ID_BASES.Location + 3];
const FOREIGN: Record<string, { currency: string; rate: number }> = {
  USD: { currency: "EUR", rate: 0.92 },
  GBP: { currency: "EUR", rate: 1.17 },
};

interface DraftLine {
  title: string;
  sku: string | null;
  quantity: number;
  unitPriceCents: number;
}

interface DraftOrder {
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

function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86400000);
}

const iso = shopifyTime;

export function generateSeed(options: SeedOptions): SeedData {
  const seed = options.seed ?? 1;
  const shares: SeedShares = { ...DEFAULT_SHARES, ...options.shares };
  const random = createRandom(`seed/${options.dataset}/${seed}`);
  const dir = options.datasetsDir ?? defaultDatasetsDir();
  const shop =
    options.dataset === "cdnow"
      ? { name: "CDNOW Records", currencyCode: "USD", ianaTimezone: "America/New_York" }
      : { name: "UK Gift Retailer", currencyCode: "GBP", ianaTimezone: "Europe/London" };
  const tz = shop.ianaTimezone;
  const drafts =
    options.dataset === "cdnow"
      ? cdnowDrafts(readCdnow(dir), options.maxCustomers, random.fork("cdnow"))
      : retailDrafts(readOnlineRetail(dir), options.maxCustomers, random.fork("retail"));

  // Whole-day shift so the latest order lands on shiftDatesTo's day — or the day before when its
  // time of day would put it after that instant, so a shop seeded "to now" has no future orders.
  const place = (shift: number) =>
    drafts.map((draft, index) => {
      const [y, m, d, h, mi, s] = draft.local;
      return { draft, index, at: localToUtc(tz, y, m, d + shift, h, mi, s) };
    });
  let timed = place(0);
  if (options.shiftDatesTo !== undefined && drafts.length > 0) {
    const target = new Date(options.shiftDatesTo);
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(target)
      .split("-")
      .map(Number);
    const latest = drafts.reduce((max, d) => Math.max(max, dayNumber(d.local[0], d.local[1], d.local[2])), -Infinity);
    const shiftDays = dayNumber(parts[0], parts[1], parts[2]) - latest;
    timed = place(shiftDays);
    if (timed.some((t) => t.at > target.getTime())) timed = place(shiftDays - 1);
  }
  // Ids and order numbers grow with time, as on Shopify.
  timed.sort((a, b) => a.at - b.at || a.index - b.index);
  const latestAt = timed.length > 0 ? timed[timed.length - 1].at : 0;

  const counters = new Map<string, number>();
  const nextId = (type: string) => {
    const n = (counters.get(type) ?? 0) + 1;
    counters.set(type, n);
    return ID_BASES[type] + n;
  };

  // Customers are numbered by dataset id.
  const customerKeys = [...new Set(timed.map((t) => t.draft.customerKey).filter((k): k is string => k !== null))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true })
  );
  const names = random.fork("names");
  const customers = new Map<string, SimCustomer>();
  for (const key of customerKeys) {
    const firstName = names.pick(FIRST_NAMES);
    const lastName = names.pick(LAST_NAMES);
    customers.set(key, {
      __typename: "Customer",
      id: nextId("Customer"),
      email: `${firstName}.${lastName}.${options.dataset === "cdnow" ? "cd" : "gr"}${key}@example.com`.toLowerCase(),
      firstName,
      lastName,
      phone: null,
      note: null,
      state: "DISABLED",
      tags: [],
      createdAt: "",
      updatedAt: "",
      rfmGroup: null,
    });
  }

  const flags = random.fork("flags");
  const details = random.fork("details");
  const orders: SimOrder[] = [];
  const sources = new Map<number, string>();
  let number = 1000;
  for (const { draft, at } of timed) {
    const customer = draft.customerKey !== null ? customers.get(draft.customerKey)! : null;
    const processedAt = iso(at);
    const isTest = flags.chance(shares.test);
    const isPos = flags.chance(shares.pos);
    const isSubscription = !isPos && flags.chance(shares.subscription);
    const addFree = flags.chance(shares.zeroItem);
    const isCancelled = draft.cancelledSource || flags.chance(shares.cancelled);
    const isRefunded = !isCancelled && flags.chance(shares.refunded);
    const foreign = flags.chance(shares.multiCurrency) ? FOREIGN[shop.currencyCode] : undefined;
    const plan = isSubscription ? details.pick(SUBSCRIPTION_PLANS) : null;
    const contractId = isSubscription ? nextId("SubscriptionContract") : null;
    const lineItems: SimLineItem[] = draft.lines.map((line) => ({
      id: nextId("LineItem"),
      title: line.title,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      discountCents: 0,
      sellingPlan: plan,
      contractId,
      productId: null,
      variantId: null,
    }));
    if (addFree) {
      lineItems.push({
        id: nextId("LineItem"),
        title: "Free sample",
        sku: "FREE-SAMPLE",
        quantity: 1,
        unitPriceCents: 0,
        discountCents: 0,
        sellingPlan: null,
        contractId: null,
        productId: null,
        variantId: null,
      });
    }
    const order: SimOrder = {
      __typename: "Order",
      id: nextId("Order"),
      number: ++number,
      customerId: customer?.id ?? null,
      email: customer?.email ?? null,
      createdAt: processedAt,
      updatedAt: processedAt,
      processedAt,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      test: isTest,
      sourceName: isPos ? "pos" : isSubscription && details.chance(0.6) ? "subscription_contract" : "web",
      appName: isPos ? "Point of Sale" : isSubscription ? "Shopify Subscriptions" : "Online Store",
      retailLocationId: isPos ? details.pick(RETAIL_LOCATIONS) : null,
      tags: [],
      presentmentCurrency: foreign?.currency ?? shop.currencyCode,
      presentmentRate: foreign?.rate ?? 1,
      shippingCents: 0,
      lineItems,
      refunds: [],
    };
    // Later events never run past the latest order, so nothing lies in the future of a shifted shop.
    const after = (minMs: number, maxMs: number) => iso(Math.max(at + 60_000, Math.min(at + details.int(minMs, maxMs), latestAt)));
    const refund = (createdAt: string, lines: SimRefund["lines"], amountCents: number, note: string | null) => {
      if (amountCents <= 0 && lines.length === 0) return;
      order.refunds.push({ id: nextId("Refund"), createdAt, note, amountCents, lines });
      if (createdAt > order.updatedAt) order.updatedAt = createdAt;
    };
    if (isCancelled) {
      const cancelledAt = after(3600_000, 72 * 3600_000);
      order.cancelledAt = cancelledAt;
      order.closedAt = cancelledAt;
      order.cancelReason = details.pick(CANCEL_REASONS);
      order.updatedAt = cancelledAt;
      refund(
        cancelledAt,
        lineItems.map((l) => ({ lineItemId: l.id, quantity: l.quantity })),
        totalCents(order),
        "Order cancelled"
      );
    } else if (isRefunded && totalCents(order) > 0) {
      const refundAt = after(86400_000, 30 * 86400_000);
      const paid = lineItems.filter((l) => l.unitPriceCents > 0);
      if (details.chance(0.5) && paid.length > 0) {
        const line = details.pick(paid);
        refund(refundAt, [{ lineItemId: line.id, quantity: 1 }], lineRefundValueCents(line, 1), "Returned item");
      } else {
        refund(
          refundAt,
          lineItems.map((l) => ({ lineItemId: l.id, quantity: l.quantity })),
          totalCents(order),
          "Full refund"
        );
      }
    }
    orders.push(order);
    sources.set(order.id, draft.source);
    if (customer) {
      if (!customer.createdAt || processedAt < customer.createdAt) customer.createdAt = iso(at - details.int(60, 3600) * 1000);
      if (order.updatedAt > customer.updatedAt) customer.updatedAt = order.updatedAt;
    }
  }
  const customerList = [...customers.values()].sort((a, b) => a.id - b.id);
  return {
    shop,
    customers: customerList,
    orders,
    truth: buildTruth(options.dataset, seed, shares, shop.currencyCode, customerList, orders, customers, sources),
  };
}

function buildTruth(
  dataset: Dataset,
  seed: string | number,
  shares: SeedShares,
  currency: string,
  customers: SimCustomer[],
  orders: SimOrder[],
  byKey: Map<string, SimCustomer>,
  sources: Map<number, string>
): SeedTruth {
  const sourceOf = new Map([...byKey].map(([key, c]) => [c.id, key]));
  const truthOrders: TruthOrder[] = orders.map((o) => ({
    id: gid("Order", o.id),
    legacyId: o.id,
    name: `#${o.number}`,
    customerId: o.customerId !== null ? gid("Customer", o.customerId) : null,
    email: o.email,
    createdAt: o.createdAt,
    processedAt: o.processedAt,
    updatedAt: o.updatedAt,
    cancelledAt: o.cancelledAt,
    test: o.test,
    pos: o.sourceName === "pos",
    subscription: o.lineItems.some((l) => l.sellingPlan !== null),
    sourceName: o.sourceName,
    currency,
    presentmentCurrency: o.presentmentCurrency,
    totalCents: totalCents(o),
    refundedCents: refundedCents(o),
    netCents: netPaymentCents(o),
    currentTotalCents: currentTotalCents(o),
    lineItems: o.lineItems.map((l) => ({
      id: gid("LineItem", l.id),
      title: l.title,
      quantity: l.quantity,
      currentQuantity: lineCurrentQuantity(o, l),
      unitPriceCents: l.unitPriceCents,
      discountedTotalCents: lineDiscountedTotalCents(l),
      zeroPrice: l.unitPriceCents === 0,
      subscription: l.sellingPlan !== null,
    })),
    refunds: o.refunds.map((r) => ({ id: gid("Refund", r.id), createdAt: r.createdAt, amountCents: r.amountCents })),
    source: sources.get(o.id) ?? "",
  }));
  const ordersByCustomer = new Map<number, string[]>();
  for (const o of orders) {
    if (o.customerId === null) continue;
    const list = ordersByCustomer.get(o.customerId) ?? [];
    list.push(gid("Order", o.id));
    ordersByCustomer.set(o.customerId, list);
  }
  return {
    dataset,
    seed,
    shares,
    customers: customers.map((c) => ({
      id: gid("Customer", c.id),
      legacyId: c.id,
      sourceId: sourceOf.get(c.id) ?? "",
      email: c.email,
      firstName: c.firstName,
      lastName: c.lastName,
      createdAt: c.createdAt,
      orderIds: ordersByCustomer.get(c.id) ?? [],
    })),
    orders: truthOrders,
    counts: {
      customers: customers.length,
      orders: orders.length,
      guestOrders: orders.filter((o) => o.customerId === null).length,
      lineItems: orders.reduce((n, o) => n + o.lineItems.length, 0),
      pos: truthOrders.filter((o) => o.pos).length,
      subscription: truthOrders.filter((o) => o.subscription).length,
      test: truthOrders.filter((o) => o.test).length,
      cancelled: truthOrders.filter((o) => o.cancelledAt !== null).length,
      refunded: truthOrders.filter((o) => o.refundedCents > 0).length,
      zeroPriceLineItems: truthOrders.reduce((n, o) => n + o.lineItems.filter((l) => l.zeroPrice).length, 0),
      multiCurrency: orders.filter((o) => o.presentmentCurrency !== currency).length,
    },
    totalCents: truthOrders.reduce((n, o) => n + o.totalCents, 0),
  };
}
