/**
 * Test fixtures: canonical orders built by hand, and the real data sets in
 * ../shared/datasets turned into what the engine eats. Tests may read files;
 * app/rfm itself never does.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CanonicalLineItem, CanonicalOrder } from "../order";
import { mergeSameDayOrders, type CountedOrderColumns } from "../metrics";
import { readRecords } from "../../csv";
import { parseMinorUnits, parseOrderTable, type OrderTable } from "../order-table";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DATASETS_DIR = process.env.RFM_DATASETS_DIR ?? path.resolve(here, "../../../../shared/datasets");

export function datasetPath(file: string): string {
  return path.join(DATASETS_DIR, file);
}

let orderSeq = 0;

export function lineItem(totalMinor: number, overrides: Partial<CanonicalLineItem> = {}): CanonicalLineItem {
  return { id: `li-${++orderSeq}`, quantity: 1, unitPriceMinor: totalMinor, totalMinor, subscription: false, ...overrides };
}

/** A plain web order of one $amount item; override anything. */
export function order(overrides: Partial<CanonicalOrder> & { amountMinor?: number } = {}): CanonicalOrder {
  const { amountMinor = 1000, ...rest } = overrides;
  const lineItems = rest.lineItems ?? [lineItem(amountMinor)];
  const id = `order-${++orderSeq}`;
  return {
    platform: "shopify",
    id,
    customerKey: "c1",
    guest: false,
    processedAt: "2024-06-01T12:00:00Z",
    updatedAt: "2024-06-01T12:00:00Z",
    currency: "USD",
    totalMinor: lineItems.reduce((sum, li) => sum + li.totalMinor, 0),
    refundedMinor: 0,
    lineItems,
    channel: "web",
    pos: false,
    subscription: false,
    test: false,
    cancelled: false,
    tags: [],
    ...rest,
  };
}

/** CDNOW: whitespace-separated, YYYYMMDD dates, CRLF, one row per purchase line. */
export function loadCdnow(options: { sameDayAsOne: boolean }): { table: OrderTable; columns: CountedOrderColumns } {
  const parsed = parseOrderTable(readFileSync(datasetPath("cdnow_master.txt"), "utf8"), {
    customerColumn: "customer_id",
    dateColumn: "date",
    amountColumn: "dollar_value",
  });
  if (!parsed.ok) throw new Error(`CDNOW did not parse: ${JSON.stringify(parsed.errors)}`);
  const columns = options.sameDayAsOne ? mergeSameDayOrders(parsed.table.columns) : parsed.table.columns;
  return { table: parsed.table, columns };
}

/**
 * UCI Online Retail sample → canonical orders, one per InvoiceNo. Credit notes
 * (InvoiceNo "C…", negative quantities) become cancelled orders. Rows without a
 * CustomerID have no identity: by default their orders get customerKey null; with
 * `guestsByInvoice` each becomes a guest "email:guest-<invoice>" so later rules can be seen on them.
 */
export function loadOnlineRetailOrders(options: { guestsByInvoice?: boolean } = {}): CanonicalOrder[] {
  const text = readFileSync(datasetPath("online_retail_sample.csv"), "utf8");
  const records = readRecords(text, "comma");
  const header = records.next();
  if (header.done) throw new Error("empty online retail file");
  const col = (name: string) => header.value.fields.indexOf(name);
  const [invoiceAt, stockAt, qtyAt, dateAt, priceAt, customerAt] = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"].map(col);
  const byInvoice = new Map<string, CanonicalOrder>();
  for (const { fields } of records) {
    const invoice = fields[invoiceAt];
    let o = byInvoice.get(invoice);
    if (!o) {
      const customer = fields[customerAt];
      const known = customer !== "NA" && customer !== "";
      const processedAt = ukDateToIso(fields[dateAt]);
      o = order({
        id: invoice,
        customerKey: known ? customer : options.guestsByInvoice ? `email:guest-${invoice}@example.com` : null,
        guest: !known,
        processedAt,
        updatedAt: processedAt,
        currency: "GBP",
        cancelled: invoice.startsWith("C"),
        lineItems: [],
        channel: "online_store",
      });
      byInvoice.set(invoice, o);
    }
    const quantity = Math.abs(Number(fields[qtyAt]));
    const unitPriceMinor = parseMinorUnits(fields[priceAt], 2);
    if (unitPriceMinor === null) throw new Error(`bad price ${fields[priceAt]}`);
    o.lineItems.push({ id: `${invoice}/${fields[stockAt]}/${o.lineItems.length}`, quantity, unitPriceMinor, totalMinor: quantity * unitPriceMinor, subscription: false });
    o.totalMinor += quantity * unitPriceMinor;
  }
  return [...byInvoice.values()];
}

/** "10/31/2011 10:42" (M/D/YYYY H:MM, taken as UTC) → ISO 8601. */
function ukDateToIso(text: string): string {
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`bad InvoiceDate ${text}`);
  const [, m, d, y, hh, mm] = match.map(Number);
  return new Date(Date.UTC(y, m - 1, d, hh, mm)).toISOString();
}
