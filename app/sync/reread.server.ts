/**
 * Orders wanted for a re-read through the store's API ("RereadWanted"): a webhook's copy that
 * cannot tell everything (held from scoring until then), a refund, a payload we could not read.
 * The ask is a row written in the order's own transaction; the shop's one `refresh-order` job
 * (key REREAD_JOB_KEY) takes the oldest rows, re-reads them together through the platform and
 * deletes the rows it served (docs/decisions/053). A burst of webhooks is one queued job per
 * shop and a few API calls, not one of each per order.
 */
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/queue.server";
import type { OrderSource, PlatformContext, RefetchOutcome, ShopRef, WantedReread } from "~/platforms/types";

/** The key of a shop's batch re-read job: asks merge into the one queued. */
export const REREAD_JOB_KEY = "batch";
/** Rows one job serves at most (the platform splits them into requests its API accepts). */
export const REREAD_BATCH = 100;

export interface RereadAsk {
  orderId: string;
  /** Line items the announced order has; absent: a full page. */
  lines?: number;
}

/** Rows per INSERT (five parameters each). */
const INSERT_CHUNK = 200;

/**
 * Records re-reads wanted and queues the shop's job; inside the caller's transaction both
 * commit with its order rows. An order wanted already keeps its place in line and reads as
 * many lines as the larger hint (none: a full page).
 */
export async function askRereads(db: Db, queue: JobQueue, shopId: string, asks: readonly RereadAsk[], now: Date): Promise<void> {
  if (asks.length === 0) return;
  // One row per order per statement (PostgreSQL refuses to update a row twice in one).
  const merged = new Map<string, number | null>();
  for (const { orderId, lines } of asks) {
    const hint = lines ?? null;
    const before = merged.get(orderId);
    merged.set(orderId, before === undefined ? hint : before === null || hint === null ? null : Math.max(before, hint));
  }
  const rows = [...merged];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    await db
      .prepare(
        `INSERT INTO "RereadWanted" (shopId, orderId, lines, askedAt, asks) VALUES ${chunk.map(() => "(?, ?, ?, ?, 1)").join(", ")}
         ON CONFLICT (shopId, orderId) DO UPDATE SET
           lines = CASE WHEN "RereadWanted".lines IS NULL OR excluded.lines IS NULL THEN NULL ELSE ${db.sql.greatest(`"RereadWanted".lines`, "excluded.lines")} END,
           asks = "RereadWanted".asks + 1`,
      )
      .run(...chunk.flatMap(([orderId, lines]) => [shopId, orderId, lines, now]));
  }
  await queue.enqueue("refresh-order", shopId, { key: REREAD_JOB_KEY });
}

interface WantedRow extends WantedReread {
  asks: number;
}

/** The shop's oldest wanted re-reads. */
export async function wantedRereads(db: Db, shopId: string, limit: number): Promise<WantedRow[]> {
  const rows = (await db
    .prepare(`SELECT orderId, lines, asks FROM "RereadWanted" WHERE shopId = ? ORDER BY askedAt, orderId LIMIT ?`)
    .all(shopId, limit)) as { orderId: string; lines: number | null; asks: number }[];
  return rows.map((r) => (r.lines === null ? { orderId: r.orderId, asks: r.asks } : { orderId: r.orderId, lines: r.lines, asks: r.asks }));
}

export interface RereadRun {
  served: number;
  /** Orders whose stored copy changed (written, or gone from the store). */
  changed: number;
  /** Still wanted: the API returned a version older than the webhook's. */
  lagging: string[];
  /** Rows left for the next job. */
  more: boolean;
}

/**
 * One run of a shop's re-read job. `payload.orderId`: a job queued before re-reads were
 * batched, served as it was (that one order). Otherwise the oldest `batch` wanted rows are
 * re-read together; the rows served go (unless asked for again meanwhile: a newer webhook's
 * copy then still wants its read), lagging ones stay and move to the back of the line, and
 * the job throws so the queue retries it with backoff. Nothing is lost: a row leaves only once
 * the stored order is at least as new as the API's copy, or the store no longer has the order.
 */
export async function runRereads(
  shop: ShopRef,
  orders: Pick<OrderSource, "refetchOrders">,
  ctx: PlatformContext,
  payload: Record<string, unknown>,
  batch = REREAD_BATCH,
): Promise<RereadRun> {
  const { db, store, queue } = ctx;
  const legacy = typeof payload.orderId === "string";
  const wanted: WantedRow[] = legacy
    ? [{ orderId: payload.orderId as string, ...(typeof payload.lines === "number" ? { lines: payload.lines } : {}), asks: 0 }]
    : await wantedRereads(db, shop.id, batch + 1);
  const more = wanted.length > batch;
  const taken = wanted.slice(0, batch);
  if (taken.length === 0) return { served: 0, changed: 0, lagging: [], more: false };

  const outcomes = await orders.refetchOrders(
    shop,
    taken.map(({ asks: _asks, ...w }) => w),
    ctx,
  );
  if (outcomes.length !== taken.length) throw new Error(`re-read of ${taken.length} orders answered ${outcomes.length} outcomes`);
  const lagging: WantedRow[] = [];
  const unreadable: string[] = [];
  const served: WantedRow[] = [];
  let changed = 0;
  for (const [i, w] of taken.entries()) {
    const outcome: RefetchOutcome = outcomes[i];
    if (outcome === "written" || outcome === "gone") changed++;
    // The Admin API can lag the webhook that announced a change: the stored copy is still
    // the webhook's, held from scoring.
    if (outcome === "unchanged" && (await store.isAwaitingReread(shop.id, w.orderId))) lagging.push(w);
    else {
      // An order we cannot read stays unreadable on every read: its row goes, and the job
      // fails once to say so (the sweep reads it again later).
      if (outcome === "unreadable") unreadable.push(w.orderId);
      served.push(w);
    }
  }
  if (!legacy) {
    await db.transaction(async () => {
      const drop = db.prepare(`DELETE FROM "RereadWanted" WHERE shopId = ? AND orderId = ? AND asks = ?`);
      for (const w of served) await drop.run(shop.id, w.orderId, w.asks);
      const later = db.prepare(`UPDATE "RereadWanted" SET askedAt = ? WHERE shopId = ? AND orderId = ? AND asks = ?`);
      const now = ctx.now?.() ?? new Date();
      for (const w of lagging) await later.run(now, shop.id, w.orderId, w.asks);
    });
  }
  if (changed > 0) await queue.enqueue("recompute", shop.id);
  if (more) await queue.enqueue("refresh-order", shop.id, { key: REREAD_JOB_KEY });
  if (lagging.length > 0) {
    throw new Error(`order(s) ${named(lagging.map((w) => w.orderId))}: the store's API still returns a version older than their webhook`);
  }
  if (unreadable.length > 0) throw new Error(`order(s) ${named(unreadable)}: the store's answer could not be read`);
  return { served: served.length, changed, lagging: [], more };
}

const named = (ids: string[]) => (ids.length > 3 ? `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more` : ids.join(", "));
