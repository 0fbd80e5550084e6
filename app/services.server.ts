/**
 * The process's services, built once: the database (the SQL seam), the order store, the job
 * queue and runner (which reaches stores through their adapters). The runner is the
 * embedded one on SQLite and pg-boss on PostgreSQL (docs/decisions/031); with RUN_JOBS=true
 * (the embedded default) this process also runs jobs, else it only enqueues them and a
 * worker process (`npm run worker`) runs them.
 */
import prisma from "./db.server";
import { database, isPostgres, type Db } from "./db/index.server";
import { env } from "./env.server";
import { logEventLoopDelay } from "./health/loop-delay.server";
import { scheduleHousekeeping } from "./housekeeping/prune.server";
import { jobHandlers } from "./jobs/handlers.server";
import { createPgBossRunner } from "./jobs/pg-boss.server";
import { createJobRunner, stopRunnerOnSignals } from "./jobs/queue.server";
import type { JobRunner } from "./jobs/types";
import { INBOX_SWEEP_MS, resumeInbox } from "./sync/inbox.server";
import { adapterFor } from "~/platforms/registry.server";
import { createOrderStore, type OrderStore } from "./sync/order-store.server";
import { startWarming } from "./scoring/warm.server";

export interface Services {
  db: Db;
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
  const db = database();
  const store = createOrderStore(db);
  const verbose = config.LOG_LEVEL === "info" || config.LOG_LEVEL === "debug";
  const handlers = jobHandlers({
    prisma, db, store, adapterFor, sweepIntervalMs: config.SWEEP_INTERVAL_MS, recomputeDelayMs: config.RECOMPUTE_DEBOUNCE_MS,
    onRecompute: verbose ? (shopId, run) => console.log(`[jobs] recompute ${JSON.stringify({ shopId, ...run, at: Date.now() })}`) : undefined,
    onJob: config.LOG_LEVEL === "debug" ? (type, shopId, run) => console.log(`[jobs] ran ${JSON.stringify({ type, shopId, ...run })}`) : undefined,
  });
  const log = (msg: string, ctx: Record<string, unknown>) => console.warn(`[jobs] ${msg}`, ctx);
  const runner = isPostgres(db) ? createPgBossRunner({ db, handlers, log }) : createJobRunner({ db, handlers, log });
  globalThis.rfmServices = { db, store, runner };
  if (config.LOG_LEVEL === "debug" && config.NODE_ENV !== "test") logEventLoopDelay(config.RUN_JOBS ? "web+jobs" : "web");
  if (config.RUN_JOBS && config.NODE_ENV !== "test") void runJobs(globalThis.rfmServices);
  else if (config.NODE_ENV !== "test") exitWebOnSignals(globalThis.rfmServices);
  return globalThis.rfmServices;
}

/**
 * A web process that runs no jobs: on SIGTERM / Ctrl-C the HTTP server stops taking requests
 * (remix-serve closes it); after a grace for the requests in flight, stop the queue's client
 * and close the pool, which would otherwise keep the process alive, and exit.
 */
export function exitWebOnSignals(
  { db, runner }: Pick<Services, "db" | "runner">,
  {
    signals = ["SIGTERM", "SIGINT"] as NodeJS.Signals[],
    graceMs = 5_000,
    exit = (code: number) => process.exit(code),
  }: { signals?: NodeJS.Signals[]; graceMs?: number; exit?: (code: number) => void } = {},
): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return exit(1);
    stopping = true;
    setTimeout(() => {
      runner
        .stop({ timeoutMs: 1_000 })
        .then(() => db.close())
        .then(
          () => exit(0),
          () => exit(1),
        );
    }, graceMs);
  };
  for (const s of signals) process.on(s, onSignal);
}

/**
 * Run jobs in this process until SIGTERM / Ctrl-C: claim nothing new, let jobs in flight
 * finish for up to 25 s, hand the rest back for another process, then exit. Never hangs.
 */
export async function runJobs({ db, runner }: Services): Promise<void> {
  await scheduleHousekeeping(runner.queue, new Date());
  // Deliveries stored before a crash (or while no process ran jobs) are applied now, and any
  // whose wake-up was lost (its web process died right after storing it) soon after.
  await resumeInbox(db, runner.queue);
  setInterval(() => void resumeInbox(db, runner.queue).catch((err: unknown) => console.warn("[inbox] sweep failed:", String(err))), INBOX_SWEEP_MS).unref();
  await runner.start();
  // This process's scoring states, built ahead of the recomputes that will need them.
  const verbose = ["info", "debug"].includes(env().LOG_LEVEL);
  startWarming({ db, onWarm: verbose ? (shopId, result, ms) => console.log(`[jobs] warm ${JSON.stringify({ shopId, result, ms, at: Date.now() })}`) : undefined });
  stopRunnerOnSignals(runner);
}
