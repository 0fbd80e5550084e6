import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { createJobRunner, type JobHandler } from "./queue.server";

function clock(start = Date.parse("2026-06-01T00:00:00Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe("job queue and in-process runner", () => {
  it("GIVEN a burst of enqueues for one shop WHEN debounced THEN one job runs, no later than the max wait", async () => {
    const { db } = freshDatabase();
    const shop = addShop(db);
    const c = clock();
    const runs: number[] = [];
    const runner = createJobRunner({ db, now: c.now, handlers: { recompute: async () => void runs.push(c.now().getTime()) } });

    for (let i = 0; i < 5; i++) {
      runner.enqueue("recompute", shop, { delayMs: 10_000, maxWaitMs: 25_000 });
      c.advance(8_000);
    }
    // 40 s of webhooks: the job was pushed along but capped at 25 s after the first.
    expect(await runner.drain()).toBe(1);
    expect(runs).toEqual([Date.parse("2026-06-01T00:00:40Z")]);
    expect(db.prepare(`SELECT runAt FROM "Job"`).pluck().get()).toBe(Date.parse("2026-06-01T00:00:25Z"));
  });

  it("GIVEN jobs for two shops WHEN run THEN one shop's jobs never overlap and shops run side by side", async () => {
    const { db } = freshDatabase();
    const a = addShop(db, "a.myshopify.com");
    const b = addShop(db, "b.myshopify.com");
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
      runner.enqueue("recompute", shop);
      runner.enqueue("sweep", shop);
    }

    expect(await runner.drain()).toBe(4);
    expect(maxPerShop).toBe(1);
    expect(maxTotal).toBe(2);
    running = new Map();
  });

  it("GIVEN a failing job WHEN run THEN it is retried with backoff and finally marked failed with its error", async () => {
    const { db } = freshDatabase();
    const shop = addShop(db);
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
    runner.enqueue("sweep", shop);

    await runner.drain();
    expect(attempts).toBe(1);
    c.advance(1000);
    await runner.drain();
    c.advance(2000);
    await runner.drain();

    expect(attempts).toBe(3);
    expect(db.prepare(`SELECT status, attempts, lastError FROM "Job"`).get()).toEqual({
      status: "failed",
      attempts: 3,
      lastError: "store unreachable",
    });
  });

  it("GIVEN a job left running by a crash WHEN a runner starts THEN the job runs again", async () => {
    const { db } = freshDatabase();
    const shop = addShop(db);
    const first = createJobRunner({ db, handlers: {} });
    first.enqueue("recompute", shop);
    db.prepare(`UPDATE "Job" SET status = 'running'`).run(); // the process died mid-job

    let ran = 0;
    const second = createJobRunner({ db, handlers: { recompute: async () => void ran++ } });
    second.start();
    await second.stop();
    await second.drain();

    expect(ran).toBe(1);
    expect(db.prepare(`SELECT status FROM "Job"`).pluck().get()).toBe("done");
  });
});
