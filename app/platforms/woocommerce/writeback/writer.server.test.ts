/**
 * WooCommerce write-back over real HTTP: the app's client over the npm
 * `@woocommerce/woocommerce-rest-api` one (OAuth 1.0a over http) against the WooCommerce simulator, a real SQLite database, and the
 * neutral core planning. Calls are counted by wrapping the client's `post`, nothing else.
 */
import wcPkg from "@woocommerce/woocommerce-rest-api";
import { afterEach, describe, expect, it } from "vitest";
import { isSqlite } from "~/db/index.server";
import { createPgBossRunner } from "~/jobs/pg-boss.server";
import { createJobQueue } from "~/jobs/queue.server";
import type { PersonaWriter } from "~/platforms/types";
import { createOrderStore } from "~/sync/order-store.server";
import { applyDelivery } from "~/sync/apply-events.server";
import type { Db } from "~/db/index.server";
import { parseWritten } from "~/writeback/state";
import { startReceiver } from "../../../../sim/kit/receiver";
import { startWooSimulator, type WooSimulator } from "../../../../sim/woocommerce";
import { addShop, freshDatabase } from "../../../../test/support/db";
import { queuedJobs } from "../../../../test/support/queued-jobs";
import { createWooClient } from "../client.server";
import { saveCredentials } from "../credentials.server";
import { wooCustomerKey } from "../orders";
import { PERSONA_META_KEYS } from "./meta";
import { createWooCommerceWriter, READ_ONLY_PROBLEM, removeAllPersonaData, runWriteback, type WooRestPoster } from "./writer.server";

// The package is CommonJS with `exports.default`; Node's ESM loader hands us the exports object.
const WooCommerceRestApi = ((wcPkg as unknown as { default?: typeof wcPkg }).default ?? wcPkg) as typeof wcPkg;

const T0 = Date.parse("2026-11-01T06:00:00Z");
const noSleep = async () => {};

let sim: WooSimulator | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await sim?.stop();
  sim = null;
  for (const close of closers.splice(0)) await close();
});

interface Harness {
  sim: WooSimulator;
  db: Db;
  shopId: string;
  /** Store customer ids, in creation order. */
  ids: number[];
  api: WooRestPoster;
  /** Item counts of each customers/batch call sent. */
  calls: number[];
}

/** A simulated store with `n` registered customers, a shop whose customers are scored, and a counted client. */
async function harness(n: number, permissions: "read_write" | "read" = "read_write"): Promise<Harness> {
  sim = await startWooSimulator();
  const ids = Array.from({ length: n }, (_, i) => sim!.shop.createCustomer({ email: `c${i}@example.test`, firstName: `C${i}` }).id);
  const key = sim.shop.addKey({ permissions });
  // The app's client over the npm one; its own retries off so the writer's are what is tested.
  const client = createWooClient({ siteUrl: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret, attempts: 1 });
  const calls: number[] = [];
  const api: WooRestPoster = {
    post: (endpoint, data) => {
      calls.push((data as { update: unknown[] }).update.length);
      return client.post(endpoint, data);
    },
  };
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "meta-store.example", { platform: "woocommerce" });
  await score(
    db,
    shopId,
    ids.map((id) => ({ key: wooCustomerKey(id), persona: "champions" })),
  );
  return { sim, db, shopId, ids, api, calls };
}

/** Customers as recompute leaves them: scores 4-3-2, in their persona since T0. */
async function score(db: Db, shopId: string, customers: { key: string; persona: string | null; previous?: string; guest?: boolean }[]) {
  const stmt = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, 1, 100, 4, 3, 2, ?, ?, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET persona = excluded.persona, previousPersona = excluded.previousPersona`);
  await db.transaction(async () => {
    for (const c of customers) await stmt.run(shopId, c.key, c.guest ?? false, c.persona, c.previous ?? null, new Date(T0), new Date(T0));
  });
}

/** Our meta keys on a store customer, as the store holds them. */
function storeMeta(h: Harness, id: number): Record<string, unknown> {
  const customer = h.sim.shop.store.customers.get(id)!;
  return Object.fromEntries(customer.meta.filter((m) => m.key.startsWith("rfm_")).map((m) => [m.key, m.value]));
}

const deps = (h: Harness) => ({ db: h.db, api: h.api, now: () => new Date(T0), sleep: noSleep });

async function customerRow(h: Harness, id: number) {
  return (await h.db.prepare(`SELECT written, writeStatus, writeError, writeAttempts FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(h.shopId, wooCustomerKey(id))) as {
    written: string | null;
    writeStatus: string | null;
    writeError: string | null;
    writeAttempts: number;
  };
}

