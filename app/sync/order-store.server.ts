/**
 * Canonical orders in the database: idempotent upserts that never let an older version
 * overwrite a newer one, tombstones for deleted orders, and a streaming read back into
 * canonical orders for recompute.
 *
 * One interface, two engines (docs/decisions/030-order-store-two-engines.md): the writes a
 * million-order backfill takes are each engine's own — on SQLite synchronous prepared
 * statements on the better-sqlite3 connection (withNative), on PostgreSQL set-based
 * statements (COPY into a staging table, then one INSERT … SELECT … ON CONFLICT). Reads,
 * deletes and counts are written once, on the SQL seam.
 */
import type pg from "pg";
import type Database from "better-sqlite3";
import { copyIn, mapped } from "~/db/copy-in.server";
import { inTransaction, isSqlite, type Db, type PostgresDb, type SqliteDb } from "~/db/index.server";
import { storableJson } from "~/db/postgres.server";
import { tombstoneKey } from "~/privacy/redact.server";
import { scoreFlagsSql } from "~/sync/order-columns.server";
import type { CanonicalLineItem, CanonicalOrder, Platform } from "~/rfm/order";

export type OrderHeader = Omit<CanonicalOrder, "lineItems">;
export type BulkLine = { orderId: string; lineItem: CanonicalLineItem };
export interface UpsertResult {
  written: number;
  stale: number;
  awaitingReread: number;
  /** Per order of the call, in its order: stored ("awaiting" when held for its re-read), or not (older than ours, deleted, a redacted customer's). */
  each: OrderWrite[];
}
export type OrderWrite = "written" | "awaiting" | "stale";

export interface OrderStore {
  /**
   * Whole orders (webhooks, sweeps): header and line items replaced together when newer.
   * `unverified`: the orders come from webhooks and may need an Admin API re-read (withKnownLines).
   */
  upsertOrders(shopId: string, orders: CanonicalOrder[], options?: { unverified?: boolean }): Promise<UpsertResult>;
  /** A batch of bulk-export lines: headers and line items, in whatever order they came. */
  writeBulkBatch(shopId: string, headers: OrderHeader[], lines: BulkLine[]): Promise<void>;
  /**
   * After a bulk export (children written apart from their parents): recompute every
   * order's line aggregates from its lines in one pass. Returns the orders refreshed.
   */
  refreshLineAggregates(shopId: string): Promise<number>;
  deleteOrder(shopId: string, id: string, at?: Date): Promise<void>;
  deleteCustomerOrders(shopId: string, customerKey: string): Promise<number>;
  iterateOrders(shopId: string, platform?: Platform, pageSize?: number): AsyncGenerator<CanonicalOrder>;
  iterateOrdersForScoring(shopId: string, platform?: Platform, pageSize?: number): AsyncGenerator<CanonicalOrder>;
  countOrders(shopId: string): Promise<number>;
  /** Orders held from scoring until their Admin API re-read lands. */
  countAwaitingReread(shopId: string): Promise<number>;
  /** Whether an order is held for its re-read (and not deleted). */
  isAwaitingReread(shopId: string, id: string): Promise<boolean>;
}

type Writes = Pick<OrderStore, "upsertOrders" | "writeBulkBatch" | "refreshLineAggregates">;

export function createOrderStore(db: Db): OrderStore {
  return { ...(isSqlite(db) ? sqliteWrites(db) : postgresWrites(db as PostgresDb)), ...seamPart(db) };
}

const b = (x: boolean) => (x ? 1 : 0);

// ---------------------------------------------------------------------------------------
// Scoring marks (docs/decisions/047, 050): every write here that can change what a customer's
// orders count for marks the customer in "ScoringDirty", in the write's own transaction, once
// the shop has been scored (before that the first recompute reads everything). Set-based per
// batch, not a trigger per row: a trigger on "Order" cost the first backfill a sixth of its time.

// Quoted names: the same text serves the seam, the SQLite connection and raw PostgreSQL queries.
const MARK_CONFLICT = `ON CONFLICT ("shopId", "customerKey") DO UPDATE SET claimed = FALSE`;
const SHOP_SCORED = `SELECT scoringGeneration > 0 FROM "SyncState" WHERE shopId = ?`;

// SQLite: a batch's orders by id (parameters: the ids as a JSON array, then the shop), each id
// one primary-key lookup: CROSS JOIN keeps json_each the outer loop. Written as
// `id IN (SELECT value FROM json_each(?)) AND customerKey IS NOT NULL`, the planner (no
// statistics on SQLite) walked the shop's (shopId, customerKey) index instead, every order of
// the shop per write: 72 ms per webhook order of a 1M-order shop, inside the write lock.
const SQLITE_BATCH_ORDERS = `json_each(?) j CROSS JOIN "Order" o WHERE o.shopId = ? AND o.id = j.value AND o.customerKey IS NOT NULL`;
export const SQLITE_STORED_CUSTOMERS = `SELECT o.id, o.customerKey FROM ${SQLITE_BATCH_ORDERS}`;
export const SQLITE_MARK_ORDERS_CUSTOMERS = `INSERT INTO "ScoringDirty" (shopId, customerKey, claimed)
    SELECT DISTINCT o.shopId, o.customerKey, FALSE FROM ${SQLITE_BATCH_ORDERS} ${MARK_CONFLICT}`;

