/**
 * The job interface on pg-boss (PostgreSQL; runs under `npm run test:pg`): debounce per shop,
 * a rerun when asked during a run, transactional enqueue, retries and failed jobs, fairness
 * between job types, graceful stop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type PostgresDb } from "~/db/index.server";
import { deleteShopData } from "~/shops/shop-data.server";
import { JOB_SCHEMA, migrate } from "../../scripts/db.mjs";
import { createDatabase } from "../../scripts/pg-server.mjs";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { postgresAdminUrl } from "../../test/support/postgres";
import { createPgBossRunner, PG_BOSS_SCHEMA } from "./pg-boss.server";
import { dueJobTypes, failedJobs, runningSince } from "./queue.server";
import type { JobHandler, JobType } from "./types";

const runners: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function setup(handlers: Partial<Record<JobType, JobHandler>> = {}, options: { retryLimit?: number; pollingIntervalSeconds?: number } = {}) {
  const { db } = await freshDatabase();
  const pg = db as PostgresDb;
  const runner = createPgBossRunner({ db: pg, handlers, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5, retryLimit: options.retryLimit });
  runners.push(runner);
  await runner.ready();
  const jobs = async (type: JobType, states = ["created", "retry", "active"]) =>
    (await pg.pool.query(`SELECT data->>'shopId' AS shop, data->'payload' AS payload, state FROM pgboss.job WHERE name = $1 AND state = ANY($2) ORDER BY created_on`, [`rfm.${type}`, states])).rows as { shop: string; payload: Record<string, unknown>; state: string }[];
  return { db: pg, runner, jobs };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const waitUntil = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!onPostgres())("jobs on pg-boss", () => {
  it("GIVEN a new database migrated as a deploy does (db:migrate), no process started yet WHEN a shop's dashboard reads its jobs, or the shop is erased THEN it has none and nothing fails", async () => {
    const url = await createDatabase(postgresAdminUrl(), `migrated_${process.pid}_${Date.now()}`);
    await migrate(url);
    const db = openDatabase(url) as PostgresDb;
    try {
      const a = await addShop(db, "a.myshopify.com");

      const read = {
        failed: await failedJobs(db, a),
        due: [...(await dueJobTypes(db, a, ["backfill", "recompute"], new Date()))],
        running: await runningSince(db, a, "backfill"),
      };
      await db.transaction(() => deleteShopData(db, a, "a.myshopify.com"));

      expect(read).toEqual({ failed: [], due: [], running: null });
      expect(await db.prepare(`SELECT count(*)::int FROM "Shop" WHERE id = ?`).pluck().get(a)).toBe(0);
      expect(JOB_SCHEMA).toBe(PG_BOSS_SCHEMA);
    } finally {
      await db.close();
    }
  });

  it("GIVEN a shop's recompute running WHEN asked since when THEN it is no later than the job started, and null once it finished", async () => {
    const hold = gate();
    let startedAt = 0;
    const { db, runner } = await setup({ recompute: async () => void ((startedAt = Date.now()), await hold.opened) });
    const a = await addShop(db, "a.myshopify.com");
    const before = await runningSince(db, a, "recompute");
    runner.start();
    await runner.enqueue("recompute", a);
    await waitUntil("the recompute to start", () => startedAt > 0);

    const during = await runningSince(db, a, "recompute");
    hold.open();
    await waitUntil("the recompute to finish", async () => (await runningSince(db, a, "recompute")) === null);

    expect(before).toBeNull();
    expect(during).not.toBeNull();
    expect(during!).toBeLessThanOrEqual(startedAt);
    await runner.stop();
  });

  it("GIVEN a worker that polls every minute WHEN its own jobs ask for the next (a recompute asks for a write-back) THEN each runs when due, not at the next poll", async () => {
    const ran: { type: string; at: number }[] = [];
    const { db, runner } = await setup(
      {
        recompute: async ({ shopId, queue }) => {
          ran.push({ type: "recompute", at: Date.now() });
          await queue.enqueue("writeback", shopId);
        },
        writeback: async () => void ran.push({ type: "writeback", at: Date.now() }),
      },
      { pollingIntervalSeconds: 60 },
    );
    const a = await addShop(db, "a.myshopify.com");
    await runner.start();
    // The workers' first polls found nothing: from here only a wake-up or a poll a minute later fetches.
    await new Promise((r) => setTimeout(r, 500));

    const asked = Date.now();
    await runner.enqueue("recompute", a, { delayMs: 300 });
    await waitUntil("the write-back to run", () => ran.length === 2, 20_000);

    expect(ran.map((r) => r.type)).toEqual(["recompute", "writeback"]);
    expect(ran[0].at - asked).toBeGreaterThanOrEqual(300);
  });

  it("GIVEN a burst of recomputes for one shop and one for another WHEN enqueued THEN each shop has one queued recompute", async () => {
    const { db, runner, jobs } = await setup();
    const [a, b] = [await addShop(db, "a.myshopify.com"), await addShop(db, "b.myshopify.com")];

    for (let i = 0; i < 3; i++) await runner.enqueue("recompute", a, { delayMs: 10_000, maxWaitMs: 120_000 });
    await runner.enqueue("recompute", b, { delayMs: 10_000 });

    expect((await jobs("recompute")).map((j) => j.shop).sort()).toEqual([a, b].sort());
    await runner.stop();
  });

  it("GIVEN a queued job WHEN enqueued again with a payload and expedite THEN the queued job carries the new payload and runs now", async () => {
    const ran: unknown[] = [];
    const { db, runner, jobs } = await setup({ backfill: async ({ payload }) => void ran.push(payload) });
    const a = await addShop(db, "a.myshopify.com");
    await runner.enqueue("backfill", a, { delayMs: 600_000, payload: { cursor: 1 } });
    expect(await runner.drain()).toBe(0);

    await runner.enqueue("backfill", a, { payload: { cursor: 2 }, expedite: true });

    expect(await jobs("backfill")).toHaveLength(1);
    expect(await runner.drain()).toBe(1);
    expect(ran).toEqual([{ cursor: 2 }]);
  });

  it("GIVEN a job stored without data (as an edit of a job that had just started could store one) WHEN run THEN its handler gets the shop from the job's key, and it completes", async () => {
    const seen: string[] = [];
    const { db, runner, jobs } = await setup({ recompute: async ({ shopId, payload }) => void seen.push(`${shopId} ${JSON.stringify(payload)}`) });
    const a = await addShop(db, "a.myshopify.com");
    await runner.boss.send("rfm.recompute", null as never, { singletonKey: `${a}/` });

    expect(await runner.drain()).toBe(1);

    expect(seen).toEqual([`${a} {}`]);
    expect(await jobs("recompute", ["failed"])).toEqual([]);
  });

  it("GIVEN a recompute running WHEN two more are asked for meanwhile THEN it runs exactly once more afterwards", async () => {
    const g = gate();
    let runs = 0;
    const { db, runner } = await setup({
      recompute: async () => {
        runs++;
        if (runs === 1) await g.opened;
      },
    });
    const a = await addShop(db, "a.myshopify.com");
    await runner.enqueue("recompute", a);
    await runner.start();
    await waitUntil("the first run", () => runs === 1);

    await runner.enqueue("recompute", a);
    await runner.enqueue("recompute", a);
    g.open();

    await waitUntil("the rerun", () => runs === 2);
    await runner.stop();
    expect(runs).toBe(2);
  });

  it("GIVEN an enqueue inside a transaction WHEN the transaction rolls back THEN no job exists; WHEN it commits THEN the job does", async () => {
    const { db, runner, jobs } = await setup();
    const a = await addShop(db, "a.myshopify.com");

    await expect(
      db.transaction(async () => {
        await runner.enqueue("writeback", a);
        throw new Error("the caller's write failed");
      }),
    ).rejects.toThrow("the caller's write failed");
    expect(await jobs("writeback")).toEqual([]);

    await db.transaction(() => runner.enqueue("writeback", a));
    expect(await jobs("writeback")).toHaveLength(1);
    await runner.stop();
  });

  it("GIVEN a web process whose first requests all enqueue inside transactions, more of them than its pool has connections WHEN pg-boss has not started yet THEN every transaction commits with its job", async () => {
    const { db } = await freshDatabase();
    const pg = db as PostgresDb;
    const a = await addShop(db, "a.myshopify.com");
    const runner = createPgBossRunner({ db: pg, handlers: {} });
    runners.push(runner);
    const many = pg.pool.options.max! * 2;

    await Promise.all(Array.from({ length: many }, (_, i) => db.transaction(() => runner.enqueue("writeback", a, { key: `k${i}` }))));

    expect((await pg.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'rfm.writeback'`)).rows[0].n).toBe(many);
  });

  it("GIVEN a job that fails with no retries left WHEN run THEN it is listed as failed with its error until a later run of its type succeeds", async () => {
    let fail = true;
    const { db, runner } = await setup(
      {
        sweep: async () => {
          if (fail) throw new Error("store unreachable");
        },
      },
      { retryLimit: 0 },
    );
    const a = await addShop(db, "a.myshopify.com");
    await runner.enqueue("sweep", a);
    await runner.drain();

    expect(await runner.failed(a)).toEqual([expect.objectContaining({ type: "sweep", attempts: 1, lastError: "store unreachable" })]);

    fail = false;
    await runner.enqueue("sweep", a);
    await runner.drain();
    expect(await runner.failed(a)).toEqual([]);
  });

  it("GIVEN a long backfill running for one shop WHEN another shop's recompute is queued THEN the recompute runs meanwhile", async () => {
    const g = gate();
    const done: string[] = [];
    const { db, runner } = await setup({
      backfill: async () => {
        await g.opened;
        done.push("backfill");
      },
      recompute: async ({ shopId }) => void done.push(`recompute ${shopId}`),
    });
    const [big, small] = [await addShop(db, "big.myshopify.com"), await addShop(db, "small.myshopify.com")];
    await runner.enqueue("backfill", big);
    await runner.enqueue("backfill", small, { key: "second" });
    await runner.start();

    await runner.enqueue("recompute", small);
    await waitUntil("the small shop's recompute", () => done.includes(`recompute ${small}`));
    expect(done).toEqual([`recompute ${small}`]);

    g.open();
    await runner.stop();
  });

  it("GIVEN six shops' write-backs waiting on their stores in one worker (a first write-back waits on the rate limit for a minute) WHEN another shop's persona changes THEN its write-back runs meanwhile", async () => {
    const g = gate();
    const started: string[] = [];
    const { db, runner } = await setup({
      writeback: async ({ shopId }) => {
        started.push(shopId);
        if (shopId !== "shop_fresh") await g.opened;
      },
    });
    const busy = await Promise.all(Array.from({ length: 6 }, (_, i) => addShop(db, `busy${i}.myshopify.com`)));
    const fresh = await addShop(db, "fresh.myshopify.com");
    for (const shop of busy) await runner.enqueue("writeback", shop);
    await runner.start();
    await waitUntil("the six write-backs to start", () => started.length === 6);

    await runner.enqueue("writeback", fresh);

    await waitUntil("the fresh shop's write-back", () => started.includes(fresh), 10_000);
    g.open();
    await runner.stop();
  });

  it("GIVEN a job in flight WHEN the runner stops THEN the job finishes before stop resolves", async () => {
    const g = gate();
    let finished = false;
    const { db, runner } = await setup({
      writeback: async () => {
        await g.opened;
        finished = true;
      },
    });
    const a = await addShop(db, "a.myshopify.com");
    await runner.enqueue("writeback", a);
    await runner.start();
    await waitUntil("the job to start", async () => (await db.pool.query(`SELECT 1 FROM pgboss.job WHERE name = 'rfm.writeback' AND state = 'active'`)).rowCount === 1);

    const stopping = runner.stop({ timeoutMs: 10_000 });
    setTimeout(g.open, 200);
    expect(await stopping).toEqual({ finished: 1, released: 0 });
    expect(finished).toBe(true);
  });
});