describe("WooCommerce write-back (customer meta through customers/batch)", () => {
  it("GIVEN 250 scored customers WHEN written back THEN 3 batch calls of at most 100 carry the rfm_ meta keys, visible (no underscore)", async () => {
    const h = await harness(250);

    const report = await runWriteback(h.shopId, deps(h));

    expect(h.calls).toEqual([100, 100, 50]);
    expect(report).toMatchObject({ status: "done", mode: "online", requests: 3, customers: { toWrite: 250, written: 250, failed: 0 } });
    expect(storeMeta(h, h.ids[0])).toEqual({
      rfm_persona: "Champions",
      rfm_r_score: "4",
      rfm_f_score: "3",
      rfm_m_score: "2",
      rfm_score: "432",
      rfm_persona_since: "2026-11-01",
      rfm_computed_at: "2026-11-01T06:00:00Z",
    });
    expect(h.ids.every((id) => storeMeta(h, id).rfm_persona === "Champions")).toBe(true);
    expect(PERSONA_META_KEYS.every((k) => !k.startsWith("_"))).toBe(true);
  });

  it("GIVEN a finished write-back WHEN run again with nothing changed THEN nothing is sent; a persona change sends only that customer, with its previous persona", async () => {
    const h = await harness(5);
    await runWriteback(h.shopId, deps(h));
    h.calls.length = 0;

    const again = await runWriteback(h.shopId, deps(h));
    expect(h.calls).toEqual([]);
    expect(again.customers).toMatchObject({ unchanged: 5, toWrite: 0 });

    await score(h.db, h.shopId, [{ key: wooCustomerKey(h.ids[2]), persona: "at-risk", previous: "champions" }]);
    const changed = await runWriteback(h.shopId, deps(h));
    expect(h.calls).toEqual([1]);
    expect(changed.customers).toMatchObject({ toWrite: 1, written: 1 });
    expect(storeMeta(h, h.ids[2])).toMatchObject({ rfm_persona: "At Risk", rfm_previous_persona: "Champions" });
  });

  it("GIVEN a customer who lost their persona WHEN written back THEN every rfm_ key is removed from the store (null deletes) and the merchant's own meta stays", async () => {
    const h = await harness(3);
    h.sim.shop.updateCustomer(h.ids[1], { meta: [{ key: "vip_note", value: "kept" }] });
    await runWriteback(h.shopId, deps(h));
    await score(h.db, h.shopId, [{ key: wooCustomerKey(h.ids[1]), persona: null }]);

    const report = await runWriteback(h.shopId, deps(h));

    expect(report.customers).toMatchObject({ toWrite: 1, written: 1 });
    expect(storeMeta(h, h.ids[1])).toEqual({});
    expect(h.sim.shop.store.customers.get(h.ids[1])!.meta.map((m) => m.key)).toEqual(["vip_note"]);
    expect(parseWritten((await customerRow(h, h.ids[1])).written)?.fields).toEqual({});
  });

  it("GIVEN personas written WHEN all persona data is removed THEN no customer carries an rfm_ key", async () => {
    const h = await harness(120);
    await runWriteback(h.shopId, deps(h));
    h.calls.length = 0;

    const report = await removeAllPersonaData(h.shopId, deps(h));

    expect(h.calls).toEqual([100, 20]);
    expect(report.customers).toMatchObject({ toWrite: 120, written: 120 });
    expect(h.ids.filter((id) => Object.keys(storeMeta(h, id)).length > 0)).toEqual([]);
  });

  it("GIVEN a customer deleted in the store WHEN written back THEN its per-item error is recorded, the rest are written, and the next run retries only it", async () => {
    const h = await harness(4);
    h.sim.shop.deleteCustomer(h.ids[1]);

    const first = await runWriteback(h.shopId, deps(h));

    expect(first.customers).toMatchObject({ toWrite: 4, written: 3, failed: 1 });
    expect(first.errors).toEqual([{ customerKey: wooCustomerKey(h.ids[1]), message: "wc_user_invalid_id: Invalid user ID." }]);
    expect(await customerRow(h, h.ids[1])).toMatchObject({ writeStatus: "failed", writeError: "wc_user_invalid_id: Invalid user ID.", writeAttempts: 1, written: null });
    expect(await customerRow(h, h.ids[0])).toMatchObject({ writeStatus: "ok", writeAttempts: 0 });

    h.calls.length = 0;
    const second = await runWriteback(h.shopId, deps(h));
    expect(h.calls).toEqual([1]);
    expect(second.customers).toMatchObject({ unchanged: 3, toWrite: 1, failed: 1 });
    expect((await customerRow(h, h.ids[1])).writeAttempts).toBe(2);
  });

  it("GIVEN a store answering 503 and 500 at times WHEN written back THEN the calls are retried and every customer is written", async () => {
    const h = await harness(30);
    h.sim.shop.setFaults({ seed: 3, http500Rate: 0.3, http503Rate: 0.3 });

    const report = await runWriteback(h.shopId, { ...deps(h), batchSize: 10 });

    expect(report.retries).toBeGreaterThan(0);
    expect(report.customers).toMatchObject({ written: 30, failed: 0 });
    expect(h.ids.every((id) => storeMeta(h, id).rfm_persona === "Champions")).toBe(true);
  });

  it("GIVEN guests among the scored customers WHEN written back THEN guests are counted and never sent", async () => {
    const h = await harness(2);
    await score(h.db, h.shopId, [{ key: "email:guest@example.test", persona: "loyal", guest: true }]);

    const report = await runWriteback(h.shopId, deps(h));

    expect(report.customers).toMatchObject({ customers: 3, guests: 1, written: 2 });
    expect(h.calls).toEqual([2]);
  });

  it("GIVEN stored credentials WHEN the adapter's writer runs THEN a read/write key writes meta and a read-only key writes nothing and says why", async () => {
    const h = await harness(2);
    const shop = { id: h.shopId, domain: "meta-store.example", platform: "woocommerce" as const, currency: "USD", timezone: "UTC" };
    const ctx = { db: h.db, now: () => new Date(T0) } as Parameters<PersonaWriter["writeback"]>[1];
    const store = async (permissions: "read" | "read_write") => {
      const key = h.sim.shop.addKey({ permissions });
      const credentials = { shopId: h.shopId, siteUrl: h.sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret, webhookSecret: "s", webhooks: {} };
      await saveCredentials(h.db, { ...credentials, keyPermissions: permissions });
    };

    await store("read");
    expect(await createWooCommerceWriter().writeback(shop, ctx, {})).toMatchObject({ status: "disabled", problems: [READ_ONLY_PROBLEM] });
    expect(storeMeta(h, h.ids[0])).toEqual({});

    await store("read_write");
    expect(await createWooCommerceWriter().writeback(shop, ctx, {})).toMatchObject({ status: "done", customers: { written: 2 } });
    expect(storeMeta(h, h.ids[0])).toMatchObject({ rfm_persona: "Champions" });
  });

  it("GIVEN our write echoed back as customer.updated deliveries WHEN they are applied THEN only emails are refreshed: no job is queued and the next run writes nothing", async () => {
    const h = await harness(3);
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const key = h.sim.shop.addKey({ permissions: "read_write" });
    const client = new WooCommerceRestApi({ url: h.sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret, version: "wc/v3" });
    await client.post("webhooks", { topic: "customer.updated", delivery_url: `${receiver.url}/webhooks/woocommerce`, secret: "s" });
    await h.sim.settle();
    receiver.received.length = 0;

    await runWriteback(h.shopId, deps(h));
    await h.sim.settle();

    const echoes = receiver.received.filter((r) => r.headers["x-wc-webhook-topic"] === "customer.updated");
    expect(echoes).toHaveLength(3);
    // The queue of the engine: the embedded one on SQLite, pg-boss on PostgreSQL.
    const boss = isSqlite(h.db) ? null : createPgBossRunner({ db: h.db as never, handlers: {} });
    if (boss) closers.push(async () => void (await boss.stop()));
    const queue = boss?.queue ?? createJobQueue(h.db, () => new Date(T0));
    const store = createOrderStore(h.db);
    const jobsBefore = await queuedJobs(h.db, h.shopId);
    for (const echo of echoes) {
      const body = JSON.parse(echo.rawBody) as { id: number; email: string };
      // What the WooCommerce adapter makes of a customer.updated delivery: the neutral event.
      const outcome = await applyDelivery(
        {
          shopDomain: "meta-store.example",
          eventId: String(echo.headers["x-wc-webhook-delivery-id"]) + body.id,
          topic: "customer.updated",
          events: [{ type: "customer.updated", customerKey: wooCustomerKey(body.id), email: body.email }],
          rawBody: echo.rawBody,
        },
        { db: h.db, store, queue, now: () => new Date(T0) },
      );
      expect(outcome).toBe("processed");
    }
    expect(await queuedJobs(h.db, h.shopId)).toEqual(jobsBefore);
    h.calls.length = 0;
    await runWriteback(h.shopId, deps(h));
    expect(h.calls).toEqual([]);
  });
});