// A customer's orders found by the customer index. As `DELETE … WHERE shopId = ? AND
// customerKey = ?`, SQLite walked the shop's primary key instead: 54–75 ms a call on a
// 1M-order shop, inside the write lock.
export const DELETE_CUSTOMER_ORDERS = `DELETE FROM "Order" WHERE shopId = ? AND id IN (SELECT id FROM "Order" WHERE shopId = ? AND customerKey = ?)`;

/**
 * An order's line aggregates from its lines (what aggregatesOf computes in memory): on SQLite a
 * row subquery correlated with "Order"; on PostgreSQL one pass over a shop's orders (`?`: the
 * shop), rows (id, total, n, special) joined back.
 */
const SQLITE_LINE_AGGREGATES = `(
  SELECT coalesce(sum(l.totalMinor), 0), count(*), coalesce(sum(l.subscription = 1 OR l.totalMinor <= 0), 0)
  FROM "OrderLine" l WHERE l.shopId = "Order".shopId AND l.orderId = "Order".id)`;
const PG_LINE_AGGREGATES = `(
  SELECT o.id, coalesce(sum(l.totalMinor), 0) AS total, count(l.id) AS n, count(l.id) FILTER (WHERE l.subscription OR l.totalMinor <= 0) AS special
  FROM "Order" o LEFT JOIN "OrderLine" l ON l.shopId = o.shopId AND l.orderId = o.id
  WHERE o.shopId = ? AND o.deleted = FALSE GROUP BY o.id)`;

/**
 * The customers to mark after a batch: each written order's customer, and the customer it
 * belonged to before when that was another (`before`: order id → stored customer key).
 */
function customersOfWrites(written: Iterable<{ id: string; customerKey: string | null }>, before: Map<string, string>): string[] {
  const keys = new Set<string>();
  for (const o of written) {
    if (o.customerKey !== null) keys.add(o.customerKey);
    const old = before.get(o.id);
    if (old !== undefined) keys.add(old);
  }
  return [...keys];
}

/** A line a line-level rule may drop: a subscription item or a $0 item. */
const isSpecialLine = (l: CanonicalLineItem) => l.subscription || l.totalMinor <= 0;

function aggregatesOf(lines: CanonicalLineItem[]) {
  let itemsTotal = 0;
  let special = 0;
  for (const l of lines) {
    itemsTotal += l.totalMinor;
    if (isSpecialLine(l)) special++;
  }
  return { itemsTotal, lineCount: lines.length, special };
}

/** A row of the order columns (id … tags, unpaid, amountUnknown, in SELECT order) → canonical order. */
function rowToOrder(row: unknown[], platform: Platform, lineItems: CanonicalLineItem[]): CanonicalOrder {
  const tags = row[13] as string;
  return {
    platform,
    id: row[0] as string,
    customerKey: row[1] as string | null,
    guest: row[2] === 1,
    processedAt: new Date(row[3] as number).toISOString(),
    updatedAt: new Date(row[4] as number).toISOString(),
    currency: row[5] as string,
    totalMinor: row[6] as number,
    refundedMinor: row[7] as number,
    channel: row[8] as string | null,
    pos: row[9] === 1,
    subscription: row[10] === 1,
    test: row[11] === 1,
    cancelled: row[12] === 1,
    tags: tags === "[]" ? [] : (JSON.parse(tags) as string[]),
    // Set only when true, as the platforms' mappings may leave them out (absent = false).
    ...(row[14] === 1 && { unpaid: true }),
    ...(row[15] === 1 && { amountUnknown: true }),
    lineItems,
  };
}

const lineOf = (l: unknown[], from: number): CanonicalLineItem => ({
  id: l[from] as string,
  quantity: l[from + 1] as number,
  unitPriceMinor: l[from + 2] as number,
  totalMinor: l[from + 3] as number,
  subscription: l[from + 4] === 1,
});

/**
 * A webhook's copy of an order cannot say which lines are subscriptions (REST payloads
 * carry no selling plan). Lines we already know keep what the Admin API told us; an order
 * with any line we have not seen that way stays unverified (held from scoring) until its
 * re-read lands, so no persona is computed from a state a re-read would reverse.
 */
function withKnownLines(o: CanonicalOrder, known: Map<string, boolean>, wasVerified: boolean): { order: CanonicalOrder; verified: boolean } {
  const verified = wasVerified && o.lineItems.every((l) => known.has(l.id));
  const lineItems = o.lineItems.map((l) => (known.has(l.id) ? { ...l, subscription: known.get(l.id)! } : l));
  return { order: { ...o, lineItems }, verified };
}

// ---------------------------------------------------------------------------------------
// Reads, deletes and counts: one body of SQL on the seam.

