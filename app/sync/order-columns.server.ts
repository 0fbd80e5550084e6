/**
 * The columnar read path for scoring: one prepared statement streams a shop's scoreable
 * orders (live, not awaiting a re-read) as rows of plain numbers into the counting rules
 * (app/rfm/rules-columns.ts), which write counted-order columns. No canonical order or
 * line item object is built; whole-order flags come packed into one integer, stored with the
 * order (scoreFlags, written by the order store).
 *
 * Line rows are read only where a line rule can change the result: for orders holding a
 * subscription or $0 line (specialLineCount > 0), and only when such a rule applies, a
 * correlated subquery summarises them in SQL. Columns no rule reads this run (channel,
 * tags) are not read at all. See docs/decisions/020-columnar-recompute.md.
 *
 * On SQLite the statement runs synchronously on the connection (withNative: no await per
 * row, the speed of the raw driver); on PostgreSQL it is a server-side cursor fetched in
 * batches, so a shop of millions of orders is never held in memory as rows. The SQL is the
 * same on both (booleans through CASE, sums as integers). See docs/decisions/033-recompute-on-postgresql.md.
 */
import { createColumnRules, ORDER_FLAG, type ColumnRulesResult, type LineStats, type StoredOrderRow } from "~/rfm/rules-columns";
import type { CountingRules } from "~/rfm/settings";
import type { Db } from "~/db/index.server";
import type { DialectSql } from "~/db/sql";
import { KeyTable } from "~/rfm/key-table";
import { scanByKey, scanRows, type ScanKind } from "~/db/scan.server";

/** A boolean condition as one bit (booleans are integers on SQLite, not on PostgreSQL). */
const bit = (condition: string, value: number) => `CASE WHEN ${condition} THEN ${value} ELSE 0 END`;

/**
 * An order's packed flags (ORDER_FLAG) from its columns, `c(name)` spelling each: what
 * the order store writes into scoreFlags with the columns themselves, so a recompute reads
 * one stored integer instead of evaluating eight columns per order (0.4 s of SQLite's 1.8 s
 * on the bench shop; docs/decisions/074-pages-built-beside-the-scan.md).
 */
export function scoreFlagsSql(c: (name: string) => string): string {
  return `(${[
    bit(c("test"), ORDER_FLAG.test),
    bit(c("cancelled"), ORDER_FLAG.cancelled),
    bit(c("subscription"), ORDER_FLAG.subscription),
    bit(c("pos"), ORDER_FLAG.pos),
    bit(c("unpaid"), ORDER_FLAG.unpaid),
    bit(c("amountUnknown"), ORDER_FLAG.amountUnknown),
    bit(`${c("refundedMinor")} > 0 AND ${c("refundedMinor")} >= ${c("totalMinor")}`, ORDER_FLAG.refundedWholeTotal),
    // The key is a guest's: packed with the flags to save a column per row.
    bit(c("guest"), ORDER_FLAG.guestKey),
  ].join(" + ")})`;
}

/** Six sums in one text value (one subquery per order instead of six). */
const LINE_STATS_SQL = `CASE WHEN specialLineCount > 0 THEN (
  SELECT sum(CASE WHEN l.subscription THEN 1 ELSE 0 END) || ',' || sum(CASE WHEN l.subscription THEN l.totalMinor ELSE 0 END)
    || ',' || sum(CASE WHEN l.subscription AND l.totalMinor <= 0 THEN 1 ELSE 0 END)
    || ',' || sum(CASE WHEN l.subscription AND l.totalMinor <= 0 THEN l.totalMinor ELSE 0 END)
    || ',' || sum(CASE WHEN NOT l.subscription AND l.totalMinor <= 0 THEN 1 ELSE 0 END)
    || ',' || sum(CASE WHEN NOT l.subscription AND l.totalMinor <= 0 THEN l.totalMinor ELSE 0 END)
  FROM "OrderLine" l WHERE l.shopId = o.shopId AND l.orderId = o.id) END`;

function parseLineStats(text: string | null): LineStats | null {
  if (text === null) return null;
  const [subscriptionLines, subscriptionMinor, subscriptionZeroLines, subscriptionZeroMinor, zeroLines, zeroMinor] = text
    .split(",")
    .map(Number);
  return { subscriptionLines, subscriptionMinor, subscriptionZeroLines, subscriptionZeroMinor, zeroLines, zeroMinor };
}

/** Which columns a run reads beyond the always-read ones. */
interface Reads {
  channel: boolean;
  tags: boolean;
  lines: boolean;
}

/**
 * Every row costs per column read, so a column no rule reads this run is left out. The
 * customer key comes as its index in the rules' key table.
 */
function selected(reads: Reads, sql: DialectSql, keys: ScanKind): [string, ScanKind][] {
  const columns: [string, ScanKind][] = [
    ["customerKey", keys],
    [sql.epochMs("processedAt"), "number"],
    ["itemsTotalMinor", "number"],
    ["lineCount", "number"],
    ["scoreFlags", "number"],
    ["refundedMinor", "number"],
  ];
  if (reads.channel) columns.push(["channel", "text"]);
  if (reads.tags) columns.push(["nullif(tags, '[]')", "text"]);
  if (reads.lines) columns.push([LINE_STATS_SQL, "text"]);
  return columns;
}

const SCOREABLE = "shopId = ? AND deleted = FALSE AND verified = TRUE";

/** Epoch ms of a stored date (written as a number; Prisma-written rows hold ISO text). */
function epochMs(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return typeof value === "string" ? Date.parse(value) : NaN;
}

