import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, type SeedData } from "../sim/shopify";
import { dropQueuedJobs, queuedJobs } from "./support/queued-jobs";
import { startHarness, type Harness } from "./support/app-harness";
import { signedWebhook } from "./support/webhooks";

/**
 * bulk_operations/finish over real signed HTTP: the poll of a running export is a minute
 * away, so only the webhook can make the backfill finish now.
 */
const POLL_MS = 60_000;
let h: Harness;
let seed: SeedData;
let shopId: string;

async function services() {
  return (await import("~/services.server")).services();
}

const backfillJobs = async () =>
  (await queuedJobs((await services()).db, shopId, "backfill")).filter((j) => j.status === "pending" || j.status === "running");

/** Posts a signed webhook to the app's real HTTP endpoint. */
async function post(topic: string, payload: unknown): Promise<number> {
  const request = signedWebhook(topic, h.shopDomain, payload);
  const res = await fetch(`${h.appUrl}/webhooks`, { method: "POST", headers: request.headers, body: await request.text() });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  process.env.BULK_POLL_MS = String(POLL_MS);
  seed = generateSeed({ dataset: "cdnow", maxCustomers: 30, shiftDatesTo: new Date(), seed: 3 });
  // The export takes long enough that the first drain ends before it does, however loaded the machine.
  h = await startHarness({ data: seed, bulkDelayMs: 3_000 });
  shopId = await h.install();
});
afterAll(() => h?.close());

describe("bulk_operations/finish from Shopify", () => {
  it("GIVEN our export runs and the next poll is a minute away WHEN Shopify sends bulk_operations/finish THEN the backfill completes now", async () => {
    const { runner, db } = await services();
    await runner.drain(); // starts the export, sees it running, schedules the next poll
    const [waiting] = await backfillJobs();
    expect(waiting.runAt - Date.now()).toBeGreaterThan(POLL_MS / 2);

    await h.sim.settle(); // the export completes; the simulator sends the signed webhook

    const finish = h.sim.shop(h.shopDomain).webhooks.deliveries.filter((d) => d.topic === "bulk_operations/finish");
    expect(finish.map((d) => [d.state, d.attempts.at(-1)?.status])).toEqual([["delivered", 200]]);
    const [woken] = await backfillJobs();
    expect(woken.runAt).toBeLessThanOrEqual(Date.now());
    await runner.drain();
    const state = await db.prepare(`SELECT phase, ordersDone FROM "SyncState" WHERE shopId = ?`).get(shopId);
    expect(state).toEqual({ phase: "idle", ordersDone: seed.truth.counts.orders });
  });

  it("GIVEN the backfill is done WHEN a finish arrives for a bulk mutation or an old export THEN no new export starts", async () => {
    const { runner } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const exportsBefore = [...shop.store.bulkOperations.values()].filter((op) => op.type === "QUERY").length;
    const documented = (id: string, type: "query" | "mutation") => ({
      admin_graphql_api_id: id,
      completed_at: new Date().toISOString(),
      created_at: new Date(Date.now() - 60_000).toISOString(),
      error_code: null,
      status: "completed",
      type,
    });

    expect(await post("bulk_operations/finish", documented("gid://shopify/BulkOperation/990001", "mutation"))).toBe(200);
    expect(await post("bulk_operations/finish", documented("gid://shopify/BulkOperation/990002", "query"))).toBe(200);
    await runner.drain();

    expect(await backfillJobs()).toEqual([]);
    expect([...shop.store.bulkOperations.values()].filter((op) => op.type === "QUERY").length).toBe(exportsBefore);
  });

  it("GIVEN a signed finish with a malformed body WHEN it arrives THEN it is refused with 400, not 500", async () => {
    expect(await post("bulk_operations/finish", { status: "completed", type: "query" })).toBe(400);
  });
});

describe("polling while the finish webhook is missing", () => {
  it("GIVEN an export that keeps running WHEN the backfill job polls again and again THEN each wait is longer, up to a ceiling", async () => {
    const { jobHandlers } = await import("~/jobs/handlers.server");
    const { db, store, runner } = await services();
    const { createShopifyAdapter } = await import("~/platforms/shopify/adapter.server");
    const { graphqlFor } = await import("~/platforms/shopify/admin-client.server");
    const { default: prisma } = await import("~/db.server");
    const shop = h.sim.shop(h.shopDomain);
    shop.setBulkSettings({ delayMs: 600_000 }); // never finishes during the test
    await db.prepare(`UPDATE "SyncState" SET phase = 'idle', bulkOperationId = NULL WHERE shopId = ?`).run(shopId);
    const queue = runner.queue;
    await dropQueuedJobs(db, shopId);
    const adapter = createShopifyAdapter({ graphqlFor, bulkPollMs: 1_000 });
    const handlers = jobHandlers({ prisma, db, store, adapterFor: () => adapter, sweepIntervalMs: 3_600_000 });

    const waits: number[] = [];
    let payload: Record<string, unknown> = { start: true }; // a new import, as install asks for one
    for (let i = 0; i < 7; i++) {
      await handlers.backfill({ shopId, payload, attempt: 1, queue });
      const [job] = (await queuedJobs(db, shopId, "backfill")).filter((j) => j.status === "pending");
      // max(0, …): a job due "now" read a millisecond later would round to -0.
      waits.push(Math.max(0, Math.round((job.runAt - Date.now()) / 1000)));
      payload = JSON.parse(job.payload);
      await dropQueuedJobs(db, shopId);
    }
    shop.setBulkSettings({ delayMs: 20 });

    // Started (look at once), then 1 s, 2 s, 4 s, 8 s and the 8 s ceiling, for good.
    expect(waits).toEqual([0, 1, 2, 4, 8, 8, 8]);
  });
});
