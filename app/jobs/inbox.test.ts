/**
 * The webhook inbox: deliveries stored in one write, applied later in arrival order and in
 * batches; nothing stored is lost, whatever happens between storing and applying.
 */
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSqlite, type Db } from "~/db/index.server";
import type { CanonicalOrder } from "~/rfm/order";
import { applyInbox, BUSY_AFTER_MS, BUSY_RETRY_MS, INBOX_BATCH, INBOX_MAX_ATTEMPTS, LATE_COMMITS, INBOX_SHOP, pendingCount, resumeInbox, runApplyInbox, storeDelivery, WAKE_DELAY_MS, wakeApplier } from "~/sync/inbox.server";
import { applyDelivery } from "~/sync/apply-events.server";
import { createOrderStore } from "~/sync/order-store.server";
import type { OrderSource, VerifiedDelivery } from "~/platforms/types";
import { REREAD_JOB_KEY, runRereads } from "~/sync/reread.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { createPgBossRunner, pendingPgBossJobs } from "./pg-boss.server";
import { createJobRunner } from "./queue.server";
import type { JobHandler, JobQueue, JobRunner } from "./types";

const runners: JobRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function runnerOn(db: Db, handlers: Partial<Record<"apply-inbox" | "recompute" | "refresh-order", JobHandler>> = {}): JobRunner {
  const runner = isSqlite(db) ? createJobRunner({ db, handlers }) : createPgBossRunner({ db: db as never, handlers });
  runners.push(runner);
  return runner;
}

function order(id: number, version: number, totalMinor = 1000 * version): CanonicalOrder {
  const at = new Date(Date.UTC(2026, 5, 1, 10, version)).toISOString();
  return {
    platform: "shopify",
    id: `gid://shopify/Order/${id}`,
    customerKey: `gid://shopify/Customer/${id % 7}`,
    guest: false,
    processedAt: new Date(Date.UTC(2026, 5, 1)).toISOString(),
    updatedAt: at,
    currency: "USD",
    totalMinor,
    refundedMinor: 0,
    channel: "web",
    pos: false,
    subscription: false,
    test: false,
    cancelled: false,
    tags: [],
    lineItems: [{ id: `gid://shopify/LineItem/${id}`, quantity: 1, unitPriceMinor: totalMinor, totalMinor, subscription: false }],
  };
}

function delivery(shopDomain: string, o: CanonicalOrder, eventId = `${o.id}@${o.updatedAt}`): VerifiedDelivery {
  return { shopDomain, eventId, topic: "orders/updated", events: [{ type: "order.upserted", order: o, awaitsReread: false }], rawBody: "" };
}

async function setup() {
  const { db } = await freshDatabase();
  const a = await addShop(db, "a.myshopify.com");
  const b = await addShop(db, "b.myshopify.com");
  const store = createOrderStore(db);
  const runner = runnerOn(db);
  return { db, a, b, store, runner, deps: { db, store, queue: runner.queue } };
}

/** apply-inbox jobs waiting to run, on either backend. */
const queuedApplications = async (db: Db) =>
  isSqlite(db)
    ? Number(await db.prepare(`SELECT count(*) FROM "Job" WHERE type = 'apply-inbox' AND status = 'pending'`).pluck().get())
    : pendingPgBossJobs(db as never, "apply-inbox", INBOX_SHOP);

const totals = async (db: Db, shopId: string) =>
  (await db.prepare(`SELECT id, totalMinor FROM "Order" WHERE shopId = ? ORDER BY id`).raw().all(shopId)) as [string, number][];

