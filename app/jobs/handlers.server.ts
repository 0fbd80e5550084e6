/**
 * What each background job does. Dependencies come in (database, order store, the store
 * adapters), so tests run the same handlers against the simulators.
 */
import type { PrismaClient } from "@prisma/client";
import { pruneOldRows, scheduleHousekeeping } from "~/housekeeping/prune.server";
import { eraseShop } from "~/shops/shop-data.server";
import type { Platform, PlatformContext, ShopRef, StoreAdapter } from "~/platforms/types";
import { untilNextShopDay } from "~/rfm/zoned-days";
import { recomputeInWorker } from "~/scoring/pool.server";
import { shopSettings } from "~/shops/settings.server";
import { writeConsent } from "~/shops/write-consent.server";
import { runApplyInbox } from "~/sync/inbox.server";
import { runRereads } from "~/sync/reread.server";
import { ONLINE_STEP } from "~/writeback/run.server";
import type { OrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { runningSince } from "./queue.server";
import type { JobHandler, JobQueue, JobType } from "./types";

export interface HandlerDeps {
  prisma: PrismaClient;
  db: Db;
  store: OrderStore;
  /** The store adapter of a platform: every job that talks to a store goes through it. */
  adapterFor: (platform: Platform) => StoreAdapter;
  sweepIntervalMs: number;
  /** Order webhooks in a burst become one recompute this long after the last (default: apply-events'). */
  recomputeDelayMs?: number;
  now?: () => Date;
  /** Told how each recompute ran (the process log: incremental or full, and why full). */
  onRecompute?: (shopId: string, run: { incremental: boolean; fallback?: string; customersWritten: number; ms: number }) => void;
  /** Told of every job run: when it started, how long it took, whether it finished (the process log, for following an order's chain of jobs). */
  onJob?: (type: JobType, shopId: string, run: { startedAt: number; ms: number; ok: boolean; detail?: Record<string, number> }) => void;
}

/** Milliseconds until shortly after the shop's next midnight (UTC without a zone): the daily recompute. */
export function untilNextDailyRun(now: Date, timeZone?: string | null): number {
  return untilNextShopDay(now, timeZone) + 5 * 60_000;
}

export function jobHandlers(deps: HandlerDeps): Record<JobType, JobHandler> {
  const handlers = jobHandlersUntold(deps);
  const onJob = deps.onJob;
  if (!onJob) return handlers;
  const told = (type: JobType, handler: JobHandler): JobHandler => async (ctx) => {
    const startedAt = Date.now();
    let ok = false;
    let detail: Record<string, number> | undefined;
    try {
      detail = (await handler(ctx)) ?? undefined;
      ok = true;
      return detail;
    } finally {
      onJob(type, ctx.shopId, { startedAt, ms: Date.now() - startedAt, ok, ...(detail ? { detail } : {}) });
    }
  };
  return Object.fromEntries(Object.entries(handlers).map(([type, handler]) => [type, told(type as JobType, handler)])) as Record<JobType, JobHandler>;
}

function jobHandlersUntold(deps: HandlerDeps): Record<JobType, JobHandler> {
  const now = () => deps.now?.() ?? new Date();
  /**
   * Per shop, a moment before which everything was written, from the last write-back that left
   * nothing behind, and what it was written under: the shop's settings and time zone (they
   * change what every customer carries without rescoring anyone) and the merchant's consent (an
   * approval, a pause or a removal since). The next write-back then plans only who was rescored
   * since (decision 046). Kept on SyncState, so it holds in whichever worker the next write-back
   * runs (decision 054). Unknown or under another basis (a run that stopped short, a settings
   * save, a consent change): the whole shop.
   */
  const basisOf = async (shop: ShopRef) => JSON.stringify([await shopSettings(deps.db, shop.id), shop.timezone ?? null, await writeConsent(deps.db, shop.id)]);
  const takeSettled = async (shopId: string) => {
    const row = (await deps.db.prepare(`SELECT writebackSettledAt AS at, writebackSettledBasis AS basis FROM "SyncState" WHERE shopId = ?`).get(shopId)) as
      | { at: number | bigint | null; basis: string | null }
      | undefined;
    await forgetSettled(shopId);
    return row && row.at !== null && row.basis !== null ? { at: Number(row.at), basis: row.basis } : undefined;
  };
  const forgetSettled = async (shopId: string) => {
    await deps.db.prepare(`UPDATE "SyncState" SET writebackSettledAt = NULL, writebackSettledBasis = NULL WHERE shopId = ?`).run(shopId);
  };
  const shopOf = async (shopId: string): Promise<ShopRef> => {
    const shop = (await deps.db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId)) as ShopRef | undefined;
    if (!shop) throw new Error(`unknown shop ${shopId}`);
    return shop;
  };
  const withAdapter = async (shopId: string, queue: JobQueue) => {
    const shop = await shopOf(shopId);
    const ctx: PlatformContext = { db: deps.db, store: deps.store, prisma: deps.prisma, queue, now: deps.now };
    return { shop, ctx, adapter: deps.adapterFor(shop.platform) };
  };
  return {
    async backfill({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = await withAdapter(shopId, queue);
      const step = await adapter.orders.backfillStep(shop, ctx, payload);
      if (step.next === "poll") await queue.enqueue("backfill", shopId, { delayMs: step.delayMs, payload: step.cursor ?? {} });
      if (step.next === "done") {
        await queue.enqueue("recompute", shopId);
        await queue.enqueue("sweep", shopId);
      }
      // Every attempt failed (state says why, for the dashboard): try a fresh import later.
      if (step.next === "failed") await queue.enqueue("backfill", shopId, { key: "retry", delayMs: 3_600_000 });
    },
    async sweep({ shopId, queue }) {
      const { shop, ctx, adapter } = await withAdapter(shopId, queue);
      const { written } = await adapter.orders.reconcile(shop, ctx);
      if (written > 0) await queue.enqueue("recompute", shopId);
      await queue.enqueue("sweep", shopId, { key: "scheduled", delayMs: deps.sweepIntervalMs });
    },
    // The shop's wanted re-reads, a batch at a time (docs/decisions/053).
    async "refresh-order"({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = await withAdapter(shopId, queue);
      await runRereads(shop, adapter.orders, ctx, payload);
    },
    async recompute({ shopId, payload, queue }) {
      // On a scoring thread: seconds of CPU for a large shop must not stall the web process.
      // After order changes only what changed, when the thread holds a valid state; the daily
      // run is the reconciler and always scores the whole shop (decision 047).
      const t0 = performance.now();
      const run = await recomputeInWorker(shopId, { db: deps.db, now: deps.now, full: payload.daily === true });
      const { incremental, fallback, customersWritten } = run.result;
      deps.onRecompute?.(shopId, { incremental: incremental !== undefined, fallback: fallback ?? (payload.daily ? "daily" : undefined), customersWritten, ms: Math.round(performance.now() - t0) });
      // Personas changed (or may have): bring the store's persona data in line.
      await queue.enqueue("writeback", shopId);
      // Recency decays without new orders: every shop is recomputed daily.
      if (payload.daily) {
        await queue.enqueue("recompute", shopId, { key: "daily", delayMs: untilNextDailyRun(now(), (await deps.db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | undefined), payload: { daily: true } });
      }
    },
    async writeback({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = await withAdapter(shopId, queue);
      // Every plan of this run reads after this moment, so what a recompute wrote before it is
      // seen; a recompute running now stamps its customers no earlier than its claim.
      const from = Math.min(now().getTime(), (await runningSince(deps.db, shopId, "recompute")) ?? Infinity);
      const basis = await basisOf(shop);
      const known = await takeSettled(shopId);
      const rescoredSince = known?.basis === basis ? known.at : undefined;
      const step = await adapter.writer.writeback(shop, ctx, { full: payload.full === true, step: ONLINE_STEP, rescoredSince, rescoredFrom: from });
      if (step.settled) {
        await deps.db.prepare(`UPDATE "SyncState" SET writebackSettledAt = ?, writebackSettledBasis = ? WHERE shopId = ?`).run(from, basis, shopId);
      }
      // A stepping run that used its time: the next job goes on (and plans the whole shop again).
      if (step.more > 0) await queue.enqueue("writeback", shopId);
    },
    async cleanup({ shopId, payload, queue }) {
      await forgetSettled(shopId);
      const { shop, ctx, adapter } = await withAdapter(shopId, queue);
      await adapter.writer.removeAll(shop, ctx, { segments: payload.segments === true });
    },
    // Webhook deliveries stored on receipt, applied in arrival order (docs/decisions/032).
    async "apply-inbox"({ queue }) {
      return runApplyInbox({ db: deps.db, store: deps.store, queue, adapterFor: deps.adapterFor, recomputeDelayMs: deps.recomputeDelayMs, now: deps.now });
    },
    // Housekeeping for all shops at once: rows past their retention go, daily.
    async prune({ queue }) {
      await pruneOldRows(deps.db, now());
      await scheduleHousekeeping(queue, now());
    },
    // shop/redact's erasure (redactShop queues it): every row of the uninstalled shop.
    async "erase-shop"({ payload }) {
      const outcome = await eraseShop(deps.db, String(payload.shopId), String(payload.domain));
      return { erased: outcome === "erased" ? 1 : 0 };
    },
  };
}
