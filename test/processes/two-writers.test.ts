/**
 * Two app processes writing one SQLite file at once: every signed webhook is answered 200 and
 * stored, while both also ingest order batches. With deferred transactions the second writer
 * got "database is locked" (500) and the delivery was lost.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createJobQueue } from "~/jobs/queue.server";
import { applyInbox } from "~/sync/inbox.server";
import { createOrderStore } from "~/sync/order-store.server";
import { addShop, freshDatabase, onPostgres } from "../support/db";
import { restOrder, signedWebhook } from "../support/webhooks";
import { exitWithin, runTs, type Child } from "./support";

const SHOP = "load.myshopify.com";
const PER_PROCESS = 300;
const children: Child[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
});

/** Sends signed orders/create deliveries over real HTTP, `parallel` at a time; returns the statuses. */
async function deliverAll(port: number, ids: number[], parallel = 12): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      const request = signedWebhook("orders/create", SHOP, restOrder(id, (id % 50) + 1));
      const response = await fetch(`http://127.0.0.1:${port}/webhooks`, {
        method: "POST",
        headers: request.headers,
        body: await request.text(),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return statuses;
}

// SQLite's one-writer rule is what this is about; PostgreSQL has no such lock.
describe.skipIf(onPostgres())("two app processes writing one database", () => {
  it("GIVEN two processes serving webhooks and ingesting orders on one file WHEN 300 signed orders/create reach each at once THEN all 600 are answered 200, stored, and applied as orders", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, SHOP);
    const ingestShop = await addShop(db, "ingest.myshopify.com");
    const env = { DATABASE_URL: url, INGEST_SHOP: ingestShop, RUN_JOBS: "false" };
    const servers = [runTs("test/processes/fixtures/webhook-server.ts", env), runTs("test/processes/fixtures/webhook-server.ts", env)];
    children.push(...servers);
    const ports = (await Promise.all(servers.map((s) => s.ready))).map((line) => Number(line.split(" ")[1]));

    const ids = (p: number) => Array.from({ length: PER_PROCESS }, (_, i) => 4_500_000_000 + p * 1000 + i);
    const [a, b] = await Promise.all([deliverAll(ports[0], ids(0)), deliverAll(ports[1], ids(1))]);
    for (const s of servers) s.process.kill("SIGTERM");
    const exits = await Promise.all(servers.map((s) => exitWithin(s, 30_000)));

    const statuses = [...a, ...b];
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(2 * PER_PROCESS);
    // Every answered delivery is stored; applied later (here: now), every one becomes an order.
    expect(await db.prepare(`SELECT count(*) FROM "WebhookInbox" WHERE shopDomain = ?`).pluck().get(SHOP)).toBe(2 * PER_PROCESS);
    const applied = await applyInbox({ db, store: createOrderStore(db), queue: createJobQueue(db) }, { limit: 10_000 });
    expect(applied).toMatchObject({ applied: 2 * PER_PROCESS, failed: 0 });
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(shopId)).toBe(2 * PER_PROCESS);
    expect(await db.prepare(`SELECT count(*) FROM "WebhookEvent" WHERE shopDomain = ?`).pluck().get(SHOP)).toBe(2 * PER_PROCESS);
    // The ingest alongside never failed either (a process exits 3 if a batch did).
    expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(ingestShop)).toBeGreaterThan(0);
  }, 120_000);
});
