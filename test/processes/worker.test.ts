/**
 * `npm run worker`: a process that runs jobs (the web processes only store and enqueue), on
 * either engine; SIGTERM lets it finish and exit 0.
 */
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { isSqlite, type Db, type PostgresDb } from "~/db/index.server";
import { HOUSEKEEPING_SHOP } from "~/housekeeping/prune.server";
import { createPgBossRunner } from "~/jobs/pg-boss.server";
import { createJobQueue } from "~/jobs/queue.server";
import type { JobQueue } from "~/jobs/types";
import { storeDelivery } from "~/sync/inbox.server";
import { addShop, freshDatabase } from "../support/db";
import { exitWithin, runTs, type Child } from "./support";

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
});

async function queueOn(db: Db): Promise<{ queue: JobQueue; stop(): Promise<unknown> }> {
  if (isSqlite(db)) return { queue: createJobQueue(db), stop: async () => {} };
  const runner = createPgBossRunner({ db: db as PostgresDb, handlers: {} });
  await runner.ready();
  return runner;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the worker process", () => {
  it("GIVEN a webhook delivery stored and a housekeeping job queued WHEN a worker runs THEN it runs at a lower priority, the delivery is applied and the job done; WHEN sent SIGTERM THEN it exits 0", async () => {
    const { db, url } = await freshDatabase();
    await addShop(db, "w.myshopify.com");
    const { queue, stop } = await queueOn(db);
    await storeDelivery(db, queue, "shopify", {
      shopDomain: "w.myshopify.com",
      eventId: "e1",
      topic: "customers/update",
      events: [{ type: "customer.updated", customerKey: "gid://shopify/Customer/1", email: "new@example.com" }],
      rawBody: "",
    });
    await queue.enqueue("prune", HOUSEKEEPING_SHOP, { key: "now" });
    await stop();

    const worker = runTs("app/worker.server.ts", { DATABASE_URL: url, RUN_JOBS: "false" });
    children.push(worker);
    expect(await worker.ready).toMatch(/^\[worker\] running jobs on (sqlite|postgres)/);
    // It runs below the web processes' priority (nice 10), so their acknowledgements come first.
    expect(os.getPriority(worker.process.pid!)).toBe(10);

    await until("the delivery applied", async () => (await db.prepare(`SELECT outcome FROM "WebhookInbox"`).pluck().get()) === "processed");
    const pruned = isSqlite(db)
      ? () => db.prepare(`SELECT status FROM "Job" WHERE type = 'prune' AND key = 'now'`).pluck().get()
      : () => (db as PostgresDb).pool.query(`SELECT state FROM pgboss.job WHERE name = 'rfm.prune' AND data->>'key' = 'now'`).then((r) => r.rows[0]?.state);
    await until("the prune done", async () => ["done", "completed"].includes((await pruned()) as string));

    worker.process.kill("SIGTERM");
    expect(await exitWithin(worker, 40_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
