/**
 * Persona metafields are owned by the app (docs/decisions/009-metafield-ownership.md):
 * declared in shopify.app.toml under `$app`, never reused when a definition of another type
 * is in the way, safe from other apps, and shops written under the old `rfm` namespace move over.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writebackProblem } from "~/writeback/status.server";
import { LEGACY_NAMESPACE, PERSONA_METAFIELDS, PERSONA_NAMESPACE } from "~/platforms/shopify/writeback/metafields";
import { runWriteback } from "~/platforms/shopify/writeback/writer.server";
import { ensureStoreSetup } from "~/platforms/shopify/writeback/setup.server";
import { createManualClock, metafieldDefinitionsFromAppToml, startSimulator } from "../../sim/shopify";
import { appNamespaceOf, createTestShop, customerGid, expectStoreMatchesDatabase, scoredCustomer, simCustomerId, type WritebackSim } from "./support";

const toml = readFileSync(path.resolve(import.meta.dirname, "..", "..", "shopify.app.toml"), "utf8");
const scored = (count: number, at: number) => Array.from({ length: count }, (_, n) => scoredCustomer(n, at));

/** A simulator whose app declares (`declared`) or does not declare the TOML definitions. */
async function harness(declared: boolean): Promise<WritebackSim> {
  const clock = createManualClock("2026-11-01T12:00:00Z");
  const sim = await startSimulator({
    clock,
    bulk: { delayMs: 10 },
    seed: "ownership",
    app: declared ? { metafieldDefinitions: metafieldDefinitionsFromAppToml(toml) } : {},
  });
  return { sim, clock };
}

describe("metafield definitions declared in shopify.app.toml", () => {
  it("GIVEN shopify.app.toml WHEN read THEN it declares every persona metafield write-back writes, with its type, merchant-read and filterable", async () => {
    const declared = ((parse(toml) as { customer: { metafields: { app: Record<string, Record<string, unknown>> } } }).customer.metafields.app);
    expect(Object.keys(declared).sort()).toEqual(PERSONA_METAFIELDS.map((m) => m.key).sort());
    for (const spec of PERSONA_METAFIELDS) {
      expect(declared[spec.key], spec.key).toEqual({
        type: spec.type,
        name: spec.name,
        description: spec.description,
        access: { admin: "merchant_read" },
        capabilities: { admin_filterable: true },
      });
    }
  });
});

describe("against a shop where Shopify created the declared definitions", () => {
  let h: WritebackSim;
  beforeAll(async () => {
    h = await harness(true);
  });
  afterAll(() => h.sim.stop());

  it("GIVEN the declared definitions WHEN set up THEN every one is found and none is created", async () => {
    const t = await createTestShop(h, { count: 1 });
    const report = await ensureStoreSetup(t.shopId, t.deps);
    expect(report.definitions).toMatchObject({ created: [], failed: [], conflicts: [], notFilterable: [] });
    expect(report.definitions.existing.sort()).toEqual(PERSONA_METAFIELDS.map((m) => m.key).sort());
    expect(t.shop.stats().mutations).not.toContain("metafieldDefinitionCreate");
  });

  it("GIVEN personas written back WHEN another app tries to overwrite or delete them THEN Shopify refuses and our values stay", async () => {
    const t = await createTestShop(h, { count: 3, customers: scored(3, h.clock.now()) });
    await runWriteback(t.shopId, { ...t.deps, setup: await ensureStoreSetup(t.shopId, t.deps) });
    const ours = appNamespaceOf(t.shop);
    const other = t.shop.issueAccessToken({ apiClientId: "31337" });
    const ownerId = customerGid(0);

    const overwrite = await t.shop.graphql(
      `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { code } } }`,
      { m: [{ ownerId, namespace: ours, key: "persona", type: "single_line_text_field", value: "Lost" }] },
      { token: other },
    );
    const removal = await t.shop.graphql(
      `mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { userErrors { message } } }`,
      { m: [{ ownerId, namespace: ours, key: "persona" }] },
      { token: other },
    );

    expect(overwrite.data).toEqual({ metafieldsSet: { userErrors: [{ code: "APP_NOT_AUTHORIZED" }] } });
    expect(removal.data).toMatchObject({ metafieldsDelete: { userErrors: [{ message: expect.stringMatching(/app owner/) }] } });
    await expectStoreMatchesDatabase(t);
  });
});