function seamPart(db: Db): Omit<OrderStore, keyof Writes> {
  const deleteLines = db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ? AND orderId = ?`);
  // A tombstone keeps only the id: the deleted order's data is not ours to keep, and it
  // reads the same whether the delete arrived before or after the order itself.
  const markDeleted = db.prepare(`
    INSERT INTO "Order" (shopId, id, processedAt, updatedAt, currency, totalMinor, deleted)
    VALUES (?, ?, ?, ?, '', 0, TRUE)
    ON CONFLICT (shopId, id) DO UPDATE SET deleted = TRUE, updatedAt = ${db.sql.greatest(`"Order".updatedAt`, "excluded.updatedAt")},
      customerKey = NULL, guest = FALSE, processedAt = excluded.processedAt, currency = '', totalMinor = 0, refundedMinor = 0,
      channel = NULL, pos = FALSE, subscription = FALSE, test = FALSE, cancelled = FALSE, unpaid = FALSE, amountUnknown = FALSE,
      tags = '[]', verified = TRUE, itemsTotalMinor = 0, lineCount = 0, specialLineCount = 0, scoreFlags = 0`);
  const storedVerified = db.prepare(`SELECT verified FROM "Order" WHERE shopId = ? AND id = ? AND deleted = FALSE`).pluck();
  const markOrderCustomer = db.prepare(`
    INSERT INTO "ScoringDirty" (shopId, customerKey, claimed)
    SELECT o.shopId, o.customerKey, FALSE FROM "Order" o JOIN "SyncState" s ON s.shopId = o.shopId AND s.scoringGeneration > 0
    WHERE o.shopId = ? AND o.id = ? AND o.customerKey IS NOT NULL
    ${MARK_CONFLICT}`);
  const markCustomer = db.prepare(`
    INSERT INTO "ScoringDirty" (shopId, customerKey, claimed)
    SELECT shopId, ?, FALSE FROM "SyncState" WHERE shopId = ? AND scoringGeneration > 0
    ${MARK_CONFLICT}`);

  const deleteOrder = inTransaction(db, async (shopId: string, id: string, at: Date = new Date()) => {
    await markOrderCustomer.run(shopId, id);
    await markDeleted.run(shopId, id, new Date(0), at);
    await deleteLines.run(shopId, id);
  });

  const deleteCustomerOrders = inTransaction(db, async (shopId: string, customerKey: string) => {
    await markCustomer.run(customerKey, shopId);
    await db
      .prepare(`DELETE FROM "OrderLine" WHERE shopId = ? AND orderId IN (SELECT id FROM "Order" WHERE shopId = ? AND customerKey = ?)`)
      .run(shopId, shopId, customerKey);
    return (await db.prepare(DELETE_CUSTOMER_ORDERS).run(shopId, shopId, customerKey)).changes;
  });

  const orderPage = db
    .prepare(
      `SELECT id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor, channel,
         pos, subscription, test, cancelled, tags, unpaid, amountUnknown
       FROM "Order" WHERE shopId = ? AND id > ? AND deleted = FALSE ORDER BY id LIMIT ?`,
    )
    .raw();
  const linesOfPage = db
    .prepare(
      `SELECT orderId, id, quantity, unitPriceMinor, totalMinor, subscription
       FROM "OrderLine" WHERE shopId = ? AND orderId >= ? AND orderId <= ? ORDER BY orderId, id`,
    )
    .raw();

  /**
   * Every live order of a shop as canonical orders, streamed: pages of orders in id order,
   * each merged with its pages' line items, so memory stays flat however large the shop.
   * (Whole pages are several times faster than row-by-row iteration.)
   */
  async function* iterateOrders(shopId: string, platform: Platform = "shopify", pageSize = 20_000): AsyncGenerator<CanonicalOrder> {
    let after = "";
    for (;;) {
      const orders = (await orderPage.all(shopId, after, pageSize)) as unknown[][];
      if (orders.length === 0) return;
      const first = orders[0][0] as string;
      const last = orders[orders.length - 1][0] as string;
      const lines = (await linesOfPage.all(shopId, first, last)) as unknown[][];
      let li = 0;
      for (const row of orders) {
        const id = row[0] as string;
        const lineItems: CanonicalLineItem[] = [];
        // Lines of deleted orders sort in between; skip them.
        while (li < lines.length && (lines[li][0] as string) < id) li++;
        while (li < lines.length && lines[li][0] === id) lineItems.push(lineOf(lines[li++], 1));
        yield rowToOrder(row, platform, lineItems);
      }
      after = last;
      if (orders.length < pageSize) return;
    }
  }

  const scoringPage = db
    .prepare(
      `SELECT id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor, channel,
         pos, subscription, test, cancelled, tags, unpaid, amountUnknown, itemsTotalMinor, lineCount, specialLineCount
       FROM "Order" WHERE shopId = ? AND id > ? AND deleted = FALSE AND verified = TRUE ORDER BY id LIMIT ?`,
    )
    .raw();
  const linesOfOrder = db
    .prepare(`SELECT id, quantity, unitPriceMinor, totalMinor, subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ? ORDER BY id`)
    .raw();

  /**
   * Orders as the counting rules need them, cheaper than iterateOrders: an order whose
   * lines no line rule can drop (none is a subscription or $0 item) carries its lines as
   * one aggregate line (quantity = line count, total = sum of totals). Rules, metrics and
   * their explanations come out exactly as from the real lines, without reading them.
   * Orders awaiting their Admin API re-read are held back (see upsertOrders).
   */
  async function* iterateOrdersForScoring(shopId: string, platform: Platform = "shopify", pageSize = 20_000): AsyncGenerator<CanonicalOrder> {
    let after = "";
    for (;;) {
      const orders = (await scoringPage.all(shopId, after, pageSize)) as unknown[][];
      for (const row of orders) {
        const id = row[0] as string;
        const lineCount = row[17] as number;
        let lineItems: CanonicalLineItem[];
        if ((row[18] as number) > 0) {
          lineItems = ((await linesOfOrder.all(shopId, id)) as unknown[][]).map((l) => lineOf(l, 0));
        } else if (lineCount > 0) {
          const total = row[16] as number;
          lineItems = [{ id: "*", quantity: lineCount, unitPriceMinor: total, totalMinor: total, subscription: false }];
        } else {
          lineItems = [];
        }
        yield rowToOrder(row, platform, lineItems);
      }
      if (orders.length < pageSize) return;
      after = orders[orders.length - 1][0] as string;
    }
  }

  const count = (where: string) => {
    const statement = db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND ${where}`).pluck();
    return async (shopId: string) => (await statement.get(shopId)) as number;
  };

  return {
    deleteOrder,
    deleteCustomerOrders,
    iterateOrders,
    iterateOrdersForScoring,
    countOrders: count("deleted = FALSE"),
    countAwaitingReread: count("deleted = FALSE AND verified = FALSE"),
    isAwaitingReread: async (shopId, id) => (await storedVerified.get(shopId, id)) === 0,
  };
}

