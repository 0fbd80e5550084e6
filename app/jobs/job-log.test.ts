import { describe, expect, it } from "vitest";
import prisma from "~/db.server";
import { createOrderStore } from "~/sync/order-store.server";
import { freshDatabase } from "../../test/support/db";
import { jobHandlers } from "./handlers.server";
import type { JobQueue, JobType } from "./types";

describe("every job run is told (the LOG_LEVEL=debug log line)", () => {
  it("GIVEN handlers with onJob WHEN jobs finish and one throws THEN each is told with its start, time, outcome and the figures its handler gives", async () => {
    const { db } = await freshDatabase();
    const told: { type: JobType; shopId: string; startedAt: number; ms: number; ok: boolean; detail?: Record<string, number> }[] = [];
    const handlers = jobHandlers({
      prisma,
      db,
      store: createOrderStore(db),
      adapterFor: () => {
        throw new Error("no store here");
      },
      sweepIntervalMs: 1000,
      onJob: (type, shopId, run) => told.push({ type, shopId, ...run }),
    });
    const queue: JobQueue = { enqueue: async () => {} };
    const before = Date.now();

    await handlers.prune({ shopId: "housekeeping", payload: {}, attempt: 1, queue });
    await handlers["apply-inbox"]({ shopId: "inbox", payload: {}, attempt: 1, queue });
    await expect(handlers.writeback({ shopId: "no-such-shop", payload: {}, attempt: 1, queue })).rejects.toThrow(/unknown shop/);

    expect(told.map(({ type, shopId, ok, detail }) => ({ type, shopId, ok, detail }))).toEqual([
      { type: "prune", shopId: "housekeeping", ok: true, detail: undefined },
      // the inbox's run tells what it applied, what failed and what met busy rows
      { type: "apply-inbox", shopId: "inbox", ok: true, detail: { applied: 0, failed: 0, busy: 0 } },
      { type: "writeback", shopId: "no-such-shop", ok: false, detail: undefined },
    ]);
    for (const run of told) {
      expect(run.startedAt).toBeGreaterThanOrEqual(before);
      expect(run.ms).toBeGreaterThanOrEqual(0);
    }
  });
});