describe("webhook inbox", () => {
  it("GIVEN a delivery stored WHEN nothing has applied it yet THEN it is one pending inbox row, the data untouched, and its application queued", async () => {
    const { db, a, runner } = await setup();

    const id = await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(1, 1)));

    expect(id).toBeGreaterThan(0);
    expect(await pendingCount(db)).toBe(1);
    expect(await totals(db, a)).toEqual([]);
    await wakeApplier(runner.queue);
    if (isSqlite(db)) {
      expect(await db.prepare(`SELECT shopId, type, status FROM "Job"`).all()).toEqual([{ shopId: INBOX_SHOP, type: "apply-inbox", status: "pending" }]);
    }
  });

  it("GIVEN 40 deliveries of one shop WHEN each is stored THEN each is one pending row and nothing is enqueued per delivery; WHEN the burst's one wake-up comes THEN a single apply-inbox job applies all 40 in arrival order", async () => {
    const { db, a } = await setup();
    const store = createOrderStore(db);
    let applications = 0;
    const runner = runnerOn(db, {
      "apply-inbox": async ({ queue }) => {
        applications++;
        await runApplyInbox({ db, store, queue });
      },
      recompute: async () => {},
      "refresh-order": async () => {},
    });
    // The real queue, counting what receipt asks of it.
    const asked: string[] = [];
    const queue: JobQueue = { enqueue: (type, shopId, options) => (asked.push(type), runner.queue.enqueue(type, shopId, options)) };

    // The burst arrives within one wake-up window (the clock stands still while it does).
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const ids: number[] = [];
    let woken: Promise<void>;
    try {
      for (let version = 1; version <= 40; version++) ids.push(await storeDelivery(db, queue, "shopify", delivery("a.myshopify.com", order(1, version))));

      expect(new Set(ids).size).toBe(40);
      expect(await pendingCount(db)).toBe(40);
      expect(asked).toEqual([]);
      expect(await queuedApplications(db)).toBe(0);

      woken = wakeApplier(queue); // the burst's one wake-up, still waiting
      vi.advanceTimersByTime(WAKE_DELAY_MS);
    } finally {
      vi.useRealTimers();
    }
    await woken;

    expect(asked).toEqual(["apply-inbox"]);
    expect(await queuedApplications(db)).toBe(1);

    await runner.drain();

    expect(applications).toBe(1);
    expect(await pendingCount(db)).toBe(0);
    // Applied oldest first: every version was newer than the one before (none stale), the last one holds.
    expect(await db.prepare(`SELECT outcome FROM "WebhookInbox" ORDER BY id`).pluck().all()).toEqual(Array(40).fill("processed"));
    expect(await totals(db, a)).toEqual([["gid://shopify/Order/1", 40_000]]);
  });

  it("GIVEN 30 deliveries arriving together WHEN stored THEN each caller gets its own row, in arrival order, and those that arrived while an insert was on its way share the next one", async () => {
    const { db, runner } = await setup();
    const sent = Array.from({ length: 30 }, (_, i) => delivery("a.myshopify.com", order(i + 1, 1)));

    const ids = await Promise.all(sent.map((d) => storeDelivery(db, runner.queue, "shopify", d)));

    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    const rows = (await db.prepare(`SELECT id, eventId FROM "WebhookInbox" ORDER BY id`).raw().all()) as [number, string][];
    expect(rows).toEqual(ids.map((id, i) => [id, sent[i].eventId]));
    if (!isSqlite(db)) {
      // Rows one statement inserted share its transaction id: the first insert, then one for the other 29.
      const inserts = await db.prepare(`SELECT count(DISTINCT xmin::text) FROM "WebhookInbox"`).pluck().get();
      expect(inserts).toBe(2);
    }
  });

  it("GIVEN the inbox cannot be written WHEN deliveries arrive together THEN every one of them is refused (none answered as stored); WHEN it can be again THEN the next delivery is stored", async () => {
    const { db, runner } = await setup();
    await db.exec(`ALTER TABLE "WebhookInbox" RENAME TO "WebhookInboxAway"`);

    const tried = await Promise.allSettled([1, 2, 3].map((n) => storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(n, 1)))));

    expect(tried.map((t) => t.status)).toEqual(["rejected", "rejected", "rejected"]);
    await db.exec(`ALTER TABLE "WebhookInboxAway" RENAME TO "WebhookInbox"`);
    const id = await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(4, 1)));
    expect(await db.prepare(`SELECT eventId FROM "WebhookInbox" WHERE id = ?`).pluck().get(id)).toBe(delivery("a.myshopify.com", order(4, 1)).eventId);
    expect(await pendingCount(db)).toBe(1);
  });

  it("GIVEN 40 order deliveries of one shop WHEN applied in one batch THEN the shop's recompute and its re-read job are asked for once, every order wanted; WHEN that job runs THEN every order of the burst is verified", async () => {
    const { db, a, runner } = await setup();
    const store = createOrderStore(db);
    const announced = new Map<string, CanonicalOrder>();
    for (let i = 1; i <= 40; i++) {
      const o = order(i, 1);
      announced.set(o.id, o);
      await storeDelivery(db, runner.queue, "shopify", { ...delivery("a.myshopify.com", o), events: [{ type: "order.upserted", order: o, awaitsReread: true }] });
    }
    const asked: string[] = [];
    const queue: JobQueue = { enqueue: (type, shopId, options) => (asked.push(`${type} ${options?.key ?? ""}`), runner.queue.enqueue(type, shopId, options)) };

    const report = await applyInbox({ db, store, queue }, { batch: 40, holdMs: Infinity });

    expect(report).toMatchObject({ applied: 40, failed: 0 });
    expect(asked.filter((a) => a.startsWith("recompute"))).toEqual(["recompute "]);
    expect(asked.filter((a) => a.startsWith("refresh-order"))).toEqual([`refresh-order ${REREAD_JOB_KEY}`]);
    expect(await db.prepare(`SELECT orderId FROM "RereadWanted" WHERE shopId = ?`).pluck().all(a)).toHaveLength(40);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().get(a)).toBe(40);

    // The store's API as a re-read sees it: the orders as announced, read together.
    const reads: string[][] = [];
    const api: Pick<OrderSource, "refetchOrders"> = {
      async refetchOrders(_shop, wanted) {
        reads.push(wanted.map((w) => w.orderId));
        const { each } = await store.upsertOrders(a, wanted.map((w) => announced.get(w.orderId)!));
        return each.map((e) => (e === "written" ? "written" : "unchanged"));
      },
    };
    const shop = { id: a, domain: "a.myshopify.com", platform: "shopify", currency: "USD", timezone: "UTC" } as const;
    const run = await runRereads(shop, api, { db, store, queue, prisma: undefined as never }, {});

    expect(run).toMatchObject({ served: 40, changed: 40, more: false });
    expect(reads.map((r) => r.length)).toEqual([40]);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().get(a)).toBe(0);
    expect(await db.prepare(`SELECT count(*) FROM "RereadWanted" WHERE shopId = ?`).pluck().get(a)).toBe(0);
  });

  it("GIVEN versions of orders of two shops stored interleaved WHEN applied THEN every one is applied, in arrival order, in batches, and the newest version wins", async () => {
    const { db, a, b, runner, deps } = await setup();
    const n = INBOX_BATCH * 2 + 7;
    for (let i = 0; i < n; i++) {
      const shop = i % 2 ? "b.myshopify.com" : "a.myshopify.com";
      // Orders 1..5 of each shop, each updated several times, oldest version first.
      await storeDelivery(db, runner.queue, "shopify", delivery(shop, order((i % 5) + 1, Math.floor(i / 2) + 1)));
    }

    const report = await applyInbox(deps);

    expect(report).toMatchObject({ applied: n, failed: 0 });
    expect(await pendingCount(db)).toBe(0);
    expect(new Set(report.outcomes.values())).toEqual(new Set(["processed"]));
    // Each order holds the version that arrived last for it.
    const last = (shop: number) => {
      const expected = new Map<string, number>();
      for (let i = 0; i < n; i++) if (i % 2 === shop) expected.set(`gid://shopify/Order/${(i % 5) + 1}`, 1000 * (Math.floor(i / 2) + 1));
      return [...expected.entries()].sort(([x], [y]) => x.localeCompare(y));
    };
    expect(await totals(db, a)).toEqual(last(0));
    expect(await totals(db, b)).toEqual(last(1));
    // Applied rows keep what happened and no customer data.
    const applied = (await db.prepare(`SELECT outcome, events FROM "WebhookInbox" ORDER BY id`).raw().all()) as string[][];
    expect(applied).toEqual(Array(n).fill(["processed", "[]"]));
  });

  it("GIVEN customer updates of two shops — emails changed, changed twice, withheld, removed, unchanged, and a delivery sent twice WHEN the inbox applies them in runs THEN every email and outcome is what applying them one by one gives", async () => {
    const together = await setup();
    const oneByOne = await setup();
    const customers = 12;
    for (const { db, a, b } of [together, oneByOne]) {
      for (const shopId of [a, b]) {
        for (let c = 0; c < customers; c++) {
          await db
            .prepare(`INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, scoredAt, email) VALUES (?, ?, ?, 0, 0, ?, ?)`)
            .run(shopId, `gid://shopify/Customer/${c}`, false, new Date(), `c${c}@example.com`);
        }
      }
    }
    // Runs of one shop's updates, broken by the other shop's; each customer's last word wins.
    const emailOf = (n: number) => (n % 5 === 0 ? undefined : n % 7 === 0 ? null : n % 3 === 0 ? `c${n % customers}@example.com` : `new${n}@example.com`);
    const deliveries: VerifiedDelivery[] = [];
    for (let n = 0; n < 3 * INBOX_BATCH; n++) {
      const shopDomain = Math.floor(n / 10) % 2 ? "b.myshopify.com" : "a.myshopify.com";
      const d: VerifiedDelivery = { shopDomain, eventId: `update-${n}`, topic: "customers/update", events: [{ type: "customer.updated", customerKey: `gid://shopify/Customer/${n % customers}`, email: emailOf(n) }], rawBody: "" };
      deliveries.push(d);
      if (n === 17) deliveries.push(d);
    }
    for (const d of deliveries) await storeDelivery(together.db, together.runner.queue, "shopify", d);

    // (every statement the applier prepares, seen on its way to the database)
    const statements: string[] = [];
    const watched = new Proxy(together.db, {
      get: (target, key, receiver) =>
        key === "prepare" ? (sql: string) => (statements.push(sql), target.prepare(sql)) : Reflect.get(target, key, receiver),
    });
    const { outcomes } = await applyInbox({ ...together.deps, db: watched });
    const expected: string[] = [];
    for (const d of deliveries) expected.push(await applyDelivery(d, oneByOne.deps));

    expect([...outcomes.values()]).toEqual(expected);
    expect(expected.filter((o) => o === "duplicate")).toHaveLength(1);
    const emails = async ({ db }: { db: Db }) => db.prepare(`SELECT shopId, customerKey, email FROM "Customer" ORDER BY shopId, customerKey`).raw().all();
    expect(await emails(together)).toEqual(await emails(oneByOne));
    expect(await pendingCount(together.db)).toBe(0);
    // A run of a shop's updates costs one shop lookup and one email update, not one each per delivery.
    const count = (prefix: RegExp) => statements.filter((sql) => prefix.test(sql.trim())).length;
    expect(count(/^SELECT id, (platform, )?uninstalledAt FROM "Shop"/)).toBeLessThanOrEqual(12);
    expect(count(/^(WITH v|UPDATE "Customer")/)).toBeLessThanOrEqual(12);
  });

  it("GIVEN the same delivery stored twice WHEN applied THEN the second is a duplicate and nothing is applied twice", async () => {
    const { db, a, runner, deps } = await setup();
    const d = delivery("a.myshopify.com", order(1, 1));
    await storeDelivery(db, runner.queue, "shopify", d);
    await storeDelivery(db, runner.queue, "shopify", d);

    const { outcomes } = await applyInbox(deps);

    expect([...outcomes.values()]).toEqual(["processed", "duplicate"]);
    expect(await totals(db, a)).toEqual([["gid://shopify/Order/1", 1000]]);
  });

  it("GIVEN a delivery that cannot be applied WHEN the inbox is applied THEN the shop's later deliveries wait for it, other shops go on, and after the last attempt it is set aside as failed", async () => {
    const { db, a, b, runner, deps } = await setup();
    await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(1, 1)));
    // Stored by an older version of the app in a shape this one cannot read.
    await db
      .prepare(`INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts) VALUES ('shopify', 'a.myshopify.com', 'broken', 'orders/updated', '{not json', ?, 0)`)
      .run(new Date());
    await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(2, 1)));
    await storeDelivery(db, runner.queue, "shopify", delivery("b.myshopify.com", order(3, 1)));

    const first = await applyInbox(deps);

    expect(first).toMatchObject({ applied: 2, failed: 1 });
    expect(await totals(db, a)).toEqual([["gid://shopify/Order/1", 1000]]); // order 2 waits behind the broken one
    expect(await totals(db, b)).toEqual([["gid://shopify/Order/3", 1000]]);

    for (let i = 1; i < INBOX_MAX_ATTEMPTS; i++) await applyInbox(deps);

    expect(await db.prepare(`SELECT outcome, attempts FROM "WebhookInbox" WHERE eventId = 'broken'`).get()).toEqual({ outcome: "failed", attempts: INBOX_MAX_ATTEMPTS });
    expect(await totals(db, a)).toEqual([["gid://shopify/Order/1", 1000], ["gid://shopify/Order/2", 1000]]);
    expect(await pendingCount(db)).toBe(0);
  });

  it("GIVEN many customer updates pending WHEN the inbox applies them THEN each look of the fast lane reads only what was stored since the look before (and a few ids again), never from the start", async () => {
    const { db, runner, deps } = await setup();
    const pending = 3 * LATE_COMMITS;
    for (let n = 0; n < pending; n++) {
      await storeDelivery(db, runner.queue, "shopify", { shopDomain: "a.myshopify.com", eventId: `echo-${n}`, topic: "customers/update", events: [{ type: "customer.updated", customerKey: `gid://shopify/Customer/${n}`, email: undefined }], rawBody: "" });
    }
    // (the fast lane's looks — from which id, up to which — seen on their way to the database)
    const looks: [from: number, to: number][] = [];
    const watched = new Proxy(db, {
      get: (target, key, receiver) =>
        key === "prepare"
          ? (sql: string) => {
              const statement = target.prepare(sql);
              if (!/events NOT LIKE/.test(sql)) return statement;
              return new Proxy(statement, {
                get: (s, k, r) => (k === "all" ? (...args: unknown[]) => (looks.push([Number(args[0]), Number(args[1])]), s.all(...args)) : Reflect.get(s, k, r)),
              });
            }
          : Reflect.get(target, key, receiver),
    });

    const report = await applyInbox({ ...deps, db: watched });

    expect(report.applied).toBe(pending);
    expect(looks.length).toBeGreaterThan(pending / INBOX_BATCH);
    const newest = looks[0][1];
    expect(looks[0][0]).toBe(0);
    for (const [from] of looks.slice(1)) expect(from).toBeGreaterThanOrEqual(newest - LATE_COMMITS);
  });

  it("GIVEN a run that left a failed delivery for a retry in a few seconds WHEN new deliveries arrive THEN their wake-up brings that one job forward: never a second applier beside it", async () => {
    const { db, runner, deps } = await setup();
    await db
      .prepare(`INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts) VALUES ('shopify', 'a.myshopify.com', 'broken', 'orders/updated', '{not json', ?, 0)`)
      .run(new Date());
    await runApplyInbox(deps);
    /** When each queued apply-inbox job may run (epoch ms), on either backend. */
    const due = async () =>
      ((await db
        .prepare(
          isSqlite(db)
            ? `SELECT runAt FROM "Job" WHERE type = 'apply-inbox' AND status = 'pending'`
            : `SELECT start_after FROM pgboss.job WHERE name = 'rfm.apply-inbox' AND state IN ('created', 'retry')`,
        )
        .pluck()
        .all()) as (number | Date)[]).map(Number);
    expect(await due()).toHaveLength(1);
    expect((await due())[0]).toBeGreaterThan(Date.now() + 1_000);

    await storeDelivery(db, runner.queue, "shopify", delivery("b.myshopify.com", order(3, 1)));
    await wakeApplier(runner.queue);

    const queued = await due();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toBeLessThanOrEqual(Date.now());
  });

  it("GIVEN deliveries stored and the process gone before applying them, its queued job lost too WHEN a process starts running jobs THEN they are applied", async () => {
    const { db, a } = await setup();
    // The worst case: the process died before its wake-up went out; only the inbox remains.
    const gone: JobQueue = { enqueue: async () => {} };
    await storeDelivery(db, gone, "shopify", delivery("a.myshopify.com", order(1, 1)));
    await storeDelivery(db, gone, "shopify", delivery("a.myshopify.com", order(2, 1)));
    await wakeApplier(gone);
    expect(await queuedApplications(db)).toBe(0);

    const store = createOrderStore(db);
    const handler: JobHandler = ({ queue }) => runApplyInbox({ db, store, queue });
    const next = runnerOn(db, { "apply-inbox": handler, recompute: async () => {}, "refresh-order": async () => {} });
    await resumeInbox(db, next.queue);
    await next.drain({ includeDelayed: true });

    expect(await pendingCount(db)).toBe(0);
    expect(await totals(db, a)).toEqual([["gid://shopify/Order/1", 1000], ["gid://shopify/Order/2", 1000]]);
  });
});

