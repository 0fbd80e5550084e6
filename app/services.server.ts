/**
 * The process's services, built once: the raw database connection, the order store,
 * the job queue and runner, and the Admin API access for background work.
 */
import prisma from "./db.server";
import { env } from "./env.server";
import { scheduleHousekeeping } from "./housekeeping/prune.server";
import { jobHandlers } from "./jobs/handlers.server";
import { createJobRunner, stopRunnerOnSignals, type JobRunner } from "./jobs/queue.server";
import { unauthenticated } from "~/platforms/shopify/shopify.server";
import { fromLibraryAdmin, resilient, type AdminGraphql } from "~/platforms/shopify/admin-graphql.server";
import { createOrderStore, type OrderStore } from "./sync/order-store.server";
import { sqlite, type SqliteDatabase } from "./sync/sqlite.server";

export interface Services {
  db: SqliteDatabase;
  store: OrderStore;
  runner: JobRunner;
  graphqlFor(shopId: string): Promise<AdminGraphql>;
}

declare global {
  // eslint-disable-next-line no-var
  var rfmServices: Services | undefined;
}

async function rawGraphqlFor(shopId: string): Promise<AdminGraphql> {
  const shop = await prisma.shop.findUnique({ where: { id: shopId } });
  if (!shop) throw new Error(`unknown shop ${shopId}`);
  const { admin } = await unauthenticated.admin(shop.domain);
  return fromLibraryAdmin(admin);
}

async function graphqlFor(shopId: string): Promise<AdminGraphql> {
  return resilient(await rawGraphqlFor(shopId));
}

export function services(): Services {
  if (globalThis.rfmServices) return globalThis.rfmServices;
  const config = env();
  const db = sqlite();
  const store = createOrderStore(db);
  const runner = createJobRunner({
    db,
    handlers: jobHandlers({
      prisma,
      db,
      store,
      graphqlFor,
      rawGraphqlFor,
      bulkPollMs: config.BULK_POLL_MS,
      sweepIntervalMs: config.SWEEP_INTERVAL_MS,
    }),
    log: (msg, ctx) => console.warn(`[jobs] ${msg}`, ctx),
  });
  globalThis.rfmServices = { db, store, runner, graphqlFor };
  if (config.RUN_JOBS && config.NODE_ENV !== "test") {
    scheduleHousekeeping(runner.queue, new Date());
    runner.start();
    // SIGTERM (a deploy) or Ctrl-C: claim nothing new, let jobs in flight finish for up to
    // 25 s, hand the rest back for another process, then exit. Never hangs.
    stopRunnerOnSignals(runner);
  }
  return globalThis.rfmServices;
}
