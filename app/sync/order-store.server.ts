/**
 * Canonical orders in the database: idempotent upserts that never let an older version
 * overwrite a newer one, tombstones for deleted orders, and a streaming read back into
 * canonical orders for recompute. Prepared statements on a raw connection: this is the
 * path a million-order backfill takes.
 */
import { tombstoneKey } from "~/privacy/redact.server";
import type { CanonicalLineItem, CanonicalOrder, Platform } from "~/rfm/order";
import { writeTransaction, type SqliteDatabase } from "./sqlite.server";

export type OrderHeader = Omit<CanonicalOrder, "lineItems">;

const b = (x: boolean) => (x ? 1 : 0);

/** A line a line-level rule may drop: a subscription item or a $0 item. */
const isSpecialLine = (l: CanonicalLineItem) => l.subscription || l.totalMinor <= 0;

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

export function createOrderStore(db: SqliteDatabase) {
  // Epoch milliseconds for dates: compact, sortable, and read by Prisma as DateTime.
  const upsertHeader = db.prepare(`
    INSERT INTO "Order" (shopId, id, customerKey, guest, processedAt, updatedAt, currency, totalMinor,
      refundedMinor, channel, pos, subscription, test, cancelled, unpaid, amountUnknown, tags, deleted, verified)
    VALUES (@shopId, @id, @customerKey, @guest, @processedAt, @updatedAt, @currency, @totalMinor,
      @refundedMinor, @channel, @pos, @subscription, @test, @cancelled, @unpaid, @amountUnknown, @tags, 0, @verified)
    ON CONFLICT (shopId, id) DO UPDATE SET
      customerKey = excluded.customerKey, guest = excluded.guest, processedAt = excluded.processedAt,
      updatedAt = excluded.updatedAt, currency = excluded.currency, totalMinor = excluded.totalMinor,
      refundedMinor = excluded.refundedMinor, channel = excluded.channel, pos = excluded.pos,
      subscription = excluded.subscription, test = excluded.test, cancelled = excluded.cancelled,
      unpaid = excluded.unpaid, amountUnknown = excluded.amountUnknown, tags = excluded.tags, verified = excluded.verified
    WHERE excluded.updatedAt >= "Order".updatedAt AND "Order".deleted = 0`);
  // The newest order's name and email win; a missing one never erases what an order said before.
  const upsertContact = db.prepare(`
    INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET
      name = coalesce(excluded.name, "CustomerContact".name), email = coalesce(excluded.email, "CustomerContact".email),
      seenAt = excluded.seenAt
    WHERE excluded.seenAt >= "CustomerContact".seenAt`);
  const writeContact = (shopId: string, o: OrderHeader) => {
    if (!o.customerKey || !o.contact || (o.contact.name === null && o.contact.email === null)) return;
    upsertContact.run(shopId, o.customerKey, o.contact.name, o.contact.email, Date.parse(o.updatedAt));
  };
  const setAggregates = db.prepare(
    `UPDATE "Order" SET itemsTotalMinor = ?, lineCount = ?, specialLineCount = ? WHERE shopId = ? AND id = ?`,
  );
  const insertLine = db.prepare(`
    INSERT OR REPLACE INTO "OrderLine" (shopId, orderId, id, quantity, unitPriceMinor, totalMinor, subscription)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const deleteLines = db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ? AND orderId = ?`);
  const markDeleted = db.prepare(`
    INSERT INTO "Order" (shopId, id, processedAt, updatedAt, currency, totalMinor, deleted)
    VALUES (?, ?, 0, ?, '', 0, 1)
    ON CONFLICT (shopId, id) DO UPDATE SET deleted = 1, updatedAt = max("Order".updatedAt, excluded.updatedAt),
      -- A tombstone keeps only the id: the deleted order's data is not ours to keep, and it
      -- reads the same whether the delete arrived before or after the order itself.
      customerKey = NULL, guest = 0, processedAt = 0, currency = '', totalMinor = 0, refundedMinor = 0,
      channel = NULL, pos = 0, subscription = 0, test = 0, cancelled = 0, unpaid = 0, amountUnknown = 0, tags = '[]', verified = 1,
      itemsTotalMinor = 0, lineCount = 0, specialLineCount = 0`);

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
  const storedVerified = db.prepare(`SELECT verified FROM "Order" WHERE shopId = ? AND id = ? AND deleted = 0`).pluck();
  const storedLineFlags = db.prepare(`SELECT id, subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ?`).raw();

  const writeLine = (shopId: string, orderId: string, l: CanonicalLineItem) =>
    insertLine.run(shopId, orderId, l.id, l.quantity, l.unitPriceMinor, l.totalMinor, b(l.subscription));

  // A redacted customer's orders never come back: not by a late webhook, a re-read, a sweep
  // or a backfill still streaming (app/privacy/redact.server.ts writes the tombstones).
  const shopHasRedactions = db.prepare(`SELECT EXISTS (SELECT 1 FROM "RedactedCustomer" WHERE shopId = ?)`).pluck();
  const isRedactedKey = db.prepare(`SELECT 1 FROM "RedactedCustomer" WHERE shopId = ? AND customerKey = ?`).pluck();
  /** The orders without those of redacted customers; one lookup per batch while the shop has none. */
  function withoutRedacted<T extends { customerKey: string | null }>(shopId: string, orders: T[]): T[] {
    if (orders.length === 0 || shopHasRedactions.get(shopId) !== 1) return orders;
    return orders.filter((o) => o.customerKey === null || isRedactedKey.get(shopId, tombstoneKey(o.customerKey)) === undefined);
  }

  /**
   * A webhook's copy of an order cannot say which lines are subscriptions (REST payloads
   * carry no selling plan). Lines we already know keep what the Admin API told us; an order
   * with any line we have not seen that way stays unverified (held from scoring) until its
   * re-read lands, so no persona is computed from a state a re-read would reverse.
   */
  function withKnownLines(shopId: string, o: CanonicalOrder): { order: CanonicalOrder; verified: boolean } {
    const known = new Map((storedLineFlags.all(shopId, o.id) as [string, number][]).map(([id, sub]) => [id, sub === 1]));
    const wasVerified = storedVerified.get(shopId, o.id) === 1;
    const verified = wasVerified && o.lineItems.every((l) => known.has(l.id));
    const lineItems = o.lineItems.map((l) => (known.has(l.id) ? { ...l, subscription: known.get(l.id)! } : l));
    return { order: { ...o, lineItems }, verified };
  }

  /**
   * Whole orders (webhooks, sweeps): header and line items replaced together when newer.
   * `unverified`: the orders come from webhooks and may need an Admin API re-read (above).
   */
  const upsertOrders = writeTransaction(db, (shopId: string, orders: CanonicalOrder[], options: { unverified?: boolean } = {}) => {
    orders = withoutRedacted(shopId, orders);
    let written = 0;
    let awaitingReread = 0;
    for (const incoming of orders) {
      const { order: o, verified } = options.unverified ? withKnownLines(shopId, incoming) : { order: incoming, verified: true };
      if (upsertHeader.run(headerParams(shopId, o, verified)).changes === 0) continue; // stale or deleted
      written++;
      if (!verified) awaitingReread++;
      writeContact(shopId, o);
      deleteLines.run(shopId, o.id);
      let itemsTotal = 0;
      let special = 0;
      for (const l of o.lineItems) {
        writeLine(shopId, o.id, l);
        itemsTotal += l.totalMinor;
        if (isSpecialLine(l)) special++;
      }
      setAggregates.run(itemsTotal, o.lineItems.length, special, shopId, o.id);
    }
    return { written, stale: orders.length - written, awaitingReread };
  });

  /** A batch of bulk-export lines: headers and line items, in whatever order they came. */
  const writeBulkBatch = writeTransaction(db,
    (shopId: string, headers: OrderHeader[], lines: { orderId: string; lineItem: CanonicalLineItem }[]) => {
      const kept = withoutRedacted(shopId, headers);
      const dropped = kept.length < headers.length ? new Set(headers.filter((h) => !kept.includes(h)).map((h) => h.id)) : null;
      for (const h of kept) {
        upsertHeader.run(headerParams(shopId, h));
        writeContact(shopId, h);
      }
      for (const l of lines) if (!dropped?.has(l.orderId)) writeLine(shopId, l.orderId, l.lineItem);
    },
  );

  /**
   * After a bulk export (children written apart from their parents): recompute every
   * order's line aggregates from its lines in one pass.
   */
  const refreshLineAggregates = (shopId: string) => {
    // Lines that streamed in apart from an order that turned out to be redacted (a redacted
    // customer's, or a redacted order kept as a deleted tombstone).
    if (shopHasRedactions.get(shopId) === 1) {
      db.prepare(
        `DELETE FROM "OrderLine" WHERE shopId = ? AND NOT EXISTS (
           SELECT 1 FROM "Order" o WHERE o.shopId = "OrderLine".shopId AND o.id = "OrderLine".orderId AND o.deleted = 0)`,
      ).run(shopId);
    }
    return db
      .prepare(
        `UPDATE "Order" SET (itemsTotalMinor, lineCount, specialLineCount) = (
           SELECT coalesce(sum(l.totalMinor), 0), count(*), coalesce(sum(l.subscription = 1 OR l.totalMinor <= 0), 0)
           FROM "OrderLine" l WHERE l.shopId = "Order".shopId AND l.orderId = "Order".id)
         WHERE shopId = ? AND deleted = 0`,
      )
      .run(shopId).changes;
  };

  const deleteOrder = writeTransaction(db, (shopId: string, id: string, at: Date = new Date()) => {
    markDeleted.run(shopId, id, at.getTime());
    deleteLines.run(shopId, id);
  });

  const deleteCustomerOrders = writeTransaction(db, (shopId: string, customerKey: string) => {
    db.prepare(
      `DELETE FROM "OrderLine" WHERE shopId = ? AND orderId IN (SELECT id FROM "Order" WHERE shopId = ? AND customerKey = ?)`,
    ).run(shopId, shopId, customerKey);
    return db.prepare(`DELETE FROM "Order" WHERE shopId = ? AND customerKey = ?`).run(shopId, customerKey).changes;
  });

  const deleteOrdersById = writeTransaction(db, (shopId: string, ids: string[]) => {
    for (const id of ids) {
      deleteLines.run(shopId, id);
      db.prepare(`DELETE FROM "Order" WHERE shopId = ? AND id = ?`).run(shopId, id);
    }
  });

  const orderPage = db.prepare(
    `SELECT id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor, channel,
       pos, subscription, test, cancelled, tags, unpaid, amountUnknown
     FROM "Order" WHERE shopId = ? AND id > ? AND deleted = 0 ORDER BY id LIMIT ?`,
  );
  const linesOfPage = db.prepare(
    `SELECT orderId, id, quantity, unitPriceMinor, totalMinor, subscription
     FROM "OrderLine" WHERE shopId = ? AND orderId >= ? AND orderId <= ? ORDER BY orderId, id`,
  );

  /**
   * Every live order of a shop as canonical orders, streamed: pages of orders in id order,
   * each merged with its pages' line items, so memory stays flat however large the shop.
   * (Whole pages through .all() are several times faster than row-by-row iteration.)
   */
  function* iterateOrders(shopId: string, platform: Platform = "shopify", pageSize = 20_000): Generator<CanonicalOrder> {
    let after = "";
    for (;;) {
      const orders = orderPage.raw().all(shopId, after, pageSize) as unknown[][];
      if (orders.length === 0) return;
      const first = orders[0][0] as string;
      const last = orders[orders.length - 1][0] as string;
      const lines = linesOfPage.raw().all(shopId, first, last) as unknown[][];
      let li = 0;
      for (const row of orders) {
        const id = row[0] as string;
        const lineItems: CanonicalLineItem[] = [];
        // Lines of deleted orders sort in between; skip them.
        while (li < lines.length && (lines[li][0] as string) < id) li++;
        while (li < lines.length && lines[li][0] === id) {
          const l = lines[li++];
          lineItems.push({
            id: l[1] as string,
            quantity: l[2] as number,
            unitPriceMinor: l[3] as number,
            totalMinor: l[4] as number,
            subscription: l[5] === 1,
          });
        }
        yield rowToOrder(row, platform, lineItems);
      }
      after = last;
      if (orders.length < pageSize) return;
    }
  }

  const scoringPage = db.prepare(
    `SELECT id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor, channel,
       pos, subscription, test, cancelled, tags, unpaid, amountUnknown, itemsTotalMinor, lineCount, specialLineCount
     FROM "Order" WHERE shopId = ? AND id > ? AND deleted = 0 AND verified = 1 ORDER BY id LIMIT ?`,
  );
  const linesOfOrder = db.prepare(
    `SELECT id, quantity, unitPriceMinor, totalMinor, subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ? ORDER BY id`,
  );

  /**
   * Orders as the counting rules need them, cheaper than iterateOrders: an order whose
   * lines no line rule can drop (none is a subscription or $0 item) carries its lines as
   * one aggregate line (quantity = line count, total = sum of totals). Rules, metrics and
   * their explanations come out exactly as from the real lines, without reading them.
   * Orders awaiting their Admin API re-read are held back (see upsertOrders).
   */
  function* iterateOrdersForScoring(shopId: string, platform: Platform = "shopify", pageSize = 20_000): Generator<CanonicalOrder> {
    let after = "";
    for (;;) {
      const orders = scoringPage.raw().all(shopId, after, pageSize) as unknown[][];
      for (const row of orders) {
        const id = row[0] as string;
        const lineCount = row[17] as number;
        let lineItems: CanonicalLineItem[];
        if ((row[18] as number) > 0) {
          lineItems = (linesOfOrder.raw().all(shopId, id) as unknown[][]).map((l) => ({
            id: l[0] as string,
            quantity: l[1] as number,
            unitPriceMinor: l[2] as number,
            totalMinor: l[3] as number,
            subscription: l[4] === 1,
          }));
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

  const countOrders = (shopId: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM "Order" WHERE shopId = ? AND deleted = 0`).get(shopId) as { n: number }).n;

  /** Orders held from scoring until their Admin API re-read lands. */
  const countAwaitingReread = (shopId: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM "Order" WHERE shopId = ? AND deleted = 0 AND verified = 0`).get(shopId) as { n: number }).n;

  /** Whether an order is held for its re-read (and not deleted). */
  const isAwaitingReread = (shopId: string, id: string): boolean =>
    storedVerified.get(shopId, id) === 0;

  return {
    upsertOrders,
    countAwaitingReread,
    isAwaitingReread,
    writeBulkBatch,
    refreshLineAggregates,
    deleteOrder,
    deleteCustomerOrders,
    deleteOrdersById,
    iterateOrders,
    iterateOrdersForScoring,
    countOrders,
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
