/**
 * A write-back plans only the customers rescored since the last settled one (decision 046) —
 * in whichever worker process it runs: the settled moment is kept on SyncState, not in the
 * process that settled it (decision 054). Runs on SQLite and PostgreSQL.
 */
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { createPrismaClient } from "~/db.server";
import type { PersonaWriter, StoreAdapter } from "~/platforms/types";
import { createOrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { jobHandlers } from "./handlers.server";
import type { JobQueue } from "./types";

type Asked = { rescoredSince?: number; full?: boolean };

/** The store side of a write-back, recording what each run was asked to plan; it always settles. */
function recordingAdapter(asked: Asked[]): StoreAdapter {
  const writer: PersonaWriter = {
    capabilities: {
      labels: true,
      fields: true,
      segments: false,
      personaChangedTrigger: false,
    },
    async writeback(_shop, _ctx, options) {
      asked.push({ rescoredSince: options.rescoredSince, full: options.full });
      return { settled: true, more: 0 };
    },
    async removeAll() {},
  };
  return { platform: "shopify", writer } as unknown as StoreAdapter;
}

/** A worker process's handlers: its own closure over the same database. */
function worker(db: Db, url: string, asked: Asked[], at: () => number) {
  return jobHandlers({
    prisma: createPrismaClient(url),
    db,
    store: createOrderStore(db),
    adapterFor: () => recordingAdapter(asked),
    sweepIntervalMs: 3_600_000,
    now: () => new Date(at()),
  });
}

const queue: JobQueue = { enqueue: async () => {} } as unknown as JobQueue;

describe("the write-back's settled moment across workers", () => {
  it("GIVEN worker A settled a shop's write-back WHEN worker B runs the next one THEN B plans only who was rescored since A's run", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, "settled.myshopify.com");
    let clock = Date.parse("2026-07-01T09:00:00Z");
    const asked: Asked[] = [];
    const a = worker(db, url, asked, () => clock);
    const b = worker(db, url, asked, () => clock);

    await a.writeback({ shopId, payload: {}, attempt: 1, queue });
    clock += 60_000;
    await b.writeback({ shopId, payload: {}, attempt: 1, queue });

    expect(asked).toEqual([
      { rescoredSince: undefined, full: false },
      { rescoredSince: Date.parse("2026-07-01T09:00:00Z"), full: false },
    ]);
  });

  it("GIVEN a settled write-back WHEN the merchant's settings change before the next THEN it plans the whole shop", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, "settings.myshopify.com");
    const asked: Asked[] = [];
    const a = worker(db, url, asked, () => Date.parse("2026-07-01T09:00:00Z"));
    await a.writeback({ shopId, payload: {}, attempt: 1, queue });

    await db
      .prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`)
      .run(JSON.stringify({ writeback: { tagPrefix: "vip-" } }), shopId);
    await worker(db, url, asked, () =>
      Date.parse("2026-07-01T09:01:00Z")
    ).writeback({ shopId, payload: {}, attempt: 1, queue });

    expect(asked.map((x) => x.rescoredSince)).toEqual([undefined, undefined]);
  });

  it("GIVEN a settled write-back WHEN the persona data is removed (cleanup) THEN the next write-back plans the whole shop", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db, "cleanup.myshopify.com");
    const asked: Asked[] = [];
    const a = worker(db, url, asked, () => Date.parse("2026-07-01T09:00:00Z"));
    await a.writeback({ shopId, payload: {}, attempt: 1, queue });

    await a.cleanup({ shopId, payload: {}, attempt: 1, queue });
    await worker(db, url, asked, () =>
      Date.parse("2026-07-01T09:01:00Z")
    ).writeback({ shopId, payload: {}, attempt: 1, queue });

    expect(asked.map((x) => x.rescoredSince)).toEqual([undefined, undefined]);
  });
});
