/**
 * Webhooks are stored on receipt and applied off the request path (the `apply-inbox` job).
 * Tests that look at what a delivery did apply the inbox at once, the way the job does.
 */
import { isSqlite } from "~/db/index.server";
import { env } from "~/env.server";
import { PG_BOSS_SCHEMA } from "~/jobs/pg-boss.server";
import { adapterFor } from "~/platforms/registry.server";
import { services } from "~/services.server";
import { applyInbox, inboxOutcome, type ApplyReport } from "~/sync/inbox.server";

/** The drain under way, if any: one applier at a time, as the singleton apply-inbox job is. */
let draining: Promise<unknown> = Promise.resolve();

/**
 * Applies every stored delivery now; the queued apply-inbox job would find nothing left, so it
 * goes. Calls wait for each other: on PostgreSQL concurrent appliers (one per delivery answered
 * at once) would each apply and mark the same rows, waiting on each other's row locks.
 */
export function drainInbox(): Promise<ApplyReport> {
  const run = draining.then(applyNow, applyNow);
  draining = run.catch(() => {});
  return run;
}

async function applyNow(): Promise<ApplyReport> {
  const { db, store, runner } = services();
  const report = await applyInbox({ db, store, queue: runner.queue, adapterFor, recomputeDelayMs: env().RECOMPUTE_DEBOUNCE_MS }, { limit: 100_000 });
  if (isSqlite(db)) await db.prepare(`DELETE FROM "Job" WHERE type = 'apply-inbox' AND status = 'pending'`).run();
  else await db.prepare(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE name = 'rfm.apply-inbox' AND state IN ('created', 'retry')`).run();
  return report;
}

/** A webhook answer as the test wants it: the inbox applied, X-RFM-Webhook saying what this delivery did. */
export async function settled(response: Response): Promise<Response> {
  const id = response.headers.get("X-RFM-Inbox");
  if (!id) return response;
  const { outcomes } = await drainInbox();
  const headers = new Headers(response.headers);
  headers.set("X-RFM-Webhook", outcomes.get(Number(id)) ?? (await inboxOutcome(services().db, Number(id))) ?? "stored");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
