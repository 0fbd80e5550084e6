/**
 * Write-back test fixtures: a simulator with an injectable clock (throttle waits advance
 * it instead of sleeping), a fresh app database per shop, and a check that the simulated
 * store carries exactly what the app's database says.
 */
import { expect } from "vitest";
import { shopifyCustomerIds } from "~/platforms/shopify/ids";
import { shopSettings } from "~/shops/settings.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import { desiredState, personaNamesFor, writability } from "~/writeback/desired";
import { FLOW_TRIGGER_HANDLE } from "~/platforms/shopify/writeback/flow";
import { PERSONA_NAMESPACE } from "~/platforms/shopify/writeback/metafields";
import type { ShopifyWritebackDeps } from "~/platforms/shopify/writeback/writer.server";
import { loadCustomers } from "~/writeback/store.server";
import { createManualClock, startSimulator, type ManualClock, type ShopOptions, type SimShop, type Simulator } from "../../sim/shopify";
import { addShop, freshDatabase } from "../support/db";
import { CUSTOMER_ID_BASE, simCustomers, simGraphql, upsertScoredCustomers, type ScoredCustomer } from "./sim-client";

export interface Harness {
  sim: Simulator;
  clock: ManualClock;
}

export async function startHarness(): Promise<Harness> {
  const clock = createManualClock("2026-11-01T12:00:00Z");
  const sim = await startSimulator({ clock, bulk: { delayMs: 10 }, seed: "writeback" });
  return { sim, clock };
}

export interface TestShop {
  shop: SimShop;
  domain: string;
  db: SqliteDatabase;
  shopId: string;
  deps: ShopifyWritebackDeps;
}

let shops = 0;

/** A simulated shop with `count` customers and the app's database holding their scores. */
export function createTestShop(
  { sim, clock }: Harness,
  options: { count: number; settings?: unknown; customers?: ScoredCustomer[]; shop?: Partial<ShopOptions> },
): TestShop {
  const domain = `writeback-${++shops}.myshopify.com`;
  const shop = sim.addShop({
    domain,
    customers: simCustomers(options.count),
    flowTriggerHandles: [FLOW_TRIGGER_HANDLE],
    ...options.shop,
  });
  const { db } = freshDatabase();
  const shopId = addShop(db, domain, { settings: options.settings });
  if (options.customers) upsertScoredCustomers(db, shopId, options.customers);
  const deps: ShopifyWritebackDeps = {
    db,
    graphql: simGraphql(sim, domain),
    now: () => new Date(clock.now()),
    // Throttle waits move the simulator's clock instead of sleeping.
    sleep: async (ms) => clock.advance(ms),
    // Bulk operations run on real timers in the simulator: poll in real time.
    bulkPollMs: 5,
    pollSleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetchFile: (url) => fetch(url),
  };
  return { shop, domain, db, shopId, deps };
}

/** How the simulated store spells our `$app` namespace: app--<the app's client id>. */
export function appNamespaceOf(shop: SimShop): string {
  return `app--${shop.context(null, "request").apiClientId}`;
}

export function simCustomerId(customerKey: string): number {
  return Number(customerKey.split("/").pop());
}

/** The merchant's own tags the simulated customer started with. */
export function merchantTags(customerKey: string): string[] {
  const n = simCustomerId(customerKey) - CUSTOMER_ID_BASE;
  return simCustomers(n + 1)[n].tags ?? [];
}

/**
 * Every writable customer in the app's database carries, in the simulated store, exactly
 * its persona tags (plus the merchant's own) and persona metafields.
 */
export function expectStoreMatchesDatabase(t: Pick<TestShop, "shop" | "db" | "shopId">, options: { prefix?: string } = {}): void {
  const settings = shopSettings(t.db, t.shopId);
  const ctx = { writeback: settings.writeback, personaName: personaNamesFor(settings.personas), fieldPlace: PERSONA_NAMESPACE };
  const prefix = options.prefix ?? settings.writeback.tagPrefix;
  const appNamespace = appNamespaceOf(t.shop);
  let checked = 0;
  for (const row of loadCustomers(t.db, t.shopId)) {
    if (writability(row, shopifyCustomerIds.isWritable) !== "writable") continue;
    const simCustomer = t.shop.store.customers.get(simCustomerId(row.customerKey));
    if (!simCustomer) continue;
    const desired = desiredState(row, ctx);
    const ours = simCustomer.tags.filter((tag) => tag.startsWith(prefix));
    expect(ours.sort(), row.customerKey).toEqual([...desired.labels].sort());
    for (const tag of merchantTags(row.customerKey)) expect(simCustomer.tags, row.customerKey).toContain(tag);
    // Ours live in the app-reserved namespace; the store reports `$app` as app--<client id>.
    const metafields = Object.fromEntries(
      t.shop.store
        .metafieldsOf("CUSTOMER", simCustomer.id)
        .filter((m) => m.namespace === appNamespace)
        .map((m) => [`${PERSONA_NAMESPACE}.${m.key}`, m.value]),
    );
    const withoutComputedAt = (mf: Record<string, string>) =>
      Object.fromEntries(Object.entries(mf).filter(([id]) => !id.endsWith(".computed_at")));
    expect(withoutComputedAt(metafields), row.customerKey).toEqual(withoutComputedAt(desired.fields));
    expect(Object.keys(metafields).some((id) => id.endsWith(".computed_at")), row.customerKey).toBe(row.persona !== null);
    expect(row.writeStatus === "ok" || row.written === null, row.customerKey).toBe(true);
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
}

/** Scored customers 0..count-1 (see scoredCustomer), for the app's database. */
export { scoredCustomer, customerGid } from "./sim-client";
