/**
 * What each background job does. Dependencies come in (database, order store, a way to
 * reach a shop's Admin API), so tests run the same handlers against the simulator.
 */
import type { PrismaClient } from "@prisma/client";
import { pruneOldRows, scheduleHousekeeping } from "~/housekeeping/prune.server";
import { recomputeInWorker } from "~/scoring/pool.server";
import type { AdminGraphql } from "~/platforms/shopify/admin-graphql.server";
import { backfillStep } from "~/platforms/shopify/backfill.server";
import { bulkPollDelay } from "~/platforms/shopify/bulk-finish.server";
import { refreshOrder, sweepOrders } from "~/platforms/shopify/sweep.server";
import { removeAllPersonaData, runWriteback } from "~/writeback/run.server";
import { ensureStoreSetup } from "~/writeback/setup.server";
import type { OrderStore } from "~/sync/order-store.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import type { JobHandler, JobType } from "./queue.server";

export interface HandlerDeps {
  prisma: PrismaClient;
  db: SqliteDatabase;
  store: OrderStore;
  graphqlFor: (shopId: string) => Promise<AdminGraphql>;
  /** The same client without retries, for write-back (which paces and retries itself, and counts). */
  rawGraphqlFor?: (shopId: string) => Promise<AdminGraphql>;
  bulkPollMs: number;
  /** Polls of a running export back off up to this (the finish webhook usually comes first). */
  bulkPollMaxMs?: number;
  sweepIntervalMs: number;
  fetchFile?: (url: string) => Promise<Response>;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** Milliseconds until shortly after the next UTC midnight: the daily recompute. */
export function untilNextDailyRun(now: Date): number {
  const next = Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS + 5 * 60_000;
  return next - now.getTime();
}

export function jobHandlers(deps: HandlerDeps): Record<JobType, JobHandler> {
  const now = () => deps.now?.() ?? new Date();
  return {
    async backfill({ shopId, payload, queue }) {
      const graphql = await deps.graphqlFor(shopId);
      const step = await backfillStep(shopId, { ...deps, graphql, queue });
      if (step.next === "poll") {
        // Still running: poll again later and later (bulk_operations/finish wakes the job
        // early); just (re)started: look at once.
        const polls = step.delayMs ? Number(payload.polls ?? 0) + 1 : 0;
        const delayMs = polls ? bulkPollDelay(polls - 1, deps.bulkPollMs, deps.bulkPollMaxMs) : 0;
        queue.enqueue("backfill", shopId, { delayMs, payload: { polls } });
      }
      if (step.next === "done") {
        queue.enqueue("recompute", shopId);
        queue.enqueue("sweep", shopId);
      }
      // Every attempt failed (state says why, for the dashboard): try a fresh export later.
      if (step.next === "failed") queue.enqueue("backfill", shopId, { key: "retry", delayMs: 3_600_000 });
    },
    async sweep({ shopId, queue }) {
      const graphql = await deps.graphqlFor(shopId);
      const { written } = await sweepOrders(shopId, { ...deps, graphql });
      if (written > 0) queue.enqueue("recompute", shopId);
      queue.enqueue("sweep", shopId, { key: "scheduled", delayMs: deps.sweepIntervalMs });
    },
    async "refresh-order"({ shopId, payload, queue }) {
      const graphql = await deps.graphqlFor(shopId);
      if (await refreshOrder(shopId, String(payload.orderId), { ...deps, graphql })) queue.enqueue("recompute", shopId);
    },
    async recompute({ shopId, payload, queue }) {
      // On a scoring thread: seconds of CPU for a large shop must not stall the web process.
      await recomputeInWorker(shopId, { db: deps.db, now: deps.now });
      // Personas changed (or may have): bring the store's tags and metafields in line.
      queue.enqueue("writeback", shopId);
      // Recency decays without new orders: every shop is recomputed daily.
      if (payload.daily) {
        queue.enqueue("recompute", shopId, { key: "daily", delayMs: untilNextDailyRun(now()), payload: { daily: true } });
      }
    },
    async writeback({ shopId, payload }) {
      const graphql = await (deps.rawGraphqlFor ?? deps.graphqlFor)(shopId);
      // Definitions and segments first (idempotent: a few reads when all exist), so
      // renamed personas and a new namespace are in place before customers are written.
      const setup = await ensureStoreSetup(shopId, { db: deps.db, graphql, now: deps.now });
      await runWriteback(shopId, { db: deps.db, graphql, now: deps.now, fetchFile: deps.fetchFile, full: payload.full === true, setup });
    },
    async cleanup({ shopId }) {
      const graphql = await (deps.rawGraphqlFor ?? deps.graphqlFor)(shopId);
      await removeAllPersonaData(shopId, { db: deps.db, graphql, now: deps.now, fetchFile: deps.fetchFile });
    },
    // Housekeeping for all shops at once: rows past their retention go, daily.
    async prune({ queue }) {
      pruneOldRows(deps.db, now());
      scheduleHousekeeping(queue, now());
    },
  };
}
