/**
 * The WooCommerce import over real HTTP: the app's npm client reads the simulator's wc/v3
 * orders by pages of 100 (orderby=modified asc, modified_after + dates_are_gmt) and stores
 * exactly what the store holds; a crash between pages resumes at the first uncommitted page.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PlatformContext, ShopRef } from "~/platforms/types";
import { dropQueuedJobs } from "../support/queued-jobs";
import { byId, projection } from "../support/stored-orders";
import { startWooHarness, wooSeed, wooTruthOrders, type WooHarness } from "./harness";

let h: WooHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function app() {
  const { services } = await import("~/services.server");
  const { default: prisma } = await import("~/db.server");
  const { adapterFor } = await import("~/platforms/registry.server");
  return { ...services(), prisma, adapter: adapterFor("woocommerce") };
}

async function stored(shopId: string) {
  const { store } = await app();
  return (await Array.fromAsync(store.iterateOrders(shopId, "woocommerce"))).map(projection).sort(byId);
}

async function shopOf(db: import("~/db/index.server").Db, shopId: string): Promise<ShopRef> {
  return (await db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId)) as ShopRef;
}

describe("WooCommerce import", () => {
  it("GIVEN a seeded store of several hundred orders WHEN the app connects and its jobs run THEN every order is stored exactly as the store has it, with progress from X-WP-Total", async () => {
    h = await startWooHarness({ data: wooSeed(120, 3) });
    const truth = wooTruthOrders(h.sim).sort(byId);
    expect(truth.length).toBeGreaterThan(200); // several pages of 100

    const shopId = await h.connect();
    await h.runJobs();

    expect(await stored(shopId)).toEqual(truth);
    const { db } = await app();
    const state = (await db.prepare(`SELECT phase, ordersDone, ordersEstimated, backfillCursor, sweepFrom FROM "SyncState" WHERE shopId = ?`).get(shopId)) as Record<string, unknown>;
    expect(state).toMatchObject({ phase: "idle", ordersDone: truth.length, ordersEstimated: truth.length, backfillCursor: null });
    expect(state.sweepFrom).not.toBeNull();
    // Kinds the rules look at arrived as the store says them.
    const kinds = await stored(shopId);
    expect(kinds.some((o) => o.pos)).toBe(true);
    expect(kinds.some((o) => o.subscription)).toBe(true);
    expect(kinds.some((o) => o.customerKey?.startsWith("woo:customer:"))).toBe(true);
    expect(kinds.some((o) => o.refundedMinor > 0)).toBe(true);
  });

  it("GIVEN an import that crashed after its first page WHEN the import runs again THEN it resumes at the next page and ends with every order once", async () => {
    h = await startWooHarness({ data: wooSeed(120, 4) });
    const shopId = await h.connect();
    const { db, store, prisma, runner, adapter } = await app();
    await dropQueuedJobs(db, shopId); // we drive the steps ourselves
    const shop = await shopOf(db, shopId);
    const ctx: PlatformContext = { db, store, prisma, queue: runner.queue };
    const { backfillStep } = await import("~/platforms/woocommerce/backfill.server");
    const { createWooClient } = await import("~/platforms/woocommerce/client.server");
    const { loadCredentials } = await import("~/platforms/woocommerce/credentials.server");
    const client = createWooClient((await loadCredentials(db, shopId))!);
    let pagesRead = 0;
    const counting: typeof client = { ...client, page: (endpoint, params, page) => (pagesRead++, client.page(endpoint, params, page)) };

    // One page committed, then the process died (the next step never ran).
    expect((await backfillStep(shop, { ...ctx, client: counting, pagesPerStep: 1 })).next).toBe("poll");
    expect(await db.prepare(`SELECT ordersDone FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)).toBe(100);
    expect(JSON.parse((await db.prepare(`SELECT backfillCursor FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) as string)).toMatchObject({ page: 2 });

    // A fresh process: the adapter's own steps (no cursor handed over) pick the import up.
    let step;
    do step = await adapter.orders.backfillStep(shop, ctx);
    while (step.next === "poll");

    expect(step).toEqual({ next: "done", orders: wooTruthOrders(h.sim).length });
    expect(await stored(shopId)).toEqual(wooTruthOrders(h.sim).sort(byId));
    expect(pagesRead).toBe(1);
  });
});
