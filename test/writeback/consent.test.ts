/**
 * Write-back waits for the merchant's go-ahead: against the Shopify simulator, a shop that has
 * not approved gets no tag, metafield, definition, segment or Flow trigger; the consent step's
 * summary is the plan the approved run then carries out; pausing stops writing again.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERSONAS } from "~/rfm";
import { shopifyCustomerIds } from "~/platforms/shopify/ids";
import type { PlatformContext } from "~/platforms/types";
import { createShopifyWriter, SHOPIFY_WRITER_CAPABILITIES, runWriteback } from "~/platforms/shopify/writeback/writer.server";
import { requestPersonaDataRemoval } from "~/dashboard/settings.server";
import { ensureStoreSetup } from "~/platforms/shopify/writeback/setup.server";
import { createShop } from "~/shops/shop.server";
import { writeConsent } from "~/shops/write-consent.server";
import { approveWriteback, pauseWriteback, removalSummary, writebackGate, writebackSummary } from "~/writeback/consent.server";
import { personaInStore } from "~/writeback/status.server";
import { onPostgres } from "../support/db";
import { queuedJobs } from "../support/queued-jobs";
import { createTestShop, expectStoreMatchesDatabase, jobQueueOf, scoredCustomer, startWritebackSim, type TestShop, type WritebackSim } from "./support";

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");
const MIGRATION = path.join(MIGRATIONS, readdirSync(MIGRATIONS).find((d) => d.endsWith("_write_consent"))!, "migration.sql");

let h: WritebackSim;
beforeAll(async () => {
  h = await startWritebackSim();
});
afterAll(async () => {
  await h.sim.stop();
});

const SHOPIFY = { customers: shopifyCustomerIds, writer: { capabilities: SHOPIFY_WRITER_CAPABILITIES } };
const scored = (count: number) => Array.from({ length: count }, (_, i) => scoredCustomer(i, h.clock.now()));
/** What the write-back job does: store setup, then the run. */
const writebackJob = async (t: TestShop) => runWriteback(t.shopId, { ...t.deps, setup: await ensureStoreSetup(t.shopId, t.deps) });
const mutations = (t: TestShop) => t.shop.stats().mutations;
const taggedCustomers = (t: TestShop) => [...t.shop.store.customers.values()].filter((c) => c.tags.some((tag) => tag.startsWith("rfm:"))).length;