describe.skipIf(!onPostgres())("webhook inbox beside a long transaction (PostgreSQL)", () => {
  /** Shop a with one customer, and another connection whose open transaction holds that customer's row (as a large recompute or write-back would). */
  async function customerHeldElsewhere() {
    const { db, url } = await freshDatabase();
    const a = await addShop(db, "a.myshopify.com");
    const runner = runnerOn(db);
    const deps = { db, store: createOrderStore(db), queue: runner.queue };
    await db.prepare(`INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona) VALUES (?, 'gid://shopify/Customer/1', false, 1, 100, 'loyal')`).run(a);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("BEGIN");
    await other.query(`UPDATE "Customer" SET frequency = 2 WHERE "shopId" = $1`, [a]);
    return { db, a, runner, deps, other };
  }

  it("GIVEN another transaction holding a customer of shop a (a large recompute or write-back writing it) WHEN deliveries of a and b are applied THEN b's are applied at once, a's wait pending with no attempt counted and the applier comes back for them soon; WHEN the transaction ends THEN a's are applied in order", async () => {
    const { db, a, runner, deps, other } = await customerHeldElsewhere();
    await addShop(db, "b.myshopify.com");
    const emailChange = (email: string, n: number): VerifiedDelivery => ({
      shopDomain: "a.myshopify.com",
      eventId: `email-${n}`,
      topic: "customers/update",
      events: [{ type: "customer.updated", customerKey: "gid://shopify/Customer/1", email }],
      rawBody: "",
    });
    try {
      await storeDelivery(db, runner.queue, "shopify", emailChange("first@example.com", 1));
      await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(1, 1)));
      await storeDelivery(db, runner.queue, "shopify", emailChange("second@example.com", 2));
      await storeDelivery(db, runner.queue, "shopify", delivery("b.myshopify.com", order(2, 1)));

      // WHEN
      const startedAt = Date.now();
      await runApplyInbox(deps);
      const tookMs = Date.now() - startedAt;

      // THEN: b's order is in; a's email changes wait (its order, which overtakes echoes, is in too), no attempt spent.
      expect(tookMs).toBeLessThan(BUSY_AFTER_MS * 10);
      expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE id = ?`).pluck().get("gid://shopify/Order/2")).toBe(1);
      const waiting = await db.prepare(`SELECT eventId, attempts, lastError FROM "WebhookInbox" WHERE appliedAt IS NULL ORDER BY id`).all();
      expect(waiting).toEqual([
        { eventId: "email-1", attempts: 0, lastError: null },
        { eventId: "email-2", attempts: 0, lastError: null },
      ]);
      const retry = (await db
        .prepare(`SELECT start_after FROM pgboss.job WHERE name = 'rfm.apply-inbox' AND singleton_key = ? AND state = 'created'`)
        .pluck()
        .get(`${INBOX_SHOP}/`)) as number;
      expect(retry - startedAt).toBeLessThanOrEqual(BUSY_RETRY_MS + tookMs + 1_000);

      // WHEN the other transaction ends, the next run applies a's deliveries, in order.
      await other.query("COMMIT");
      await applyInbox(deps);
      expect(await pendingCount(db)).toBe(0);
      expect(await db.prepare(`SELECT email FROM "Customer" WHERE shopId = ?`).pluck().get(a)).toBe("second@example.com");
    } finally {
      await other.end();
    }
  });

  it("GIVEN shop a's customer held by another transaction and a's deliveries kept in arrival order (a data request first) WHEN applied THEN a's order after the busy customer update still goes, while a's later data request waits behind it, and so does a's order after that; WHEN the transaction ends THEN everything is applied", async () => {
    const { db, a, runner, deps, other } = await customerHeldElsewhere();
    const a_ = (eventId: string, events: VerifiedDelivery["events"]): VerifiedDelivery => ({ shopDomain: "a.myshopify.com", eventId, topic: "t", events, rawBody: "" });
    const dataRequest = (n: number) =>
      a_(`request-${n}`, [{ type: "customer.dataRequest", requestId: `r${n}`, customerKey: "gid://shopify/Customer/1", email: null, orderIds: [] }]);
    try {
      // The data request is not about orders: it keeps a's deliveries in arrival order, out of the fast lane.
      await storeDelivery(db, runner.queue, "shopify", dataRequest(1));
      await storeDelivery(db, runner.queue, "shopify", a_("email", [{ type: "customer.updated", customerKey: "gid://shopify/Customer/1", email: "new@example.com" }]));
      await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(3, 1)));
      await storeDelivery(db, runner.queue, "shopify", dataRequest(2));
      await storeDelivery(db, runner.queue, "shopify", delivery("a.myshopify.com", order(5, 1)));

      const report = await applyInbox(deps);

      expect(report.busy).toBe(1);
      expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE id = ?`).pluck().get("gid://shopify/Order/3")).toBe(1);
      // The order after the waiting data request waits too: nothing overtakes a delivery that is not about orders.
      expect(await db.prepare(`SELECT eventId FROM "WebhookInbox" WHERE appliedAt IS NULL ORDER BY id`).pluck().all()).toEqual(["email", "request-2", delivery("a.myshopify.com", order(5, 1)).eventId]);

      await other.query("COMMIT");
      await applyInbox(deps);
      expect(await pendingCount(db)).toBe(0);
      expect(await db.prepare(`SELECT email FROM "Customer" WHERE shopId = ?`).pluck().get(a)).toBe("new@example.com");
    } finally {
      await other.end();
    }
  });
});
