/**
 * The process's services, built once: the raw database connection, the order store,
 * the job queue and runner (which reaches stores through their adapters).
 */
import prisma from "./db.server";
import { env } from "./env.server";
import { scheduleHousekeeping } from "./housekeeping/prune.server";
import { jobHandlers } from "./jobs/handlers.server";
import { createJobRunner, stopRunnerOnSignals, type JobRunner } from "./jobs/queue.server";
import { adapterFor } from "~/platforms/registry.server";
import { createOrderStore, type OrderStore } from "./sync/order-store.server";
import { sqlite, type SqliteDatabase } from "./sync/sqlite.server";

export interface Services {
  db: SqliteDatabase;
  store: OrderStore;
  runner: JobRunner;
}

declare global {
  // eslint-disable-next-line no-var
  var rfmServices: Services | undefined;
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
      adapterFor,
      sweepIntervalMs: config.SWEEP_INTERVAL_MS,
    }),
    log: (msg, ctx) => console.warn(`[jobs] ${msg}`, ctx),
  });
  globalThis.rfmServices = { db, store, runner };
  if (config.RUN_JOBS && config.NODE_ENV !== "test") {
    scheduleHousekeeping(runner.queue, new Date());
    runner.start();
    // SIGTERM (a deploy) or Ctrl-C: claim nothing new, let jobs in flight finish for up to
    // 25 s, hand the rest back for another process, then exit. Never hangs.
    stopRunnerOnSignals(runner);
  }
  return globalThis.rfmServices;
}
