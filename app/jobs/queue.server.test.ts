import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { createJobRunner, runningSince, type JobHandler } from "./queue.server";

async function until(done: () => boolean, ms = 5_000) {
  for (const end = Date.now() + ms; !done(); ) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}

function clock(start = Date.parse("2026-06-01T00:00:00Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe("job queue and in-process runner", () => {
  it("GIVEN a burst of enqueues for one shop WHEN debounced THEN one job runs, no later than the max wait", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    const runs: number[] = [];
    const runner = createJobRunner({ db, now: c.now, handlers: { recompute: async () => void runs.push(c.now().getTime()) } });

    for (let i = 0; i < 5; i++) {
      await runner.enqueue("recompute", shop, { delayMs: 10_000, maxWaitMs: 25_000 });
      c.advance(8_000);
    }
    // 40 s of webhooks: the job was pushed along but capped at 25 s after the first.
    expect(await runner.drain()).toBe(1);
    expect(runs).toEqual([Date.parse("2026-06-01T00:00:40Z")]);
    expect(await db.prepare(`SELECT runAt FROM "Job"`).pluck().get()).toBe(Date.parse("2026-06-01T00:00:25Z"));
  });

  it("GIVEN jobs for two shops WHEN run THEN one shop's jobs never overlap and shops run side by side", async () => {
    const { db } = await freshDatabase();
    const a = await addShop(db, "a.myshopify.com");
    const b = await addShop(db, "b.myshopify.com");
    let running = new Map<string, number>();
    let maxPerShop = 0;
    let maxTotal = 0;
    const handler: JobHandler = async ({ shopId }) => {
      running.set(shopId, (running.get(shopId) ?? 0) + 1);
      maxPerShop = Math.max(maxPerShop, running.get(shopId)!);
      maxTotal = Math.max(maxTotal, [...running.values()].reduce((x, y) => x + y, 0));
      await new Promise((r) => setTimeout(r, 5));
      running.set(shopId, running.get(shopId)! - 1);
    };
    const runner = createJobRunner({ db, handlers: { recompute: handler, sweep: handler } });
    for (const shop of [a, b]) {
      await runner.enqueue("recompute", shop);
      await runner.enqueue("sweep", shop);
    }

    expect(await runner.drain()).toBe(4);
    expect(maxPerShop).toBe(1);
    expect(maxTotal).toBe(2);
    running = new Map();
  });

  it("GIVEN a shop's write-back still writing to the store WHEN the same shop's re-read and recompute are due THEN they run beside it, while a second write-back waits for the first", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const events: string[] = [];
    let releaseWrite!: () => void;
    const writing = new Promise<void>((r) => (releaseWrite = r));
    let writebacks = 0;
    const runner = createJobRunner({
      db,
      pollMs: 5,
      handlers: {
        writeback: async () => {
          const n = ++writebacks;
          events.push(`writeback ${n} start`);
          if (n === 1) await writing;
          events.push(`writeback ${n} end`);
        },
        "refresh-order": async () => void events.push("refresh-order"),
        recompute: async () => {
          events.push("recompute");
          await runner.enqueue("writeback", shop);
        },
      },
    });
    await runner.enqueue("writeback", shop);
    runner.start();
    await until(() => events.includes("writeback 1 start"));

    await runner.enqueue("refresh-order", shop, { key: "o1" });
    await runner.enqueue("recompute", shop);
    await until(() => events.includes("recompute"));
    await new Promise((r) => setTimeout(r, 50));
    const whileWriting = [...events];
    releaseWrite();
    await until(() => events.includes("writeback 2 end"));
    await runner.stop();

    expect(whileWriting).toEqual(["writeback 1 start", "refresh-order", "recompute"]);
    expect(events).toEqual([...whileWriting, "writeback 1 end", "writeback 2 start", "writeback 2 end"]);
  });

  it("GIVEN a due recompute and re-reads queued after it WHEN each re-read asks for the recompute again (no delay) THEN the recompute keeps its place and runs before the later re-reads", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    const ran: string[] = [];
    const runner = createJobRunner({
      db,
      now: c.now,
      handlers: {
        recompute: async () => void ran.push("recompute"),
        "refresh-order": async ({ payload }) => void ran.push(`re-read ${payload.n}`),
      },
    });
    await runner.enqueue("recompute", shop);
    for (let n = 1; n <= 3; n++) {
      c.advance(500);
      await runner.enqueue("refresh-order", shop, { key: `o${n}`, payload: { n } });
      await runner.enqueue("recompute", shop);
    }

    await runner.drain();

    expect(ran).toEqual(["recompute", "re-read 1", "re-read 2", "re-read 3"]);
  });

  it("GIVEN a shop's recompute running WHEN asked since when THEN it is its claim time, no later than the job started, and null once it finished", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let startedAt = 0;
    const runner = createJobRunner({ db, pollMs: 5, handlers: { recompute: async () => void ((startedAt = Date.now()), await held) } });
    const before = await runningSince(db, shop, "recompute");
    await runner.enqueue("recompute", shop);
    runner.start();
    await until(() => startedAt > 0);

    const during = await runningSince(db, shop, "recompute");
    release();
    await runner.stop();

    expect(before).toBeNull();
    expect(during).not.toBeNull();
    expect(during!).toBeLessThanOrEqual(startedAt);
    expect(await runningSince(db, shop, "recompute")).toBeNull();
  });

  it("GIVEN a failing job WHEN run THEN it is retried with backoff and finally marked failed with its error", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    let attempts = 0;
    const runner = createJobRunner({
      db,
      now: c.now,
      maxAttempts: 3,
      backoffMs: (n) => n * 1000,
      handlers: {
        sweep: async () => {
          attempts++;
          throw new Error("store unreachable");
        },
      },
    });
    await runner.enqueue("sweep", shop);

    await runner.drain();
    expect(attempts).toBe(1);
    c.advance(1000);
    await runner.drain();
    c.advance(2000);
    await runner.drain();

    expect(attempts).toBe(3);
    expect(await db.prepare(`SELECT status, attempts, lastError FROM "Job"`).get()).toEqual({
      status: "failed",
      attempts: 3,
      lastError: "store unreachable",
    });
  });

  it("GIVEN a job left running by a crash before leases existed WHEN a runner starts THEN the job runs again", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const first = createJobRunner({ db, handlers: {} });
    await first.enqueue("recompute", shop);
    await db.prepare(`UPDATE "Job" SET status = 'running'`).run(); // the process died mid-job, no lease recorded

    let ran = 0;
    const second = createJobRunner({ db, handlers: { recompute: async () => void ran++ } });
    second.start();
    await second.stop();
    await second.drain();

    expect(ran).toBe(1);
    expect(await db.prepare(`SELECT status FROM "Job"`).pluck().get()).toBe("done");
  });

  it("GIVEN a job another runner holds under a live lease WHEN a second runner starts THEN it is left alone until the lease runs out, then retaken as a second attempt", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    const seen: number[] = [];
    const other = createJobRunner({ db, now: c.now, leaseMs: 10_000, owner: "other", handlers: { sweep: () => new Promise(() => {}) } });
    await other.enqueue("sweep", shop);
    void other.drain(); // claims the job and never finishes it (its process is about to die)
    await Promise.resolve();
    expect(await db.prepare(`SELECT owner, attempts FROM "Job"`).get()).toEqual({ owner: "other", attempts: 1 });

    const second = createJobRunner({ db, now: c.now, leaseMs: 10_000, owner: "second", handlers: { sweep: async ({ attempt }) => void seen.push(attempt) } });
    second.start();
    await second.stop();
    expect(await second.drain()).toBe(0);
    expect(await db.prepare(`SELECT status, owner FROM "Job"`).get()).toEqual({ status: "running", owner: "other" });

    c.advance(10_000);
    expect(await second.drain()).toBe(1);

    expect(seen).toEqual([2]);
    expect(await db.prepare(`SELECT status, attempts, owner, leaseUntil FROM "Job"`).get()).toEqual({ status: "done", attempts: 2, owner: null, leaseUntil: null });
  });

  it("GIVEN a job whose runner keeps dying WHEN its lease runs out after the last attempt THEN it is failed, says it never finished and is listed as failed", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    const dying = () => createJobRunner({ db, now: c.now, leaseMs: 1_000, maxAttempts: 2, handlers: { writeback: () => new Promise(() => {}) } });
    await dying().enqueue("writeback", shop);
    for (let i = 0; i < 2; i++) {
      void dying().drain();
      await Promise.resolve();
      c.advance(1_000);
    }
    const next = dying();
    expect(await next.drain()).toBe(0);

    const job = (await db.prepare(`SELECT status, attempts, lastError FROM "Job"`).get()) as { status: string; attempts: number; lastError: string };
    expect(job).toMatchObject({ status: "failed", attempts: 2 });
    expect(job.lastError).toMatch(/never finished/);
    expect(await next.failed(shop)).toEqual([expect.objectContaining({ type: "writeback", attempts: 2, lastError: job.lastError })]);
  });

  it("GIVEN a failed job WHEN a later run of the same type succeeds THEN it is no longer listed as failed", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    let fail = true;
    const runner = createJobRunner({
      db,
      now: c.now,
      maxAttempts: 1,
      handlers: {
        sweep: async () => {
          if (fail) throw new Error("store unreachable");
        },
      },
    });
    await runner.enqueue("sweep", shop);
    await runner.drain();
    expect((await runner.failed(shop)).map((j) => j.lastError)).toEqual(["store unreachable"]);

    fail = false;
    c.advance(1000);
    await runner.enqueue("sweep", shop);
    await runner.drain();
    expect(await runner.failed(shop)).toEqual([]);
  });

  it("GIVEN a job still running at shutdown WHEN stop's bound passes THEN the claim is handed back with its attempt and a late finish changes nothing", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    let finishJob!: () => void;
    const runner = createJobRunner({ db, handlers: { backfill: () => new Promise<void>((r) => (finishJob = r)) } });
    await runner.enqueue("backfill", shop);
    runner.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(await db.prepare(`SELECT status FROM "Job"`).pluck().get()).toBe("running");

    expect(await runner.stop({ timeoutMs: 10 })).toEqual({ finished: 0, released: 1 });
    expect(await db.prepare(`SELECT status, attempts, owner FROM "Job"`).get()).toEqual({ status: "pending", attempts: 0, owner: null });

    finishJob();
    await new Promise((r) => setTimeout(r, 10));
    expect(await db.prepare(`SELECT status FROM "Job"`).pluck().get()).toBe("pending");
  });

  it("GIVEN a pending job scheduled for later WHEN enqueued again with expedite THEN it is due now", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const c = clock();
    const runner = createJobRunner({ db, now: c.now, handlers: { backfill: async () => {} } });
    await runner.enqueue("backfill", shop, { delayMs: 60_000 });
    expect(await runner.drain()).toBe(0);
    await runner.enqueue("backfill", shop, { expedite: true });
    expect(await runner.drain()).toBe(1);
  });
});