// ---------------------------------------------------------------------------------------
// SQLite: the bulk paths as synchronous prepared statements on the better-sqlite3
// connection, exactly as before the seam (one withNative call per batch).

/** better-sqlite3's transaction as BEGIN IMMEDIATE (a savepoint inside the caller's transaction). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function immediate<F extends (...args: any[]) => any>(native: Database.Database, fn: F): (...args: Parameters<F>) => ReturnType<F> {
  const run = native.transaction(fn).immediate as unknown as (...args: Parameters<F>) => ReturnType<F>;
  return (...args) => run(...args);
}

function sqliteStatements(native: Database.Database) {
  // Epoch milliseconds for dates: compact, sortable, and read by Prisma as DateTime.
  const upsertHeader = native.prepare(`
    INSERT INTO "Order" (shopId, id, customerKey, guest, processedAt, updatedAt, currency, totalMinor,
      refundedMinor, channel, pos, subscription, test, cancelled, unpaid, amountUnknown, tags, deleted, verified, scoreFlags)
    VALUES (@shopId, @id, @customerKey, @guest, @processedAt, @updatedAt, @currency, @totalMinor,
      @refundedMinor, @channel, @pos, @subscription, @test, @cancelled, @unpaid, @amountUnknown, @tags, 0, @verified,
      ${scoreFlagsSql((name) => `@${name}`)})
    ON CONFLICT (shopId, id) DO UPDATE SET
      customerKey = excluded.customerKey, guest = excluded.guest, processedAt = excluded.processedAt,
      updatedAt = excluded.updatedAt, currency = excluded.currency, totalMinor = excluded.totalMinor,
      refundedMinor = excluded.refundedMinor, channel = excluded.channel, pos = excluded.pos,
      subscription = excluded.subscription, test = excluded.test, cancelled = excluded.cancelled,
      unpaid = excluded.unpaid, amountUnknown = excluded.amountUnknown, tags = excluded.tags, verified = excluded.verified,
      scoreFlags = excluded.scoreFlags
    WHERE excluded.updatedAt >= "Order".updatedAt AND "Order".deleted = 0`);
  // The newest order's name and email win; a missing one never erases what an order said before.
  const upsertContact = native.prepare(`
    INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)
    ${CONTACT_CONFLICT}`);
  const writeContact = (shopId: string, o: OrderHeader) => {
    const c = contactOf(o);
    if (c) upsertContact.run(shopId, c.id, c.name, c.email, Date.parse(o.updatedAt));
  };
  const setAggregates = native.prepare(
    `UPDATE "Order" SET itemsTotalMinor = ?, lineCount = ?, specialLineCount = ? WHERE shopId = ? AND id = ?`,
  );
  const insertLine = native.prepare(`
    INSERT OR REPLACE INTO "OrderLine" (shopId, orderId, id, quantity, unitPriceMinor, totalMinor, subscription)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const deleteLines = native.prepare(`DELETE FROM "OrderLine" WHERE shopId = ? AND orderId = ?`);

  const headerParams = (shopId: string, o: OrderHeader, verified = true) => ({
    shopId,
    id: o.id,
    customerKey: o.customerKey,
    guest: b(o.guest),
    processedAt: Date.parse(o.processedAt),
    updatedAt: Date.parse(o.updatedAt),
    currency: o.currency,
    totalMinor: o.totalMinor,
    refundedMinor: o.refundedMinor,
    channel: o.channel,
    pos: b(o.pos),
    subscription: b(o.subscription),
    test: b(o.test),
    cancelled: b(o.cancelled),
    unpaid: b(o.unpaid ?? false),
    amountUnknown: b(o.amountUnknown ?? false),
    tags: JSON.stringify(o.tags),
    verified: b(verified),
  });
  const storedVerified = native.prepare(`SELECT verified FROM "Order" WHERE shopId = ? AND id = ? AND deleted = 0`).pluck();
  const storedLineFlags = native.prepare(`SELECT id, subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ?`).raw();

  const writeLine = (shopId: string, orderId: string, l: CanonicalLineItem) =>
    insertLine.run(shopId, orderId, l.id, l.quantity, l.unitPriceMinor, l.totalMinor, b(l.subscription));

  // Scoring marks (see customersOfWrites): one lookup per batch until the shop is scored.
  const shopScored = native.prepare(SHOP_SCORED).pluck();
  const storedCustomers = native.prepare(SQLITE_STORED_CUSTOMERS).raw();
  const markKeys = native.prepare(`
    INSERT INTO "ScoringDirty" (shopId, customerKey, claimed) SELECT ?, value, FALSE FROM json_each(?) WHERE true ${MARK_CONFLICT}`);
  const markOrdersCustomers = native.prepare(SQLITE_MARK_ORDERS_CUSTOMERS);
  const markChangedAggregates = native.prepare(`
    INSERT INTO "ScoringDirty" (shopId, customerKey, claimed)
    SELECT DISTINCT shopId, customerKey, FALSE FROM "Order"
    WHERE shopId = ? AND deleted = 0 AND customerKey IS NOT NULL AND (itemsTotalMinor, lineCount, specialLineCount) IS NOT ${SQLITE_LINE_AGGREGATES}
    ${MARK_CONFLICT}`);
  /** The stored customer of each of these orders, or null while the shop's writes need no marks. */
  const customersBefore = (shopId: string, ids: string[]): Map<string, string> | null =>
    shopScored.get(shopId) === 1 ? new Map(storedCustomers.all(JSON.stringify(ids), shopId) as [string, string][]) : null;
  const mark = (shopId: string, keys: string[]) => {
    if (keys.length > 0) markKeys.run(shopId, JSON.stringify(keys));
  };

  // A redacted customer's orders never come back: not by a late webhook, a re-read, a sweep
  // or a backfill still streaming (app/privacy/redact.server.ts writes the tombstones).
  const shopHasRedactions = native.prepare(`SELECT EXISTS (SELECT 1 FROM "RedactedCustomer" WHERE shopId = ?)`).pluck();
  const isRedactedKey = native.prepare(`SELECT 1 FROM "RedactedCustomer" WHERE shopId = ? AND customerKey = ?`).pluck();
  /** The orders without those of redacted customers; one lookup per batch while the shop has none. */
  function withoutRedacted<T extends { customerKey: string | null }>(shopId: string, orders: T[]): T[] {
    if (orders.length === 0 || shopHasRedactions.get(shopId) !== 1) return orders;
    return orders.filter((o) => o.customerKey === null || isRedactedKey.get(shopId, tombstoneKey(o.customerKey)) === undefined);
  }

  const upsertOrders = immediate(native, (shopId: string, orders: CanonicalOrder[], options: { unverified?: boolean } = {}): UpsertResult => {
    const input = orders;
    orders = withoutRedacted(shopId, orders);
    const status = new Map<CanonicalOrder, OrderWrite>();
    const before = orders.length > 0 ? customersBefore(shopId, orders.map((o) => o.id)) : null;
    const writtenOrders: CanonicalOrder[] = [];
    let awaitingReread = 0;
    for (const incoming of orders) {
      const { order: o, verified } = options.unverified
        ? withKnownLines(
            incoming,
            new Map((storedLineFlags.all(shopId, incoming.id) as [string, number][]).map(([id, sub]) => [id, sub === 1])),
            storedVerified.get(shopId, incoming.id) === 1,
          )
        : { order: incoming, verified: true };
      if (upsertHeader.run(headerParams(shopId, o, verified)).changes === 0) continue; // stale or deleted
      writtenOrders.push(o);
      status.set(incoming, verified ? "written" : "awaiting");
      if (!verified) awaitingReread++;
      writeContact(shopId, o);
      deleteLines.run(shopId, o.id);
      for (const l of o.lineItems) writeLine(shopId, o.id, l);
      const { itemsTotal, lineCount, special } = aggregatesOf(o.lineItems);
      setAggregates.run(itemsTotal, lineCount, special, shopId, o.id);
    }
    if (before) mark(shopId, customersOfWrites(writtenOrders, before));
    return {
      written: writtenOrders.length,
      stale: orders.length - writtenOrders.length,
      awaitingReread,
      each: input.map((o) => status.get(o) ?? "stale"),
    };
  });

  const writeBulkBatch = immediate(native, (shopId: string, headers: OrderHeader[], lines: BulkLine[]) => {
    const kept = withoutRedacted(shopId, headers);
    const dropped = kept.length < headers.length ? new Set(headers.filter((h) => !kept.includes(h)).map((h) => h.id)) : null;
    const before = customersBefore(shopId, kept.map((h) => h.id));
    const written: OrderHeader[] = [];
    for (const h of kept) {
      if (upsertHeader.run(headerParams(shopId, h)).changes > 0) written.push(h);
      writeContact(shopId, h);
    }
    const lineOrders = new Set<string>();
    for (const l of lines) {
      if (dropped?.has(l.orderId)) continue;
      writeLine(shopId, l.orderId, l.lineItem);
      lineOrders.add(l.orderId);
    }
    if (before) {
      mark(shopId, customersOfWrites(written, before));
      // Lines whose order came in an earlier batch: that order's customer.
      if (lineOrders.size > 0) markOrdersCustomers.run(JSON.stringify([...lineOrders]), shopId);
    }
  });

  const dropOrphanLines = native.prepare(
    `DELETE FROM "OrderLine" WHERE shopId = ? AND NOT EXISTS (
       SELECT 1 FROM "Order" o WHERE o.shopId = "OrderLine".shopId AND o.id = "OrderLine".orderId AND o.deleted = 0)`,
  );
  const refreshAggregates = native.prepare(
    `UPDATE "Order" SET (itemsTotalMinor, lineCount, specialLineCount) = ${SQLITE_LINE_AGGREGATES} WHERE shopId = ? AND deleted = 0`,
  );
  const refreshLineAggregates = (shopId: string): number => {
    // Lines that streamed in apart from an order that turned out to be redacted (a redacted
    // customer's, or a redacted order kept as a deleted tombstone).
    if (shopHasRedactions.get(shopId) === 1) dropOrphanLines.run(shopId);
    // A recompute between a batch and this pass read the old aggregates: mark who they change.
    if (shopScored.get(shopId) === 1) markChangedAggregates.run(shopId);
    return refreshAggregates.run(shopId).changes;
  };

  return { upsertOrders, writeBulkBatch, refreshLineAggregates };
}

