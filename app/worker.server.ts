/**
 * The job worker process (`npm run worker`): runs background jobs and nothing else. On
 * PostgreSQL, web processes run with RUN_JOBS=false (they verify, store and enqueue) and any
 * number of these run the jobs through pg-boss; on SQLite the web process runs jobs itself
 * and a worker is optional. SIGTERM / Ctrl-C: claim nothing new, let jobs in flight finish
 * (bounded), then exit.
 */
import os from "node:os";
import { env } from "./env.server";
import { logEventLoopDelay } from "./health/loop-delay.server";
import { readiness } from "./health/readiness.server";
import { runJobs, services } from "./services.server";

// This process runs jobs whatever RUN_JOBS says (it says whether web processes do).
process.env.RUN_JOBS = "false";
const { WORKER_NICE, LOG_LEVEL } = env();
// Background work yields the CPU to web processes on the same machine: their acknowledgements
// are what a platform times out on; a job that waits a few milliseconds more loses nothing.
// Before the scoring threads start, which inherit it (decision 052; WORKER_NICE=0: as the web).
try {
  os.setPriority(WORKER_NICE);
} catch (err) {
  console.warn("[worker] could not change its priority:", err instanceof Error ? err.message : err);
}
if (LOG_LEVEL === "debug") logEventLoopDelay("worker");
const s = services();
const state = await readiness(s.db);
if (!state.ready) {
  console.error(`[worker] not starting: ${state.reason}${state.ready === false && state.pending ? ` (${state.pending.join(", ")}); run npm run db:migrate` : ""}`);
  process.exit(1);
}
await runJobs(s);
console.log(`[worker] running jobs on ${s.db.dialect} (pid ${process.pid})`);
