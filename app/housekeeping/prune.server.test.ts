import { afterEach, describe, expect, it } from "vitest";
import { createJobRunner } from "~/jobs/queue.server";
import { jobHandlers } from "~/jobs/handlers.server";
import prisma from "~/db.server";
import { createOrderStore } from "~/sync/order-store.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import { freshDatabase } from "../../test/support/db";
import { HOUSEKEEPING_SHOP, pruneOldRows, scheduleHousekeeping } from "./prune.server";

const DAY = 86_400_000;
const NOW = new Date("2026-11-30T12:00:00Z");
const ago = (days: number) => NOW.getTime() - days * DAY;

let open: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});

function database(): SqliteDatabase {
  const { db } = freshDatabase();
  open.push(db);
  return db;
}

/** Old and recent rows of every pruned table; the labels say which must survive. */
function seed(db: SqliteDatabase) {
  const event = db.prepare(`INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES ('a.myshopify.com', ?, 't', ?)`);
  event.run("old", ago(8));
  event.run("keep-recent", ago(1));
  const job = db.prepare(
    `INSERT INTO "Job" (shopId, type, key, status, runAt, attempts, payload, lastError, createdAt, updatedAt) VALUES ('s', 'sweep', ?, ?, 0, 0, '{}', NULL, ?, ?)`,
  );
  job.run("old-done", "done", ago(8), ago(8));
  job.run("old-cancelled", "cancelled", ago(8), ago(8));
  job.run("keep-recent-done", "done", ago(2), ago(2));
  job.run("keep-failed-20d", "failed", ago(20), ago(20));
  job.run("old-failed", "failed", ago(31), ago(31));
  job.run("keep-pending", "pending", ago(100), ago(100));
  job.run("keep-running", "running", ago(100), ago(100));
  const request = db.prepare(
    `INSERT INTO "DataRequest" (shopDomain, requestId, customerKey, export, createdAt, expiresAt) VALUES ('a.myshopify.com', ?, 'c', '{}', ?, ?)`,
  );
  request.run("expired", ago(31), ago(1));
  request.run("keep-valid", ago(29), NOW.getTime() + DAY);
  request.run("expired-before-expiresAt-existed", ago(31), null);
  request.run("keep-recent-without-expiresAt", ago(5), null);
  const run = db.prepare(`INSERT INTO "WritebackRun" (shopId, mode, status, startedAt) VALUES (?, 'online', 'done', ?)`);
  run.run("s1", ago(200)); // old
  run.run("s1", ago(100)); // old
  run.run("s1", ago(10)); // recent: kept
  run.run("s2", ago(300)); // old but the shop's latest: kept
  const problem = db.prepare(
    `INSERT INTO "WebhookProblem" (shopDomain, topic, eventId, resourceId, error, body, receivedAt, resolvedAt) VALUES ('a.myshopify.com', 'orders/updated', ?, NULL, 'e', '{}', ?, ?)`,
  );
  problem.run("old-resolved", ago(60), ago(40));
  problem.run("keep-recently-resolved", ago(60), ago(5));
  problem.run("keep-unresolved", ago(90), null);
  const token = db.prepare(`INSERT INTO "DownloadToken" (tokenHash, shopId, purpose, expiresAt, createdAt) VALUES (?, 's', 'csv', ?, ?)`);
  token.run("old", ago(2), ago(2));
  token.run("keep-live", NOW.getTime() + 60_000, NOW.getTime());
}

function remaining(db: SqliteDatabase) {
  const col = (sql: string) => db.prepare(sql).pluck().all();
  return {
    webhookEvents: col(`SELECT eventId FROM "WebhookEvent" ORDER BY eventId`),
    jobs: col(`SELECT key FROM "Job" ORDER BY key`),
    dataRequests: col(`SELECT requestId FROM "DataRequest" ORDER BY requestId`),
    writebackRuns: (db.prepare(`SELECT shopId, startedAt FROM "WritebackRun" ORDER BY id`).all() as { shopId: string; startedAt: number }[]).map(
      (r) => `${r.shopId}@${Math.round((NOW.getTime() - r.startedAt) / DAY)}d`,
    ),
    webhookProblems: col(`SELECT eventId FROM "WebhookProblem" ORDER BY eventId`),
    downloadTokens: col(`SELECT tokenHash FROM "DownloadToken" ORDER BY tokenHash`),
  };
}

const KEPT = {
  webhookEvents: ["keep-recent"],
  jobs: ["keep-failed-20d", "keep-pending", "keep-recent-done", "keep-running"],
  dataRequests: ["keep-recent-without-expiresAt", "keep-valid"],
  writebackRuns: ["s1@10d", "s2@300d"],
  webhookProblems: ["keep-recently-resolved", "keep-unresolved"],
  downloadTokens: ["keep-live"],
};

describe("daily prune", () => {
  it("GIVEN old and recent rows in every pruned table WHEN pruned THEN exactly the rows past their retention are gone", () => {
    const db = database();
    seed(db);

    const counts = pruneOldRows(db, NOW);

    expect(remaining(db)).toEqual(KEPT);
    expect(counts).toEqual({ webhookEvents: 1, jobs: 3, dataRequests: 2, writebackRuns: 2, webhookProblems: 1, downloadTokens: 1 });
  });

  it("GIVEN the prune scheduled WHEN its time comes and the runner runs it THEN old rows are gone and the next prune waits for tomorrow", async () => {
    const db = database();
    seed(db);
    db.prepare(`DELETE FROM "Job" WHERE status IN ('pending', 'running')`).run(); // only the prune runs here
    let clock = NOW;
    const runner = createJobRunner({
      db,
      now: () => clock,
      handlers: jobHandlers({
        prisma,
        db,
        store: createOrderStore(db),
        adapterFor: () => {
          throw new Error("housekeeping needs no store");
        },
        sweepIntervalMs: 1000,
        now: () => clock,
      }),
    });
    scheduleHousekeeping(runner.queue, NOW);
    scheduleHousekeeping(runner.queue, NOW); // a restart schedules it again: still one
    const pending = () =>
      db.prepare(`SELECT shopId, runAt FROM "Job" WHERE type = 'prune' AND status = 'pending'`).all() as { shopId: string; runAt: number }[];
    expect(pending()).toEqual([{ shopId: HOUSEKEEPING_SHOP, runAt: Date.parse("2026-12-01T03:30:00Z") }]);

    expect(await runner.drain()).toBe(0); // not due yet
    clock = new Date("2026-12-01T03:31:00Z");
    expect(await runner.drain()).toBe(1);

    // Retention counted from the run's own clock (15.5 hours later than NOW): same survivors.
    expect(remaining(db).dataRequests).toEqual(KEPT.dataRequests);
    expect(remaining(db).webhookEvents).toEqual(KEPT.webhookEvents);
    expect(pending()).toEqual([{ shopId: HOUSEKEEPING_SHOP, runAt: Date.parse("2026-12-02T03:30:00Z") }]);
  });
});