// The newest order's name and email win; a missing one never erases what an order said before.
const CONTACT_CONFLICT = `ON CONFLICT (shopId, customerKey) DO UPDATE SET
      name = coalesce(excluded.name, "CustomerContact".name), email = coalesce(excluded.email, "CustomerContact".email),
      seenAt = excluded.seenAt
    WHERE excluded.seenAt >= "CustomerContact".seenAt`;

/** The name and email an order carries for its customer, or null when it names neither (or no customer). */
function contactOf(o: OrderHeader): { id: string; name: string | null; email: string | null } | null {
  if (!o.customerKey || !o.contact || (o.contact.name === null && o.contact.email === null)) return null;
  return { id: o.customerKey, name: o.contact.name, email: o.contact.email };
}

function sqliteWrites(db: SqliteDb): Writes {
  let statements: ReturnType<typeof sqliteStatements> | undefined;
  const on = (native: Database.Database) => (statements ??= sqliteStatements(native));
  return {
    // Each one transaction: if the database is locked it did nothing and waits to run again.
    upsertOrders: (shopId, orders, options) => db.withNative((n) => on(n).upsertOrders(shopId, orders, options), { atomic: true }),
    writeBulkBatch: (shopId, headers, lines) => db.withNative((n) => on(n).writeBulkBatch(shopId, headers, lines), { atomic: true }),
    refreshLineAggregates: (shopId) => db.withNative((n) => on(n).refreshLineAggregates(shopId)),
  };
}

