/**
 * The job worker process (`npm run worker`): runs background jobs and nothing else. On
 * PostgreSQL, web processes run with RUN_JOBS=false (they verify, store and enqueue) and any
 * number of these run the jobs through pg-boss; on SQLite the web process runs jobs itself
 * and a worker is optional. SIGTERM / Ctrl-C: claim nothing new, let jobs in flight finish
 * (bounded), then exit.
 */
import { env } from "./env.server";
import { readiness } from "./health/readiness.server";
import { runJobs, services } from "./services.server";

// This process runs jobs whatever RUN_JOBS says (it says whether web processes do).
process.env.RUN_JOBS = "false";
env();
const s = services();
const state = await readiness(s.db);
if (!state.ready) {
  console.error(`[worker] not starting: ${state.reason}${state.ready === false && state.pending ? ` (${state.pending.join(", ")}); run npm run db:migrate` : ""}`);
  process.exit(1);
}
await runJobs(s);
console.log(`[worker] running jobs on ${s.db.dialect} (pid ${process.pid})`);
