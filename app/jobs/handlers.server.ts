/**
 * What each background job does. Dependencies come in (database, order store, the store
 * adapters), so tests run the same handlers against the simulators.
 */
import type { PrismaClient } from "@prisma/client";
import { pruneOldRows, scheduleHousekeeping } from "~/housekeeping/prune.server";
import type { Platform, PlatformContext, ShopRef, StoreAdapter } from "~/platforms/types";
import { untilNextShopDay } from "~/rfm/zoned-days";
import { recomputeInWorker } from "~/scoring/pool.server";
import type { OrderStore } from "~/sync/order-store.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import type { JobHandler, JobQueue, JobType } from "./queue.server";

export interface HandlerDeps {
  prisma: PrismaClient;
  db: SqliteDatabase;
  store: OrderStore;
  /** The store adapter of a platform: every job that talks to a store goes through it. */
  adapterFor: (platform: Platform) => StoreAdapter;
  sweepIntervalMs: number;
  now?: () => Date;
}

/** Milliseconds until shortly after the shop's next midnight (UTC without a zone): the daily recompute. */
export function untilNextDailyRun(now: Date, timeZone?: string | null): number {
  return untilNextShopDay(now, timeZone) + 5 * 60_000;
}

export function jobHandlers(deps: HandlerDeps): Record<JobType, JobHandler> {
  const now = () => deps.now?.() ?? new Date();
  const shopOf = (shopId: string): ShopRef => {
    const shop = deps.db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId) as ShopRef | undefined;
    if (!shop) throw new Error(`unknown shop ${shopId}`);
    return shop;
  };
  const withAdapter = (shopId: string, queue: JobQueue) => {
    const shop = shopOf(shopId);
    const ctx: PlatformContext = { db: deps.db, store: deps.store, prisma: deps.prisma, queue, now: deps.now };
    return { shop, ctx, adapter: deps.adapterFor(shop.platform) };
  };
  return {
    async backfill({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = withAdapter(shopId, queue);
      const step = await adapter.orders.backfillStep(shop, ctx, payload);
      if (step.next === "poll") queue.enqueue("backfill", shopId, { delayMs: step.delayMs, payload: step.cursor ?? {} });
      if (step.next === "done") {
        queue.enqueue("recompute", shopId);
        queue.enqueue("sweep", shopId);
      }
      // Every attempt failed (state says why, for the dashboard): try a fresh import later.
      if (step.next === "failed") queue.enqueue("backfill", shopId, { key: "retry", delayMs: 3_600_000 });
    },
    async sweep({ shopId, queue }) {
      const { shop, ctx, adapter } = withAdapter(shopId, queue);
      const { written } = await adapter.orders.reconcile(shop, ctx);
      if (written > 0) queue.enqueue("recompute", shopId);
      queue.enqueue("sweep", shopId, { key: "scheduled", delayMs: deps.sweepIntervalMs });
    },
    async "refresh-order"({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = withAdapter(shopId, queue);
      if (await adapter.orders.refetchOrder(shop, String(payload.orderId), ctx)) queue.enqueue("recompute", shopId);
    },
    async recompute({ shopId, payload, queue }) {
      // On a scoring thread: seconds of CPU for a large shop must not stall the web process.
      await recomputeInWorker(shopId, { db: deps.db, now: deps.now });
      // Personas changed (or may have): bring the store's persona data in line.
      queue.enqueue("writeback", shopId);
      // Recency decays without new orders: every shop is recomputed daily.
      if (payload.daily) {
        queue.enqueue("recompute", shopId, { key: "daily", delayMs: untilNextDailyRun(now(), deps.db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string | undefined), payload: { daily: true } });
      }
    },
    async writeback({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = withAdapter(shopId, queue);
      await adapter.writer.writeback(shop, ctx, { full: payload.full === true });
    },
    async cleanup({ shopId, payload, queue }) {
      const { shop, ctx, adapter } = withAdapter(shopId, queue);
      await adapter.writer.removeAll(shop, ctx, { segments: payload.segments === true });
    },
    // Housekeeping for all shops at once: rows past their retention go, daily.
    async prune({ queue }) {
      pruneOldRows(deps.db, now());
      scheduleHousekeeping(queue, now());
    },
  };
}