// ---------------------------------------------------------------------------------------
// PostgreSQL: set-based writes, one statement per table per batch.

const HEADER_COLUMNS = `id, "customerKey", guest, "processedAt", "updatedAt", currency, "totalMinor", "refundedMinor",
  channel, pos, subscription, test, cancelled, unpaid, "amountUnknown", tags`;
const HEADER_TYPES = `seq int, id text, "customerKey" text, guest boolean, "processedAt" timestamp(3), "updatedAt" timestamp(3),
  currency text, "totalMinor" bigint, "refundedMinor" bigint, channel text, pos boolean, subscription boolean, test boolean,
  cancelled boolean, unpaid boolean, "amountUnknown" boolean, tags text`;
const LINE_TYPES = `seq int, "orderId" text, id text, quantity int, "unitPriceMinor" bigint, "totalMinor" bigint, subscription boolean`;

/**
 * Headers from `source` (rows of HEADER_TYPES, plus verified and the line aggregates when
 * `whole`) upserted under the stale-update rule: a version older than the stored one, or
 * any version of a deleted order, changes nothing. Within a batch the newest version of an
 * order wins (the last of equals), as one-by-one upserts would leave it.
 */
function headerUpsert(source: string, whole: boolean): string {
  const aggregates = whole ? `, "itemsTotalMinor", "lineCount", "specialLineCount"` : "";
  const set = [
    `"customerKey"`, "guest", `"processedAt"`, `"updatedAt"`, "currency", `"totalMinor"`, `"refundedMinor"`, "channel",
    "pos", "subscription", "test", "cancelled", "unpaid", `"amountUnknown"`, "tags", "verified", `"scoreFlags"`,
    ...(whole ? [`"itemsTotalMinor"`, `"lineCount"`, `"specialLineCount"`] : []),
  ].map((c) => `${c} = excluded.${c}`);
  return `
    INSERT INTO "Order" ("shopId", ${HEADER_COLUMNS}, deleted, verified, "scoreFlags"${aggregates})
    SELECT DISTINCT ON (id) $1, ${HEADER_COLUMNS}, FALSE, ${whole ? "verified" : "TRUE"}, ${scoreFlagsSql((name) => `"${name}"`)}${aggregates}
    FROM ${source} ORDER BY id, "updatedAt" DESC, seq DESC
    ON CONFLICT ("shopId", id) DO UPDATE SET ${set.join(", ")}
    WHERE excluded."updatedAt" >= "Order"."updatedAt" AND NOT "Order".deleted
    RETURNING id, "customerKey"`;
}

/**
 * The header upsert with its scoring marks in the same statement (no round trip more per batch):
 * every sub-statement of a WITH reads the snapshot from before the statement, so `old` holds
 * the customers the written orders had before. `ids`: an expression for the batch's order ids.
 * Returns the ids written.
 */
function markingUpsert(upsert: string, ids: string): string {
  return `
    WITH up AS (${upsert}),
    old AS (SELECT id, "customerKey" FROM "Order" WHERE "shopId" = $1 AND id IN (${ids}) AND "customerKey" IS NOT NULL),
    marks AS (
      INSERT INTO "ScoringDirty" ("shopId", "customerKey", claimed)
      SELECT DISTINCT $1::text, k, FALSE FROM (SELECT "customerKey" AS k FROM up UNION SELECT old."customerKey" FROM old JOIN up USING (id)) m
      WHERE k IS NOT NULL AND EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = $1 AND "scoringGeneration" > 0)
      ${MARK_CONFLICT})
    SELECT id FROM up`;
}

/** Lines from `source` (rows of LINE_TYPES); within a batch the last copy of a line wins. */
function lineUpsert(source: string): string {
  return `
    INSERT INTO "OrderLine" ("shopId", "orderId", id, quantity, "unitPriceMinor", "totalMinor", subscription)
    SELECT DISTINCT ON ("orderId", id) $1, "orderId", id, quantity, "unitPriceMinor", "totalMinor", subscription
    FROM ${source} ORDER BY "orderId", id, seq DESC
    ON CONFLICT ("shopId", "orderId", id) DO UPDATE SET quantity = excluded.quantity,
      "unitPriceMinor" = excluded."unitPriceMinor", "totalMinor" = excluded."totalMinor", subscription = excluded.subscription`;
}

