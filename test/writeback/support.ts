/**
 * Write-back test fixtures: a simulator with an injectable clock (throttle waits advance
 * it instead of sleeping), a fresh app database per shop, and a check that the simulated
 * store carries exactly what the app's database says.
 */
import { expect } from "vitest";
import type { Db } from "~/db/index.server";
import { shopifyCustomerIds } from "~/platforms/shopify/ids";
import type { WriteConsentState } from "~/shops/write-consent.server";
import { FLOW_TRIGGER_HANDLE } from "~/platforms/shopify/writeback/flow";
import type { ShopifyWritebackDeps } from "~/platforms/shopify/writeback/writer.server";
import { createManualClock, startSimulator, type ManualClock, type ShopOptions, type SimShop, type Simulator } from "../../sim/shopify";
import { appNamespaceOf, personaDataIn } from "../support/app-harness";
import { addShop, freshDatabase } from "../support/db";
import { expectStoreMatchesDatabase as expectStoreMatchesDatabaseIn } from "../support/persona-data";
import { CUSTOMER_ID_BASE, simCustomers, simGraphql, upsertScoredCustomers, type ScoredCustomer } from "./sim-client";

export interface WritebackSim {
  sim: Simulator;
  clock: ManualClock;
}

export async function startWritebackSim(): Promise<WritebackSim> {
  const clock = createManualClock("2026-11-01T12:00:00Z");
  const sim = await startSimulator({ clock, bulk: { delayMs: 10 }, seed: "writeback" });
  return { sim, clock };
}

export interface TestShop {
  shop: SimShop;
  domain: string;
  db: Db;
  shopId: string;
  deps: ShopifyWritebackDeps;
}

let shops = 0;

/** A simulated shop with `count` customers and the app's database holding their scores. */
export async function createTestShop(
  { sim, clock }: WritebackSim,
  options: { count: number; settings?: unknown; customers?: ScoredCustomer[]; shop?: Partial<ShopOptions>; writeConsent?: WriteConsentState },
): Promise<TestShop> {
  const domain = `writeback-${++shops}.myshopify.com`;
  const shop = await sim.addShop({
    domain,
    customers: simCustomers(options.count),
    flowTriggerHandles: [FLOW_TRIGGER_HANDLE],
    ...options.shop,
  });
  const { db } = await freshDatabase();
  const shopId = await addShop(db, domain, { settings: options.settings, writeConsent: options.writeConsent });
  if (options.customers) await upsertScoredCustomers(db, shopId, options.customers);
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

export { jobQueueOf } from "../support/job-runner";

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
export async function expectStoreMatchesDatabase(t: Pick<TestShop, "shop" | "db" | "shopId">, options: { prefix?: string } = {}): Promise<void> {
  const { writable } = await expectStoreMatchesDatabaseIn(t.db, t.shopId, {
    isWritable: shopifyCustomerIds.isWritable,
    capabilities: { labels: true, fields: true },
    personaDataOf: (customerKey) => {
      const data = personaDataIn(t.shop, customerKey);
      for (const tag of data ? merchantTags(customerKey) : []) expect(data!.labels, customerKey).toContain(tag);
      return data;
    },
    prefix: options.prefix,
  });
  expect(writable).toBeGreaterThan(0);
}

export { appNamespaceOf };

/** Scored customers 0..count-1 (see scoredCustomer), for the app's database. */
export { scoredCustomer, customerGid } from "./sim-client";
