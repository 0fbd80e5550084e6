import { beforeEach, describe, expect, it } from "vitest";
import type { JobQueue } from "~/jobs/types";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../../test/support/db";
import { jobQueueOf } from "../../../test/support/job-runner";
import { markJobsRunning, queuedJobs } from "../../../test/support/queued-jobs";
import { BulkFinishPayloadError, bulkPollDelay, handleBulkOperationFinish } from "./bulk-finish.server";

const OUR_EXPORT = "gid://shopify/BulkOperation/5550001";

/** Shopify's documented bulk_operations/finish body. */
function finish(id: string, type: "query" | "mutation", status = "completed") {
  return {
    admin_graphql_api_id: id,
    completed_at: status === "completed" ? "2026-11-30T11:59:58Z" : null,
    created_at: "2026-11-30T11:58:00Z",
    error_code: status === "failed" ? "internal_server_error" : null,
    status,
    type,
  };
}

let db: Db;
let queue: JobQueue;
let shopId: string;

const backfillJobs = async () => (await queuedJobs(db, shopId, "backfill")).map(({ runAt, status }) => ({ runAt: Number(runAt), status }));

beforeEach(async () => {
  ({ db } = await freshDatabase());
  queue = jobQueueOf(db);
  shopId = await addShop(db);
});

describe("bulk_operations/finish", () => {
  describe("GIVEN our export is running and its next poll is 10 minutes away", () => {
    let pollAt = 0;
    beforeEach(async () => {
      await db.prepare(`UPDATE "SyncState" SET phase = 'backfill', bulkOperationId = ? WHERE shopId = ?`).run(OUR_EXPORT, shopId);
      await queue.enqueue("backfill", shopId, { delayMs: 600_000 });
      [{ runAt: pollAt }] = await backfillJobs();
    });

    it.each(["completed", "failed", "canceled", "expired"])(
      "WHEN Shopify says our export ended %s THEN the backfill job runs now",
      async (status) => {
        const before = Date.now();
        const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish(OUR_EXPORT, "query", status));

        expect(outcome).toBe("backfill-woken");
        const [job, ...others] = await backfillJobs();
        expect(others).toEqual([]);
        expect(job.status).toBe("pending");
        // Due now: no later than this moment (and moved from its poll 10 minutes on).
        expect(job.runAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(job.runAt).toBeLessThanOrEqual(Date.now());
      },
    );

    it("WHEN a bulk mutation (our write-back) finishes THEN nothing changes: no new export, the poll keeps its time", async () => {
      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish("gid://shopify/BulkOperation/5550002", "mutation"));

      expect(outcome).toBe("ignored");
      expect(await backfillJobs()).toEqual([{ runAt: pollAt, status: "pending" }]);
    });

    it("WHEN an earlier export of ours (given up on) finishes THEN it is ignored", async () => {
      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish("gid://shopify/BulkOperation/5549999", "query"));

      expect(outcome).toBe("ignored");
      expect(await backfillJobs()).toEqual([{ runAt: pollAt, status: "pending" }]);
    });

    it("WHEN the backfill job is running at that moment THEN no second backfill job is queued beside it", async () => {
      await markJobsRunning(db, shopId);

      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish(OUR_EXPORT, "query"));

      expect(outcome).toBe("backfill-running");
      expect(await backfillJobs()).toEqual([{ runAt: pollAt, status: "running" }]);
    });
  });

  it("GIVEN the shop's backfill is done WHEN any bulk query finishes THEN no new full export is queued", async () => {
    await db.prepare(`UPDATE "SyncState" SET phase = 'idle', bulkOperationId = NULL, backfillFinishedAt = ? WHERE shopId = ?`).run(new Date(), shopId);

    const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish(OUR_EXPORT, "query"));

    expect(outcome).toBe("ignored");
    expect(await backfillJobs()).toEqual([]);
  });

  it.each([
    ["no id", { ...finish(OUR_EXPORT, "query"), admin_graphql_api_id: undefined }],
    ["an id of another type", { ...finish(OUR_EXPORT, "query"), admin_graphql_api_id: "gid://shopify/Order/1" }],
    ["no status", { ...finish(OUR_EXPORT, "query"), status: undefined }],
    ["a body that is not an object", "completed"],
  ])("GIVEN a payload with %s WHEN handled THEN it is refused as malformed and writes nothing", async (_what, payload) => {
    await db.prepare(`UPDATE "SyncState" SET phase = 'backfill', bulkOperationId = ? WHERE shopId = ?`).run(OUR_EXPORT, shopId);

    await expect(handleBulkOperationFinish({ db, queue }, shopId, payload)).rejects.toThrow(BulkFinishPayloadError);
    expect(await backfillJobs()).toEqual([]);
  });
});

describe("polling a running export", () => {
  it("GIVEN the finish webhook usually arrives WHEN polls repeat THEN the interval doubles to a ceiling and never stops", async () => {
    const delays = Array.from({ length: 12 }, (_, polls) => bulkPollDelay(polls, 5_000));

    expect(delays.slice(0, 5)).toEqual([5_000, 10_000, 20_000, 40_000, 40_000]);
    expect(Math.max(...delays)).toBe(40_000);
    expect(bulkPollDelay(1_000, 5_000)).toBe(40_000);
    expect(bulkPollDelay(3, 20_000, 60_000)).toBe(60_000);
    // A ceiling below the base never makes polling faster than the base.
    expect(bulkPollDelay(0, 5_000, 1_000)).toBe(5_000);
  });
});
