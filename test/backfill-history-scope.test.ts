import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, type SeedData } from "../sim/shopify";
import { startHarness, type Harness } from "./support/app-harness";
import { byId, expectedOf, projection, syncStatusText } from "./support/stored-orders";

const DAY = 86_400_000;
const WITHOUT_ALL_ORDERS = ["read_orders", "read_customers", "write_customers"];

let h: Harness;
let seed: SeedData;
let shopId: string;
let installedAt: number;

async function services() {
  return (await import("~/services.server")).services();
}

beforeAll(async () => {
  seed = generateSeed({ dataset: "cdnow", maxCustomers: 60, shiftDatesTo: new Date(), seed: 5 });
  h = await startHarness({ data: seed });
  // read_all_orders needs Shopify's approval; this merchant's install goes without it.
  h.sim.shop(h.shopDomain).grantScopes(WITHOUT_ALL_ORDERS);
  installedAt = Date.now();
  shopId = await h.install();
  await h.runJobs();
});
afterAll(() => h?.close());

const recent = (o: { processedAt: string }) => Date.parse(o.processedAt) >= installedAt - 60 * DAY;

describe("an install without read_all_orders", () => {
  it("GIVEN the merchant granted no read_all_orders WHEN the app is installed THEN the granted scopes are stored", async () => {
    const { default: prisma } = await import("~/db.server");

    const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });

    expect(shop.scopes?.split(",").sort()).toEqual([...WITHOUT_ALL_ORDERS].sort());
  });

  it("GIVEN only 60 days are readable WHEN the backfill ran THEN it stored exactly the last 60 days and records where history starts", async () => {
    const { db, store } = await services();
    // The seed reaches back years: the limit must actually cut something.
    expect(seed.truth.orders.filter((o) => !recent(o)).length).toBeGreaterThan(0);

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);
    const state = (await db.prepare(`SELECT phase, historyFrom FROM "SyncState" WHERE shopId = ?`).get(shopId)) as {
      phase: string;
      historyFrom: number | string | null;
    };

    expect(stored).toEqual(seed.truth.orders.filter(recent).map((o) => expectedOf(o)).sort(byId));
    expect(state.phase).toBe("idle");
    const from = new Date(state.historyFrom as never).getTime();
    expect(Math.abs(from - (installedAt - 60 * DAY))).toBeLessThan(60_000);
  });

  it("GIVEN a 60-day history WHEN the merchant opens the dashboard THEN the sync status says so and how to fix it", async () => {
    const { db } = await services();
    const { getDashboard } = await import("~/dashboard/overview.server");

    const { status } = await getDashboard(db, shopId);
    const text = syncStatusText(status);

    expect(status.historyFrom).not.toBeNull();
    expect(text).toContain("Order history limited to the last 60 days");
    expect(text).toContain("read_all_orders");
  });

  it("GIVEN read_all_orders is granted later WHEN the app is opened again THEN the full history is imported and the notice goes away", async () => {
    const { db, store } = await services();
    h.sim.shop(h.shopDomain).grantScopes(null);
    // The offline token carries scopes: a new token exchange picks up the new grant.
    await db.prepare(`DELETE FROM "Session" WHERE shop = ?`).run(h.shopDomain);

    await h.install();
    await h.runJobs();

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);
    const { syncStatus } = await import("~/dashboard/overview.server");
    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o)).sort(byId));
    expect((await syncStatus(db, shopId)).historyFrom).toBeNull();
    expect(syncStatusText(await syncStatus(db, shopId))).not.toContain("60 days");
  });
});
