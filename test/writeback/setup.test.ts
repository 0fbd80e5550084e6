/**
 * Store setup against the simulator: metafield definitions and one segment per persona,
 * idempotent across installs, following renames.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PERSONA_RULES, PERSONAS } from "~/rfm";
import { PERSONA_METAFIELDS } from "~/platforms/shopify/writeback/metafields";
import { ensureStoreSetup } from "~/platforms/shopify/writeback/setup.server";
import { createShopifyWriter, SETUP_REUSE_MS } from "~/platforms/shopify/writeback/writer.server";
import type { PlatformContext } from "~/platforms/types";
import { appNamespaceOf, createTestShop, startWritebackSim, type WritebackSim } from "./support";

let h: WritebackSim;
beforeAll(async () => {
  h = await startWritebackSim();
});
afterAll(async () => {
  await h.sim.stop();
});

const segmentsOf = (t: Awaited<ReturnType<typeof createTestShop>>) => [...t.shop.store.segments.values()];
const definitionsOf = (t: Awaited<ReturnType<typeof createTestShop>>) => [...t.shop.store.metafieldDefinitions.values()];

describe("store setup", () => {
  it("GIVEN a write-back step that just set the store up WHEN the next steps run THEN they reuse it while the settings stand and for a minute, and check again after a settings change or a removal", async () => {
    const t = await createTestShop(h, { count: 5 });
    const writer = createShopifyWriter({ graphqlFor: async () => t.deps.graphql, fetchFile: t.deps.fetchFile });
    const ctx = { db: t.db, now: t.deps.now } as unknown as PlatformContext;
    const shop = { id: t.shopId, domain: t.domain, platform: "shopify" as const, currency: "USD", timezone: "UTC" };
    const setupReads = () => t.shop.stats().log.filter((r) => r.rootFields?.includes("metafieldDefinitions")).length;
    const step = async () => {
      const before = setupReads();
      await writer.writeback(shop, ctx, { step: 20 });
      return setupReads() > before ? "checked" : "reused";
    };

    const first = await step();
    h.clock.advance(10_000);
    const soonAfter = await step();
    await t.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify({ writeback: { tagPrefix: "rfm-" } }), t.shopId);
    const afterSettings = await step();
    h.clock.advance(SETUP_REUSE_MS + 1);
    const aMinuteLater = await step();
    await writer.removeAll(shop, ctx, { segments: true });
    const afterRemoval = await step();

    expect([first, soonAfter, afterSettings, aMinuteLater, afterRemoval]).toEqual(["checked", "reused", "checked", "checked", "checked"]);
    expect(segmentsOf(t).find((s) => s.name === "RFM: Champions")?.query).toBe("customer_tags CONTAINS 'rfm-champions'");
  });

  it("GIVEN a fresh shop WHEN set up twice THEN each definition and each persona's segment exists exactly once", async () => {
    const t = await createTestShop(h, { count: 1 });

    const first = await ensureStoreSetup(t.shopId, t.deps);
    const second = await ensureStoreSetup(t.shopId, t.deps);

    expect(first.definitions.created.sort()).toEqual(PERSONA_METAFIELDS.map((m) => m.key).sort());
    expect(second.definitions).toMatchObject({ created: [], failed: [] });
    expect(second.definitions.existing).toHaveLength(PERSONA_METAFIELDS.length);
    const definitions = definitionsOf(t);
    expect(definitions).toHaveLength(PERSONA_METAFIELDS.length);
    for (const d of definitions) {
      expect(d).toMatchObject({ ownerType: "CUSTOMER", namespace: appNamespaceOf(t.shop), adminFilterable: true, access: { admin: "MERCHANT_READ" } });
      expect(d.name).toMatch(/RFM/);
    }

    expect(first.segments.created).toHaveLength(PERSONAS.length);
    expect(second.segments.unchanged).toHaveLength(PERSONAS.length);
    const segments = segmentsOf(t);
    expect(segments).toHaveLength(PERSONAS.length);
    expect(segments.find((s) => s.name === "RFM: Champions")?.query).toBe("customer_tags CONTAINS 'rfm:champions'");
    const rows = await t.db.prepare(`SELECT persona, segmentId, name FROM "PersonaSegment" WHERE shopId = ?`).all(t.shopId);
    expect(rows).toHaveLength(PERSONAS.length);
  });

  it("GIVEN the app's records were lost WHEN set up again THEN the existing segments are adopted, not duplicated", async () => {
    const t = await createTestShop(h, { count: 1 });
    await ensureStoreSetup(t.shopId, t.deps);
    await t.db.prepare(`DELETE FROM "PersonaSegment" WHERE shopId = ?`).run(t.shopId);

    const report = await ensureStoreSetup(t.shopId, t.deps);

    expect(report.segments.adopted).toHaveLength(PERSONAS.length);
    expect(segmentsOf(t)).toHaveLength(PERSONAS.length);
  });

  it("GIVEN a renamed persona and a new tag prefix WHEN set up THEN the segments are updated in place", async () => {
    const t = await createTestShop(h, { count: 1 });
    await ensureStoreSetup(t.shopId, t.deps);
    const ids = segmentsOf(t).map((s) => s.id).sort();
    const rules = [
      { name: "VIPs", slug: "champions", r: [4, 5], f: [4, 5], m: [4, 5] },
      { name: "Everyone else", r: [1, 5], f: [1, 5], m: [1, 5] },
    ];
    await t.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(
      JSON.stringify({ personas: { map: "custom", rules }, writeback: { tagPrefix: "rfm-" } }),
      t.shopId,
    );

    const report = await ensureStoreSetup(t.shopId, t.deps);

    expect(report.segments.updated.sort()).toEqual(["champions", "lost"]);
    expect(report.segments.created).toEqual(["everyone-else"]);
    const vips = segmentsOf(t).find((s) => s.name === "RFM: VIPs")!;
    expect(ids).toContain(vips.id);
    expect(vips.query).toBe("customer_tags CONTAINS 'rfm-champions'");
    // Segments of personas the map no longer has are deleted: nothing is left behind.
    expect(report.segments.removed).toHaveLength(PERSONAS.length - 2);
    expect(segmentsOf(t).map((s) => s.name).sort()).toEqual(["RFM: Everyone else", "RFM: Lost", "RFM: VIPs"]);
    expect(await t.db.prepare(`SELECT count(*) FROM "PersonaSegment" WHERE shopId = ?`).pluck().get(t.shopId)).toBe(3);
  });

  it("GIVEN write-back is turned off WHEN set up THEN the store is left alone", async () => {
    const t = await createTestShop(h, { count: 1, settings: { writeback: { enabled: false } } });

    const report = await ensureStoreSetup(t.shopId, t.deps);

    expect(report.skipped).toMatch(/off/);
    expect(t.shop.stats().graphqlRequests).toBe(0);
  });

  it("GIVEN a segment name the merchant already uses WHEN set up THEN it is taken over rather than duplicated", async () => {
    const t = await createTestShop(h, { count: 1 });
    await t.shop.graphql(`mutation { segmentCreate(name: "RFM: Loyal", query: "number_of_orders > 3") { userErrors { message } } }`);

    const report = await ensureStoreSetup(t.shopId, t.deps);

    expect(report.segments.adopted).toEqual(["loyal"]);
    const loyal = segmentsOf(t).filter((s) => s.name === "RFM: Loyal");
    expect(loyal).toHaveLength(1);
    expect(loyal[0].query).toBe("customer_tags CONTAINS 'rfm:loyal'");
  });
});

describe("store setup after the persona map changes back", () => {
  it("GIVEN a persona added to the map and its segment created WHEN the map is reset to the default THEN that segment is deleted and the default personas' segments stay", async () => {
    const t = await createTestShop(h, { count: 1 });
    const custom = { personas: { map: "custom", rules: [{ name: "New persona", slug: "new-persona", r: [5, 5], f: [5, 5], m: [5, 5] }, ...DEFAULT_PERSONA_RULES] } };
    await t.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify(custom), t.shopId);
    await ensureStoreSetup(t.shopId, t.deps);
    expect(segmentsOf(t).map((s) => s.name)).toContain("RFM: New persona");

    await t.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify({ personas: { map: "default" } }), t.shopId);
    const report = await ensureStoreSetup(t.shopId, t.deps);

    expect(report.segments.removed).toEqual(["new-persona"]);
    expect(segmentsOf(t).map((s) => s.name).sort()).toEqual(PERSONAS.map((p) => `RFM: ${p.name}`).sort());
  });
});
