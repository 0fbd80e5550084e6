import { beforeEach, describe, expect, it } from "vitest";
import { createJobQueue, type JobQueue } from "~/jobs/queue.server";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../../test/support/db";
import { BulkFinishPayloadError, bulkPollDelay, handleBulkOperationFinish } from "./bulk-finish.server";

const OUR_EXPORT = "gid://shopify/BulkOperation/5550001";
const NOW = new Date("2026-11-30T12:00:00Z");

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

const backfillJobs = async () =>
  (await db.prepare(`SELECT runAt, status FROM "Job" WHERE shopId = ? AND type = 'backfill' ORDER BY id`).all(shopId)) as {
    runAt: number;
    status: string;
  }[];

beforeEach(async () => {
  ({ db } = await freshDatabase());
  queue = createJobQueue(db, () => NOW);
  shopId = await addShop(db);
});

describe("bulk_operations/finish", () => {
  describe("GIVEN our export is running and its next poll is 10 minutes away", () => {
    beforeEach(async () => {
      await db.prepare(`UPDATE "SyncState" SET phase = 'backfill', bulkOperationId = ? WHERE shopId = ?`).run(OUR_EXPORT, shopId);
      await queue.enqueue("backfill", shopId, { delayMs: 600_000 });
    });

    it.each(["completed", "failed", "canceled", "expired"])(
      "WHEN Shopify says our export ended %s THEN the backfill job runs now",
      async (status) => {
        const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish(OUR_EXPORT, "query", status));

        expect(outcome).toBe("backfill-woken");
        expect(await backfillJobs()).toEqual([{ runAt: NOW.getTime(), status: "pending" }]);
      },
    );

    it("WHEN a bulk mutation (our write-back) finishes THEN nothing changes: no new export, the poll keeps its time", async () => {
      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish("gid://shopify/BulkOperation/5550002", "mutation"));

      expect(outcome).toBe("ignored");
      expect(await backfillJobs()).toEqual([{ runAt: NOW.getTime() + 600_000, status: "pending" }]);
    });

    it("WHEN an earlier export of ours (given up on) finishes THEN it is ignored", async () => {
      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish("gid://shopify/BulkOperation/5549999", "query"));

      expect(outcome).toBe("ignored");
      expect(await backfillJobs()).toEqual([{ runAt: NOW.getTime() + 600_000, status: "pending" }]);
    });

    it("WHEN the backfill job is running at that moment THEN no second backfill job is queued beside it", async () => {
      await db.prepare(`UPDATE "Job" SET status = 'running' WHERE shopId = ?`).run(shopId);

      const outcome = await handleBulkOperationFinish({ db, queue }, shopId, finish(OUR_EXPORT, "query"));

      expect(outcome).toBe("backfill-running");
      expect(await backfillJobs()).toEqual([{ runAt: NOW.getTime() + 600_000, status: "running" }]);
    });
  });

  it("GIVEN the shop's backfill is done WHEN any bulk query finishes THEN no new full export is queued", async () => {
    await db.prepare(`UPDATE "SyncState" SET phase = 'idle', bulkOperationId = NULL, backfillFinishedAt = ? WHERE shopId = ?`).run(NOW, shopId);

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