describe("consent before writing to the store", () => {
  it("GIVEN a shop created by install WHEN its consent is read THEN it waits for the merchant and the gate is closed", async () => {
    const t = await createTestShop(h, { count: 1 });
    const id = await createShop(t.db, { domain: "fresh-install.myshopify.com", platform: "shopify" });

    expect(await writeConsent(t.db, id)).toEqual({ state: "pending", at: null });
    expect(await writebackGate(t.db, id)).toEqual({ allowed: false, reason: "pending" });
  });

  // The migration is SQLite's; PostgreSQL's schema starts with consent.
  it.skipIf(onPostgres())("GIVEN shops stored before consent was asked for WHEN the migration runs THEN they keep writing (granted, with a time), and a shop made afterwards waits", async () => {
    const t = await createTestShop(h, { count: 1 });
    const before = await createShop(t.db, { domain: "before-consent.myshopify.com", platform: "shopify" });
    // The database as it was: no consent columns.
    await t.db.exec(`ALTER TABLE "Shop" DROP COLUMN "writeConsentAt"; ALTER TABLE "Shop" DROP COLUMN "writeConsent";`);

    await t.db.exec(readFileSync(MIGRATION, "utf8"));
    const after = await createShop(t.db, { domain: "after-consent.myshopify.com", platform: "shopify" });

    expect((await writeConsent(t.db, before)).state).toBe("granted");
    expect((await writeConsent(t.db, before)).at).toBeGreaterThan(Date.now() - 60_000);
    expect(await writebackGate(t.db, before)).toEqual({ allowed: true });
    expect(await writeConsent(t.db, after)).toEqual({ state: "pending", at: null });
  });

  it("GIVEN a scored shop that has not approved WHEN the write-back job runs THEN the store gets no tag, metafield, definition, segment or trigger", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30), writeConsent: "pending" });

    const report = await writebackJob(t);

    expect(report.status).toBe("awaiting-consent");
    expect(mutations(t)).toEqual([]);
    expect(t.shop.store.segments.size).toBe(0);
    expect(taggedCustomers(t)).toBe(0);
    expect(await t.db.prepare(`SELECT count(*) FROM "WritebackRun" WHERE shopId = ?`).pluck().get(t.shopId)).toBe(0);
  });

  it("GIVEN a scored shop that has not approved WHEN the merchant approves THEN consent and its time are stored, a run is queued, and it does what the summary said", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30), writeConsent: "pending" });
    const summary = await writebackSummary(t.db, t.shopId, SHOPIFY);
    const queue = jobQueueOf(t.db);
    const at = new Date("2026-11-30T10:00:00Z");

    await approveWriteback(t.shopId, { db: t.db, queue, now: () => at });
    const report = await writebackJob(t);

    expect(await writeConsent(t.db, t.shopId)).toEqual({ state: "granted", at: at.getTime() });
    expect((await queuedJobs(t.db, t.shopId)).filter((j) => j.status === "pending").map((j) => j.type)).toContain("writeback");
    // 30 customers, every 13th without a persona: 28 to tag, each with its persona fields.
    expect(summary).toMatchObject({ customers: 28, customersLabelled: 28, customersWithFields: 28, personaChangedTriggers: 0, guests: 0 });
    expect(summary.fieldKeys).toEqual(expect.arrayContaining(["persona", "r_score", "f_score", "m_score", "score"]));
    expect(summary.segmentsToCreate).toHaveLength(PERSONAS.length);
    expect(summary.exampleLabel).toMatch(/^rfm:/);
    expect(report.status).toBe("done");
    expect(taggedCustomers(t)).toBe(summary.customersLabelled);
    expect(t.shop.store.segments.size).toBe(summary.segmentsToCreate.length);
    expect(report.flowTriggers.sent).toBe(0);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN an approved shop WHEN the merchant pauses THEN a persona change is not written until they approve again", async () => {
    const t = await createTestShop(h, { count: 5, customers: scored(5) });
    await writebackJob(t);
    const queue = jobQueueOf(t.db);
    await pauseWriteback(t.shopId, { db: t.db });
    await t.db.prepare(`UPDATE "Customer" SET persona = 'lost', previousPersona = persona WHERE shopId = ? AND persona IS NOT NULL`).run(t.shopId);
    const before = mutations(t).length;

    const paused = await writebackJob(t);

    expect(paused.status).toBe("awaiting-consent");
    expect(mutations(t)).toHaveLength(before);
    expect((await writeConsent(t.db, t.shopId)).state).toBe("paused");
    const summary = await writebackSummary(t.db, t.shopId, SHOPIFY);
    expect(summary.customers).toBeGreaterThan(0);
    // Not the first write-back any more: each persona change fires the app's own trigger.
    expect(summary.personaChangedTriggers).toBe(summary.customers);
    expect(summary.segmentsToCreate).toEqual([]);

    await approveWriteback(t.shopId, { db: t.db, queue });
    const resumed = await writebackJob(t);

    expect(resumed.status).toBe("done");
    expect(resumed.customers.written).toBe(summary.customers);
    expect(resumed.flowTriggers.sent).toBe(summary.personaChangedTriggers);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN personas written WHEN the merchant removes persona data with the segments THEN no tag, metafield or segment is left, the persona shows absent, and write-back stays paused", async () => {
    const t = await createTestShop(h, { count: 20, customers: scored(20) });
    await writebackJob(t);
    const slug = await t.db.prepare(`SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL LIMIT 1`).pluck().get(t.shopId) as string;
    const before = await personaInStore(t.db, t.shopId, slug, `rfm:${slug}`, SHOPIFY_WRITER_CAPABILITIES);
    expect(before).toMatchObject({ segments: true, segment: true, writing: true });
    expect(before.customersLabelled).toBeGreaterThan(0);
    expect(await removalSummary(t.db, t.shopId, SHOPIFY)).toMatchObject({ customers: 19, segments: PERSONAS.length });
    const queue = jobQueueOf(t.db);
    const writer = createShopifyWriter({ graphqlFor: async () => t.deps.graphql, fetchFile: t.deps.fetchFile });
    const ctx = { db: t.db, now: t.deps.now } as unknown as PlatformContext;

    await requestPersonaDataRemoval(t.shopId, { db: t.db, queue }, { segments: true });
    const [job] = (await queuedJobs(t.db, t.shopId)).filter((j) => j.status === "pending").map(({ type, payload }) => ({ type, payload }));
    await writer.removeAll({ id: t.shopId, domain: t.domain, platform: "shopify", currency: "USD", timezone: "UTC" }, ctx, { segments: true });

    expect(job).toEqual({ type: "cleanup", payload: JSON.stringify({ segments: true }) });
    expect(taggedCustomers(t)).toBe(0);
    expect([...t.shop.store.metafields.values()].filter((m) => m.ownerType === "CUSTOMER")).toEqual([]);
    expect(t.shop.store.segments.size).toBe(0);
    expect(await personaInStore(t.db, t.shopId, slug, `rfm:${slug}`, SHOPIFY_WRITER_CAPABILITIES)).toEqual({ customersLabelled: 0, segments: true, segment: false, writing: false });
    expect((await writeConsent(t.db, t.shopId)).state).toBe("removed");
    expect((await writebackJob(t)).status).toBe("awaiting-consent");
    expect(taggedCustomers(t)).toBe(0);

    // Approved again: everyone is labelled once more, and nobody changed persona, so no trigger fires.
    const summary = await writebackSummary(t.db, t.shopId, SHOPIFY);
    await approveWriteback(t.shopId, { db: t.db, queue });
    const again = await writebackJob(t);

    expect(summary).toMatchObject({ customersLabelled: 19, personaChangedTriggers: 0 });
    expect(summary.segmentsToCreate).toHaveLength(PERSONAS.length);
    expect(again.customers.written).toBe(19);
    expect(again.flowTriggers.sent).toBe(0);
    expect(mutations(t)).not.toContain("flowTriggerReceive");
    await expectStoreMatchesDatabase(t);
  });
});