describe("against a shop without the declared definitions", () => {
  let h: WritebackSim;
  beforeAll(async () => {
    h = await harness(false);
  });
  afterAll(() => h.sim.stop());

  it("GIVEN our namespace already defines r_score as text WHEN set up and written back THEN the conflict is reported on the run and the dashboard, r_score is not written, and the rest is", async () => {
    const t = await createTestShop(h, { count: 8, customers: scored(8, h.clock.now()) });
    await t.shop.graphql(
      `mutation($d: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $d) { userErrors { message } } }`,
      { d: { name: "Recency", namespace: "$app", key: "r_score", type: "single_line_text_field", ownerType: "CUSTOMER" } },
    );

    const setup = await ensureStoreSetup(t.shopId, t.deps);
    const report = await runWriteback(t.shopId, { ...t.deps, setup });

    expect(setup.definitions.conflicts).toEqual([
      { key: "r_score", namespace: appNamespaceOf(t.shop), expectedType: "number_integer", actualType: "single_line_text_field" },
    ]);
    expect(setup.definitions.created).toHaveLength(PERSONA_METAFIELDS.length - 1);
    expect(report).toMatchObject({ status: "done", customers: { failed: 0 } });
    expect(report.customers.written).toBeGreaterThan(0);
    expect(report.problems).toEqual([expect.stringMatching(/r_score has type single_line_text_field, but RFM Personas writes number_integer/)]);
    const problem = await writebackProblem(t.db, t.shopId); // what the dashboard shows
    expect(problem).toMatch(/r_score/);
    for (const customer of t.shop.store.customers.values()) {
      const keys = t.shop.store.metafieldsOf("CUSTOMER", customer.id).map((m) => m.key);
      expect(keys).not.toContain("r_score");
      if (keys.length > 0) expect(keys).toContain("persona");
    }
  });

  it("GIVEN a shop written by the previous version under the rfm namespace WHEN written back THEN its persona metafields move to the app's namespace and the merchant's own rfm metafields stay", async () => {
    const t = await createTestShop(h, { count: 10, customers: scored(10, h.clock.now()) });
    await runWriteback(t.shopId, { ...t.deps, setup: await ensureStoreSetup(t.shopId, t.deps) });
    // Turn it into what the previous version left: values under rfm, recorded as rfm.<key>.
    const ours = appNamespaceOf(t.shop);
    // Replaced, not edited in place: the store indexes its metafields by namespace and key.
    const { metafields } = t.shop.store;
    for (const mf of [...metafields.values()]) if (mf.namespace === ours) metafields.set(mf.id, { ...mf, namespace: LEGACY_NAMESPACE });
    await t.db.prepare(`UPDATE "Customer" SET written = replace(written, ?, ?) WHERE shopId = ?`).run(`"${PERSONA_NAMESPACE}.`, `"${LEGACY_NAMESPACE}.`, t.shopId);
    const merchantOwn = await t.shop.graphql(
      `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }`,
      { m: [{ ownerId: customerGid(0), namespace: LEGACY_NAMESPACE, key: "loyalty_points", type: "number_integer", value: "120" }] },
    );
    expect(merchantOwn.data).toEqual({ metafieldsSet: { userErrors: [] } });
    const legacyBefore = [...t.shop.store.metafields.values()].filter((m) => m.namespace === LEGACY_NAMESPACE).length;
    expect(legacyBefore).toBeGreaterThan(10);

    const report = await runWriteback(t.shopId, { ...t.deps, setup: await ensureStoreSetup(t.shopId, t.deps) });

    expect(report).toMatchObject({ status: "done", customers: { failed: 0 } });
    const legacyAfter = [...t.shop.store.metafields.values()].filter((m) => m.namespace === LEGACY_NAMESPACE);
    expect(legacyAfter.map((m) => [m.ownerId, m.key])).toEqual([[simCustomerId(customerGid(0)), "loyalty_points"]]);
    await expectStoreMatchesDatabase(t);
    // Once moved, nothing is left to do.
    t.shop.resetStats();
    expect((await runWriteback(t.shopId, t.deps)).customers.toWrite).toBe(0);
    expect(t.shop.stats().graphqlRequests).toBe(0);
  });
});

