/**
 * The full import: wc/v3 orders in pages of 100, oldest change first
 * (`orderby=modified&order=asc`, `modified_after` + `dates_are_gmt=true`), each page upserted
 * as canonical orders (REST orders are complete: lines, refunds, meta) in the same
 * transaction as the resume point, so a crash resumes at the first page not committed.
 *
 * Progress for the dashboard is the SyncState the Shopify import uses (phase `backfill`,
 * ordersDone, ordersEstimated from X-WP-Total); the resume point is SyncState.backfillCursor.
 * Orders changed while the import runs can shift between pages: the sweep after it
 * (sweepFrom = import start − 1 minute) picks them up.
 */
import type { BackfillStep, PlatformContext, ShopRef } from "../types";
import { inTransaction } from "~/db/index.server";
import { PAGE_SIZE, type WooClient } from "./client.server";
import { mapWooCommerceOrder, orderIdOf, wooOrderId } from "./orders";

/** Where an import stands (SyncState.backfillCursor). */
export interface ImportCursor {
  /** Orders modified after this instant (`YYYY-MM-DDTHH:MM:SS`, GMT); the epoch for a full import. */
  modifiedAfter: string;
  /** The next page to read. */
  page: number;
  /** When the import began (ISO): the next sweep starts a minute before it. */
  startedAt: string;
}

/** Pages read per step: a few, so one job stays short and progress moves on the dashboard. */
export const PAGES_PER_STEP = 3;

/** A Date → WooCommerce's GMT query date (no zone; sent with dates_are_gmt=true). */
export const wcGmt = (d: Date) => d.toISOString().slice(0, 19);

export const FULL_IMPORT_FROM = "1970-01-01T00:00:00";

export interface WooBackfillDeps extends PlatformContext {
  client: WooClient;
  pagesPerStep?: number;
}

/**
 * One page of orders → canonical orders. An order that cannot be read is skipped and
 * re-read by id (queued in the same transaction), so one bad order never stalls the import.
 */
export function readOrderPage(items: unknown[], currency: string): { orders: ReturnType<typeof mapWooCommerceOrder>["order"][]; reread: string[] } {
  const orders = [];
  const reread: string[] = [];
  for (const item of items) {
    try {
      orders.push(mapWooCommerceOrder(item, currency).order);
    } catch {
      const id = orderIdOf(item);
      if (id !== null) reread.push(wooOrderId(id));
    }
  }
  return { orders, reread };
}

function readCursor(raw: string | null): ImportCursor | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as Partial<ImportCursor>;
    return typeof c.modifiedAfter === "string" && typeof c.page === "number" && typeof c.startedAt === "string" ? (c as ImportCursor) : null;
  } catch {
    return null;
  }
}

export async function backfillStep(shop: ShopRef, deps: WooBackfillDeps): Promise<BackfillStep> {
  const { db, store, queue, client } = deps;
  const now = deps.now?.() ?? new Date();
  const state = (await db.prepare(`SELECT phase, backfillCursor FROM "SyncState" WHERE shopId = ?`).get(shop.id)) as
    | { phase: string; backfillCursor: string | null }
    | undefined;
  let cursor: ImportCursor | null = state?.phase === "backfill" ? readCursor(state.backfillCursor) : null;
  if (!cursor) {
    cursor = { modifiedAfter: FULL_IMPORT_FROM, page: 1, startedAt: now.toISOString() };
    await db.prepare(
      `INSERT INTO "SyncState" (shopId, phase, ordersDone, ordersEstimated, backfillStartedAt, backfillFinishedAt, backfillCursor, lastError, updatedAt)
       VALUES (@shopId, 'backfill', 0, NULL, @now, NULL, @cursor, NULL, @now)
       ON CONFLICT (shopId) DO UPDATE SET phase = 'backfill', ordersDone = 0, ordersEstimated = NULL, backfillStartedAt = @now,
         backfillFinishedAt = NULL, backfillCursor = @cursor, lastError = NULL, updatedAt = @now`,
    ).run({ shopId: shop.id, now, cursor: JSON.stringify(cursor) });
  }

  const savePage = inTransaction(db, async (page: ReturnType<typeof readOrderPage>, next: ImportCursor, total: number | null) => {
    await store.upsertOrders(shop.id, page.orders);
    for (const orderId of page.reread) await queue.enqueue("refresh-order", shop.id, { key: orderId, payload: { orderId } });
    await db
      .prepare(
        `UPDATE "SyncState" SET ordersDone = ordersDone + ?, ordersEstimated = coalesce(?, ordersEstimated), backfillCursor = ?, updatedAt = ? WHERE shopId = ?`,
      )
      .run(page.orders.length + page.reread.length, total, JSON.stringify(next), new Date(), shop.id);
  });

  for (let i = 0; i < (deps.pagesPerStep ?? PAGES_PER_STEP); i++) {
    const page = await client.page(
      "orders",
      { modified_after: cursor.modifiedAfter, dates_are_gmt: true, orderby: "modified", order: "asc", per_page: PAGE_SIZE },
      cursor.page,
    );
    const read = readOrderPage(page.items, shop.currency);
    const next: ImportCursor = { ...cursor, page: cursor.page + 1 };
    // The estimate counts every order the window holds (X-WP-Total); past the end it reads 0.
    await savePage(read, next, page.total > 0 ? page.total : null);
    cursor = next;
    if (page.items.length === 0 || cursor.page > page.totalPages) {
      await db
        .prepare(
          `UPDATE "SyncState" SET phase = 'idle', backfillCursor = NULL, backfillFinishedAt = ?, sweepFrom = ?, lastError = NULL, updatedAt = ?
           WHERE shopId = ?`,
        )
        .run(now, new Date(Date.parse(cursor.startedAt) - 60_000), now, shop.id);
      const done = (await db.prepare(`SELECT ordersDone FROM "SyncState" WHERE shopId = ?`).pluck().get(shop.id)) as number;
      return { next: "done", orders: done };
    }
  }
  return { next: "poll", delayMs: 0, cursor: { page: cursor.page } };
}
