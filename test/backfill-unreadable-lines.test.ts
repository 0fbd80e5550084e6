import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBulkLines, recoverOrderId } from "~/platforms/shopify/backfill.server";
import { generateSeed, type SeedData } from "../sim/shopify";
import { startHarness, type Harness } from "./support/app-harness";
import { addShop } from "./support/db";
import { queuedJobs } from "./support/queued-jobs";
import { byId, expectedOf, projection, syncStatusText } from "./support/stored-orders";

let h: Harness;
let seed: SeedData;
let shopId: string;

async function services() {
  return (await import("~/services.server")).services();
}

beforeAll(async () => {
  seed = generateSeed({ dataset: "cdnow", maxCustomers: 40, shiftDatesTo: new Date(), seed: 11 });
  h = await startHarness({ data: seed });
  const shop = h.sim.shop(h.shopDomain);
  // Children right after their parent, so line 2 belongs to the order on line 1.
  shop.setBulkSettings({ childOrder: "grouped" });
  shop.setFaults({
    bulkCorruptLines: [
      { line: 1, how: "truncate" },
      { line: 2, how: "bad-amount" },
    ],
  });
  shopId = await h.install();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("a bulk export with unreadable lines", () => {
  it("GIVEN a truncated line and a line with an unreadable amount WHEN the backfill runs THEN it finishes, counts both and says nothing failed", async () => {
    const { db } = await services();

    const state = (await db
      .prepare(`SELECT phase, skippedLines, lastError, backfillFinishedAt FROM "SyncState" WHERE shopId = ?`)
      .get(shopId)) as Record<string, unknown>;

    expect(state).toMatchObject({ phase: "idle", skippedLines: 2, lastError: null });
    expect(state.backfillFinishedAt).not.toBeNull();
  });

  it("GIVEN the skipped lines named their order WHEN the re-reads ran THEN every order is stored exactly as the store has it", async () => {
    const { store } = await services();

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);

    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o)).sort(byId));
  });

  it("GIVEN skipped lines WHEN the merchant opens the dashboard THEN the sync status shows how many", async () => {
    const { db } = await services();
    const { syncStatus } = await import("~/dashboard/overview.server");

    const status = await syncStatus(db, shopId);

    expect(status.skippedLines).toBe(2);
    expect(syncStatusText(status)).toContain("2 unreadable lines skipped in the order import");
  });
});

describe("recovering the order of an unreadable line", () => {
  it("GIVEN damaged lines WHEN their text still names an order THEN that order is found, a line item's parent first", async () => {
    expect(recoverOrderId(`{"id":"gid://shopify/Order/5001","processedAt":"2026-0`)).toBe("gid://shopify/Order/5001");
    expect(
      recoverOrderId(`{"id":"gid://shopify/LineItem/9","quantity":1,"x":"12,50","__parentId":"gid://shopify/Order/5002"}`),
    ).toBe("gid://shopify/Order/5002");
    expect(recoverOrderId(`{"id":"gid://shopify/LineItem/9","quantity":1,"origi`)).toBeNull();
    expect(recoverOrderId(`\u0000\u0000garbage`)).toBeNull();
  });

  it("GIVEN a line naming no order WHEN ingested THEN it is counted, the rest is stored and nothing is queued for it", async () => {
    const { db, store, runner } = await services();
    const id = await addShop(db, "lines.myshopify.com");
    const queue = runner.queue;
    const order = {
      id: "gid://shopify/Order/7001",
      processedAt: "2026-11-01T10:00:00Z",
      createdAt: "2026-11-01T10:00:00Z",
      updatedAt: "2026-11-01T10:00:00Z",
      cancelledAt: null,
      test: false,
      sourceName: "web",
      tags: [],
      email: "a@example.com",
      customer: null,
      totalPriceSet: { shopMoney: { amount: "10.00", currencyCode: "USD" } },
      totalRefundedSet: { shopMoney: { amount: "0.00", currencyCode: "USD" } },
    };
    async function* lines() {
      yield JSON.stringify(order);
      yield `{"id":"gid://shopify/LineItem/8001","quantity":1,"originalUnit`;
      yield JSON.stringify({ ...order, id: "gid://shopify/Order/7002" });
    }

    const orders = await ingestBulkLines(id, lines(), 0, { db, store, queue, batchLines: 1 });

    expect(orders).toBe(2);
    expect(await db.prepare(`SELECT skippedLines, bulkLinesDone FROM "SyncState" WHERE shopId = ?`).get(id)).toEqual({
      skippedLines: 1,
      bulkLinesDone: 3,
    });
    expect(await queuedJobs(db, id)).toEqual([]);
  });
});