const iso = (t: string) => new Date(Date.parse(t)).toISOString();

function headerRecord(seq: number, o: OrderHeader) {
  return {
    seq,
    id: o.id,
    customerKey: o.customerKey,
    guest: o.guest,
    processedAt: iso(o.processedAt),
    updatedAt: iso(o.updatedAt),
    currency: o.currency,
    totalMinor: o.totalMinor,
    refundedMinor: o.refundedMinor,
    channel: o.channel,
    pos: o.pos,
    subscription: o.subscription,
    test: o.test,
    cancelled: o.cancelled,
    unpaid: o.unpaid ?? false,
    amountUnknown: o.amountUnknown ?? false,
    tags: JSON.stringify(o.tags),
  };
}

/**
 * Splits a batch into rounds in which every order id appears once, in batch order: a batch
 * naming an order twice behaves as two upserts one after the other.
 */
function rounds<T extends { id: string }>(orders: T[]): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const o of orders) {
    const r = seen.get(o.id) ?? 0;
    seen.set(o.id, r + 1);
    (out[r] ??= []).push(o);
  }
  return out;
}

function postgresWrites(db: PostgresDb): Writes {
  const hasRedactions = db.prepare(`SELECT EXISTS (SELECT 1 FROM "RedactedCustomer" WHERE shopId = ?)`).pluck();
  const redactedKeys = db.prepare(`SELECT customerKey FROM "RedactedCustomer" WHERE shopId = ? AND customerKey = ANY(?::text[])`).pluck();

  /** The orders without those of redacted customers; one lookup per batch while the shop has none. */
  async function withoutRedacted<T extends { customerKey: string | null }>(shopId: string, orders: T[]): Promise<T[]> {
    if (orders.length === 0 || (await hasRedactions.get(shopId)) !== 1) return orders;
    const keyed = orders.filter((o) => o.customerKey !== null).map((o) => tombstoneKey(o.customerKey!));
    const redacted = new Set((await redactedKeys.all(shopId, keyed)) as string[]);
    return orders.filter((o) => o.customerKey === null || !redacted.has(tombstoneKey(o.customerKey)));
  }

  // Scoring marks: in the header upserts' own statements (markingUpsert); the aggregate pass's below.
  const shopScored = db.prepare(SHOP_SCORED).pluck();

  /** Contacts in batch order: a round per repeat of a customer, so each applies as one-by-one upserts would. */
  const upsertContacts = async (client: pg.ClientBase, shopId: string, orders: OrderHeader[]) => {
    const contacts = orders.flatMap((o) => {
      const c = contactOf(o);
      return c ? [{ ...c, seenAt: iso(o.updatedAt) }] : [];
    });
    for (const round of rounds(contacts)) {
      await client.query(
        `INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt")
         SELECT $1, id, name, email, "seenAt" FROM json_to_recordset($2::json) AS s(id text, name text, email text, "seenAt" timestamp(3))
         ON CONFLICT ("shopId", "customerKey") DO UPDATE SET
           name = coalesce(excluded.name, "CustomerContact".name), email = coalesce(excluded.email, "CustomerContact".email),
           "seenAt" = excluded."seenAt"
         WHERE excluded."seenAt" >= "CustomerContact"."seenAt"`,
        [shopId, storableJson(round)],
      );
    }
  };

  const wholeSource = `json_to_recordset($2::json) AS s(${HEADER_TYPES}, verified boolean, "itemsTotalMinor" bigint, "lineCount" int, "specialLineCount" int)`;
  const upsertWhole = markingUpsert(headerUpsert(wholeSource, true), `SELECT id FROM json_to_recordset($2::json) AS i(id text)`);
  const insertLines = lineUpsert(`json_to_recordset($2::json) AS s(${LINE_TYPES})`);

  const upsertOrders = (shopId: string, orders: CanonicalOrder[], options: { unverified?: boolean } = {}) =>
    db.transaction(async () => {
      const input = orders;
      orders = await withoutRedacted(shopId, orders);
      const status = new Map<CanonicalOrder, OrderWrite>();
      return db.withClient(async (client) => {
        let written = 0;
        let awaitingReread = 0;
        for (const round of rounds(orders)) {
          const ids = round.map((o) => o.id);
          let checked = round.map((order) => ({ order, verified: true }));
          if (options.unverified) {
            const lines = await client.query<{ orderId: string; id: string; subscription: boolean }>(
              `SELECT "orderId", id, subscription FROM "OrderLine" WHERE "shopId" = $1 AND "orderId" = ANY($2::text[])`,
              [shopId, ids],
            );
            const verified = await client.query<{ id: string }>(
              `SELECT id FROM "Order" WHERE "shopId" = $1 AND id = ANY($2::text[]) AND NOT deleted AND verified`,
              [shopId, ids],
            );
            const known = new Map<string, Map<string, boolean>>();
            for (const l of lines.rows) {
              if (!known.has(l.orderId)) known.set(l.orderId, new Map());
              known.get(l.orderId)!.set(l.id, l.subscription);
            }
            const wasVerified = new Set(verified.rows.map((r) => r.id));
            checked = round.map((o) => withKnownLines(o, known.get(o.id) ?? new Map(), wasVerified.has(o.id)));
          }
          const records = checked.map(({ order, verified }, seq) => {
            const { itemsTotal, lineCount, special } = aggregatesOf(order.lineItems);
            return { ...headerRecord(seq, order), verified, itemsTotalMinor: itemsTotal, lineCount, specialLineCount: special };
          });
          const stored = new Set((await client.query<{ id: string }>(upsertWhole, [shopId, storableJson(records)])).rows.map((r) => r.id));
          if (stored.size === 0) continue;
          const kept = checked.filter((c) => stored.has(c.order.id));
          written += kept.length;
          round.forEach((o, i) => stored.has(o.id) && status.set(o, checked[i].verified ? "written" : "awaiting"));
          awaitingReread += kept.filter((c) => !c.verified).length;
          await upsertContacts(client, shopId, kept.map((c) => c.order));
          await client.query(`DELETE FROM "OrderLine" WHERE "shopId" = $1 AND "orderId" = ANY($2::text[])`, [shopId, [...stored]]);
          const lines = kept.flatMap(({ order }) => order.lineItems.map((l, seq) => ({ seq, orderId: order.id, ...l })));
          if (lines.length > 0) await client.query(insertLines, [shopId, storableJson(lines)]);
        }
        return { written, stale: orders.length - written, awaitingReread, each: input.map((o) => status.get(o) ?? "stale") };
      });
    });

  const copyHeaders = markingUpsert(headerUpsert("order_stage", false), `SELECT id FROM order_stage`);
  const copyLines = lineUpsert("line_stage");

  const writeBulkBatch = (shopId: string, headers: OrderHeader[], lines: BulkLine[]) =>
    db.transaction(async () => {
      const kept = await withoutRedacted(shopId, headers);
      const dropped = kept.length < headers.length ? new Set(headers.filter((h) => !kept.includes(h)).map((h) => h.id)) : null;
      const keptLines = dropped ? lines.filter((l) => !dropped.has(l.orderId)) : lines;
      await db.withClient(async (client) => {
        // Staging tables live until the batch commits; COPY is PostgreSQL's fastest way in.
        await client.query(`CREATE TEMP TABLE order_stage (${HEADER_TYPES}) ON COMMIT DROP;
          CREATE TEMP TABLE line_stage (${LINE_TYPES}) ON COMMIT DROP`);
        if (kept.length > 0) {
          await copyIn(client, `COPY order_stage FROM STDIN`, mapped(kept, (h, seq) => Object.values(headerRecord(seq, h))));
          await client.query(copyHeaders, [shopId]);
          await upsertContacts(client, shopId, kept);
        }
        if (keptLines.length > 0) {
          await copyIn(client, `COPY line_stage FROM STDIN`, mapped(keptLines, ({ orderId, lineItem: l }, seq) =>
            [seq, orderId, l.id, l.quantity, l.unitPriceMinor, l.totalMinor, l.subscription]));
          await client.query(copyLines, [shopId]);
          // Lines whose order came in an earlier batch: that order's customer.
          await client.query(
            `INSERT INTO "ScoringDirty" ("shopId", "customerKey", claimed)
             SELECT DISTINCT o."shopId", o."customerKey", FALSE FROM "Order" o
             WHERE o."shopId" = $1 AND o.id IN (SELECT "orderId" FROM line_stage) AND o."customerKey" IS NOT NULL
               AND EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = $1 AND "scoringGeneration" > 0)
             ${MARK_CONFLICT}`,
            [shopId],
          );
        }
        await client.query(`DROP TABLE order_stage, line_stage`);
      });
    });

  const refreshLineAggregates = (shopId: string) =>
    db.transaction(async () => {
      // Lines that streamed in apart from an order that turned out to be redacted (see the SQLite twin).
      if ((await hasRedactions.get(shopId)) === 1) {
        await db
          .prepare(
            `DELETE FROM "OrderLine" WHERE shopId = ? AND NOT EXISTS (
               SELECT 1 FROM "Order" o WHERE o.shopId = "OrderLine".shopId AND o.id = "OrderLine".orderId AND o.deleted = FALSE)`,
          )
          .run(shopId);
      }
      // A backfill has just COPYed up to millions of rows, perhaps into tables autovacuum still
      // believes empty: planned on those statistics, this join ran as nested loops for minutes
      // per shop (bench:shops), holding backfill slots other shops waited for.
      await db.prepare(`ANALYZE "Order", "OrderLine"`).run();
      // A recompute between a batch and this pass read the old aggregates: mark who they change.
      if (await shopScored.get(shopId)) {
        await db
          .prepare(
            `INSERT INTO "ScoringDirty" (shopId, customerKey, claimed)
             SELECT DISTINCT o.shopId, o.customerKey, FALSE
             FROM "Order" o JOIN ${PG_LINE_AGGREGATES} a ON a.id = o.id
             WHERE o.shopId = ? AND o.customerKey IS NOT NULL
               AND (o.itemsTotalMinor, o.lineCount, o.specialLineCount) IS DISTINCT FROM (a.total, a.n, a.special)
             ${MARK_CONFLICT}`,
          )
          .run(shopId, shopId);
      }
      // One aggregate pass joined back, rather than a subquery per order.
      const r = await db
        .prepare(
          `UPDATE "Order" SET itemsTotalMinor = a.total, lineCount = a.n, specialLineCount = a.special
           FROM ${PG_LINE_AGGREGATES} a
           WHERE "Order".shopId = ? AND "Order".id = a.id`,
        )
        .run(shopId, shopId);
      return r.changes;
    });

  return { upsertOrders, writeBulkBatch, refreshLineAggregates };
}