/**
 * A shop's counted orders in columns with the rules report, as `applyRules` over
 * `iterateOrdersForScoring` would give them (same metrics, same report figures).
 * With `customerKeys`: only those customers' orders, through the same rules (what an
 * incremental recompute re-reads; the rules look at one order at a time, so a customer's
 * counted orders do not depend on anyone else's).
 */
export async function readCountedOrders(
  db: Db,
  shopId: string,
  rules: CountingRules,
  asOfDay: number,
  dayOf?: (epochMs: number) => number,
  customerKeys?: readonly string[],
): Promise<ColumnRulesResult> {
  const counting = createColumnRules(rules, asOfDay, dayOf);
  const tagLists = new Map<string, readonly string[]>();
  const row: StoredOrderRow = {
    customer: -1,
    processedAtMs: NaN,
    flags: 0,
    refundedMinor: 0,
    itemsTotalMinor: 0,
    lineCount: 0,
    channel: null,
    tags: [],
    lines: null,
  };
  const { reads } = counting;
  const channelAt = 6;
  const tagsAt = channelAt + +reads.channel;
  const linesAt = tagsAt + +reads.tags;
  const columns = selected(reads, db.sql, counting.keys);
  const each = (r: unknown[]) => {
    const customer = r[0] as number | null;
    row.customer = customer === null ? -1 : customer;
    row.processedAtMs = epochMs(r[1]);
    row.itemsTotalMinor = r[2] as number;
    row.lineCount = r[3] as number;
    row.flags = r[4] as number;
    row.refundedMinor = r[5] as number;
    if (reads.channel) row.channel = r[channelAt] as string | null;
    if (reads.tags) {
      const tags = r[tagsAt] as string | null;
      if (tags === null) row.tags = [];
      else {
        let list = tagLists.get(tags);
        if (list === undefined) tagLists.set(tags, (list = JSON.parse(tags) as string[]));
        row.tags = list;
      }
    }
    if (reads.lines) row.lines = parseLineStats(r[linesAt] as string | null);
    counting.add(row);
  };
  if (customerKeys) {
    // A few customers, through the (shopId, customerKey) index.
    const only = db.dialect === "sqlite" ? "customerKey IN (SELECT value FROM json_each(?))" : "customerKey = ANY(?::text[])";
    // PostgreSQL: an array literal, as text (the scan inlines its parameters into a COPY).
    const keys = db.dialect === "sqlite" ? JSON.stringify(customerKeys) : `{${customerKeys.map((k) => `"${k.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
    const sql = `SELECT ${columns.map(([expression]) => expression).join(", ")} FROM "Order" o WHERE ${SCOREABLE} AND ${only} ORDER BY customerKey, id`;
    await scanRows(db, sql, [shopId, keys], each, columns.map(([, kind]) => kind));
  } else {
    // In no set order on PostgreSQL: nothing here depends on it (keys are numbered as first
    // seen, amounts are whole minor units, score ties stay together), and ORDER BY id walked the
    // primary key into the heap at random: 3.1 s against 0.9 s for 1M orders (decision 076).
    await scanByKey(db, { columns, from: `"Order" o`, where: SCOREABLE, params: [shopId], key: "id", ordered: false }, each);
  }
  return counting.finish();
}

/**
 * The raw-scan floor a recompute is measured against: the same rows' customer, day and
 * amount read by one prepared statement into typed arrays, with no rule applied. `paged`:
 * the same through scanByKey's pages instead of a row at a time, with the keys looked up from
 * the pages' bytes, as the recompute reads (on SQLite they differ; the benchmark prints both).
 */
export async function rawScan(db: Db, shopId: string, { paged = false } = {}): Promise<{ orders: number; customers: number }> {
  const indexByKey = new Map<string, number>();
  const keys = paged ? new KeyTable() : null;
  let customer = new Int32Array(1 << 16);
  let day = new Int32Array(1 << 16);
  let amount = new Float64Array(1 << 16);
  let n = 0;
  const each = (r: unknown[]) => {
    if (n === customer.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T) => (b.set(a), b);
      customer = grow(customer, new Int32Array(n * 2));
      day = grow(day, new Int32Array(n * 2));
      amount = grow(amount, new Float64Array(n * 2));
    }
    let c: number | undefined;
    if (keys) c = r[0] as number;
    else {
      const key = r[0] as string;
      c = indexByKey.get(key);
      if (c === undefined) indexByKey.set(key, (c = indexByKey.size));
    }
    customer[n] = c;
    day[n] = Math.floor((r[1] as number) / 86_400_000);
    amount[n] = r[2] as number;
    n++;
  };
  const columns: [string, ScanKind][] = [["customerKey", keys ?? "text"], [db.sql.epochMs("processedAt"), "number"], ["itemsTotalMinor", "number"]];
  // In the order the recompute reads them: by id on SQLite (its pages are), as stored on PostgreSQL.
  if (paged) await scanByKey(db, { columns, from: `"Order"`, where: SCOREABLE, params: [shopId], key: "id", ordered: false }, each);
  else await scanRows(db, `SELECT ${columns.map(([expression]) => expression).join(", ")} FROM "Order" WHERE ${SCOREABLE}${db.dialect === "sqlite" ? " ORDER BY id" : ""}`, [shopId], each, columns.map(([, kind]) => kind));
  return { orders: n, customers: keys ? keys.size : indexByKey.size };
}
