import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { jobQueueOf } from "../../test/support/job-runner";
import { getDashboard, syncProgress } from "./overview.server";
import { seedCustomer, seedOrderHeader, seedSnapshot, setSyncState } from "./test/seed";

let db: Db;
let shop: string;
let other: string;

beforeEach(async () => {
  db = (await freshDatabase()).db;
  shop = await addShop(db, "alpha.myshopify.com");
  other = await addShop(db, "beta.myshopify.com");
});

const persona = (data: Awaited<ReturnType<typeof getDashboard>>, slug: string) => data.personas.find((p) => p.slug === slug)!;

describe("getDashboard", () => {
  it("GIVEN scored customers in two shops WHEN the dashboard is read THEN counts, revenue and shares are this shop's only", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 30_000 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/2", persona: "champions", r: 5, f: 4, m: 5, monetaryMinor: 10_000 });
    await seedCustomer(db, shop, { customerKey: "email:g@example.com", persona: "lost", r: 1, f: 1, m: 1, monetaryMinor: 10_000 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/4", persona: null });
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/9", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 99_999 });

    const data = await getDashboard(db, shop);

    expect(data.totals).toMatchObject({ customersScored: 3, revenueMinor: 50_000, guestsScored: 1, customersWithoutPersona: 1 });
    expect(persona(data, "champions")).toMatchObject({ customers: 2, revenueMinor: 40_000 });
    expect(persona(data, "champions").customerShare).toBeCloseTo(2 / 3);
    expect(persona(data, "champions").revenueShare).toBeCloseTo(0.8);
    expect(persona(data, "lost")).toMatchObject({ customers: 1, revenueMinor: 10_000 });
    // Every persona of the map is listed, empty ones included, best first.
    expect(data.personas.map((p) => p.slug).slice(0, 2)).toEqual(["champions", "loyal"]);
    expect(persona(data, "loyal").customers).toBe(0);
    expect(data.emptyState).toBeNull();
  });

  it("GIVEN snapshots 3 and 8 days before the latest WHEN read THEN the change compares against the one at least a week older", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 4, f: 4, m: 3 });
    await seedSnapshot(db, shop, "2026-06-22", { loyal: 10, lost: 4 });
    await seedSnapshot(db, shop, "2026-06-27", { loyal: 99, lost: 99 });
    await seedSnapshot(db, shop, "2026-06-30", { loyal: 15, lost: 2 });
    await seedSnapshot(db, other, "2026-06-30", { loyal: 500 });

    const data = await getDashboard(db, shop);

    expect(data.change).toEqual({ latestDay: "2026-06-30", comparedDay: "2026-06-22" });
    expect(persona(data, "loyal").changeCustomers).toBe(5);
    expect(persona(data, "lost").changeCustomers).toBe(-2);
    expect(persona(data, "champions").changeCustomers).toBe(0);
    expect(data.trend.days).toEqual(["2026-06-22", "2026-06-27", "2026-06-30"]);
    expect(data.trend.series.find((s) => s.slug === "loyal")!.values).toEqual([10, 99, 15]);
    expect(data.trend.series.some((s) => s.slug === "champions")).toBe(false);
  });

  it("GIVEN only snapshots less than a week apart WHEN read THEN there is no change figure yet", async () => {
    await seedSnapshot(db, shop, "2026-06-28", { loyal: 10 });
    await seedSnapshot(db, shop, "2026-06-30", { loyal: 12 });

    const data = await getDashboard(db, shop);

    expect(data.change).toBeNull();
    expect(persona(data, "loyal").changeCustomers).toBeNull();
  });

  it("GIVEN customers across score cells WHEN the R×F grid is read THEN each cell counts them, averages spend and links to its customers", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 4, m: 5, monetaryMinor: 10_000 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/2", persona: "loyal", r: 5, f: 4, m: 2, monetaryMinor: 20_001 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/3", persona: "loyal", r: 5, f: 4, m: 3, monetaryMinor: 5_000 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/4", persona: "lost", r: 1, f: 1, m: 1, monetaryMinor: 100 });
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/5", persona: "champions", r: 5, f: 4, m: 5 });

    const rf = (await getDashboard(db, shop, { grid: "rf" })).grid;
    const cell = rf.cells.find((c) => c.row === 5 && c.col === 4)!;

    expect(rf.cells).toHaveLength(25);
    expect(cell).toMatchObject({ customers: 3, avgMonetaryMinor: 11_667, href: "/app/customers?r=5&f=4" });
    expect(cell.topPersona?.slug).toBe("loyal");
    expect(rf.cells.find((c) => c.row === 1 && c.col === 1)!.customers).toBe(1);
    expect(rf.cells.find((c) => c.row === 3 && c.col === 3)).toMatchObject({ customers: 0, avgMonetaryMinor: null });
    expect(rf.maxCustomers).toBe(3);

    const fm = (await getDashboard(db, shop, { grid: "fm" })).grid;
    expect(fm).toMatchObject({ rowDim: "f", colDim: "m" });
    expect(fm.cells.find((c) => c.row === 4 && c.col === 5)).toMatchObject({ customers: 1, href: "/app/customers?f=4&m=5" });
    const rm = (await getDashboard(db, shop, { grid: "rm" })).grid;
    expect(rm.cells.find((c) => c.row === 5 && c.col === 2)).toMatchObject({ customers: 1, href: "/app/customers?r=5&m=2" });
  });

  it("GIVEN a running backfill and nothing scored WHEN read THEN the empty state says so and progress is reported", async () => {
    await setSyncState(db, shop, { phase: "backfill", ordersDone: 250, ordersEstimated: 1000, backfillStartedAt: Date.now() });

    const data = await getDashboard(db, shop);

    expect(data.emptyState).toBe("backfill-running");
    expect(data.status).toMatchObject({ phase: "backfill", ordersDone: 250, ordersEstimated: 1000 });
  });

  it("GIVEN a shop just installed (import queued, sync state still idle) WHEN read THEN it is importing, never no-orders or up to date", async () => {
    await jobQueueOf(db).enqueue("backfill", shop);

    const data = await getDashboard(db, shop);

    expect(data.status).toMatchObject({ phase: "idle", busy: "import", firstRun: true, importEtaSeconds: null });
    expect(data.emptyState).toBe("backfill-running");
    expect((await syncProgress(db, other)).busy).toBeNull();
  });

  it("GIVEN the first page load racing the install (no sync state recorded yet) WHEN read THEN it is importing", async () => {
    await db.prepare(`DELETE FROM "SyncState" WHERE shopId = ?`).run(shop);

    expect(await getDashboard(db, shop)).toMatchObject({ status: { busy: "import" }, emptyState: "backfill-running" });
  });

  it("GIVEN the import done and its scoring queued WHEN read THEN it is scoring; GIVEN only tomorrow's daily rescore queued THEN nothing is under way", async () => {
    const queue = jobQueueOf(db);
    await queue.enqueue("recompute", shop, { key: "daily", delayMs: 6 * 3_600_000 });
    await setSyncState(db, shop, { backfillFinishedAt: Date.now() });
    expect((await getDashboard(db, shop)).status.busy).toBeNull();

    await queue.enqueue("recompute", shop);
    expect(await getDashboard(db, shop)).toMatchObject({ status: { busy: "score" }, emptyState: "backfill-running" });
  });

  it("GIVEN half the orders imported in 60 s WHEN read THEN about 60 s are left", async () => {
    await setSyncState(db, shop, { phase: "backfill", ordersDone: 500, ordersEstimated: 1000, backfillStartedAt: Date.now() - 60_000 });

    const eta = (await getDashboard(db, shop)).status.importEtaSeconds!;

    expect(eta).toBeGreaterThanOrEqual(59);
    expect(eta).toBeLessThanOrEqual(61);
  });

  it("GIVEN no orders WHEN read THEN the empty state is no-orders; GIVEN orders but no persona THEN nothing-scored", async () => {
    expect((await getDashboard(db, shop)).emptyState).toBe("no-orders");

    await seedOrderHeader(db, shop, "order-1");
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: null });

    expect((await getDashboard(db, shop)).emptyState).toBe("nothing-scored");
  });

  it("GIVEN a sync error and failed write-backs WHEN read THEN both are reported, with the last recompute time", async () => {
    const at = Date.parse("2026-06-30T08:00:00Z");
    await setSyncState(db, shop, { phase: "failed", lastError: "Bulk operation FAILED: ACCESS_DENIED", lastRecomputeAt: at });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 3, f: 4, m: 3, writeStatus: "failed" });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/2", persona: "loyal", r: 3, f: 4, m: 3, writeStatus: "written" });
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/3", persona: "loyal", r: 3, f: 4, m: 3, writeStatus: "failed" });

    const { status } = await getDashboard(db, shop);

    expect(status).toMatchObject({
      phase: "failed",
      lastError: "Bulk operation FAILED: ACCESS_DENIED",
      lastRecomputeAt: "2026-06-30T08:00:00.000Z",
      failedWrites: 1,
    });
  });

  it("GIVEN a customer still carrying a slug the map no longer has WHEN read THEN they are still counted under that slug", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "vip-old", r: 5, f: 5, m: 5, monetaryMinor: 500 });

    const row = persona(await getDashboard(db, shop), "vip-old");

    expect(row).toMatchObject({ name: "Vip Old", customers: 1, revenueMinor: 500 });
  });
});
