/**
 * The merchant's first hour on write-back, in Chromium inside the simulated admin, on a store
 * of its own (a second shop in the shared simulator, installed by opening the app): nothing is
 * written before the merchant approves on the dashboard's setup guide, which shows what will
 * change; approving writes; removing asks in a modal, then leaves nothing of ours in the store
 * and the dashboard says so.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SHOPIFY_WRITER_CAPABILITIES } from "~/platforms/shopify/writeback/writer.server";
import { shopifyCustomerIds } from "~/platforms/shopify/ids";
import { createJobQueue } from "~/jobs/queue.server";
import { removalSummary, writebackSummary, type WritebackSummary } from "~/writeback/consent.server";
import { waitForFirstSync } from "../../scripts/lib/demo-stack";
import { generateSeed, type SimShop } from "../../sim/shopify";
import { appSettled, harness, openAdmin, query, screenshot } from "./support/harness";

const DOMAIN = "first-hour.myshopify.com";
const WRITES = new Set(["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete", "bulkOperationRunMutation", "flowTriggerReceive", "segmentCreate", "segmentUpdate"]);

describe("consent before writing, and removal that finishes", () => {
  let shop: SimShop;
  let shopId = "";

  const store = () => ({
    tagged: [...shop.store.customers.values()].filter((c) => c.tags.some((t) => t.startsWith("rfm:"))).length,
    metafields: [...shop.store.metafields.values()].filter((m) => m.ownerType === "CUSTOMER" && m.namespace.startsWith("app--")).length,
    segments: [...shop.store.segments.values()].filter((s) => s.name.startsWith("RFM: ")).length,
    writes: shop.stats().mutations.filter((m) => WRITES.has(m)),
  });
  /** Background jobs done and the store's webhooks delivered. */
  const settled = async () => {
    const { stack } = await harness();
    await waitForFirstSync(stack.db, DOMAIN, 120);
    await stack.sim.settle();
  };

  beforeAll(async () => {
    const { stack } = await harness();
    const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
    shop = stack.sim.addShop({
      domain: DOMAIN,
      name: "First Hour Store",
      data: generateSeed({ dataset: "cdnow", maxCustomers: 150, shiftDatesTo: today, seed: 7 }),
      installed: false,
    });
  });

  it("GIVEN a store that just installed the app WHEN its orders are imported and scored THEN the store has no persona tag, metafield, segment or Flow trigger, and the dashboard asks for the go-ahead with the plan's numbers", async () => {
    // Opening the app from the admin installs it (session token → token exchange).
    await openAdmin("", { shop: DOMAIN });
    await settled();
    [{ id: shopId }] = await query<{ id: string }>(`SELECT id FROM "Shop" WHERE domain = ?`, DOMAIN);
    const [{ scored }] = await query<{ scored: number }>(`SELECT count(*) AS scored FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`, shopId);
    expect(scored).toBeGreaterThan(50);

    const admin = await openAdmin("", { shop: DOMAIN });
    const guide = admin.app.locator(".Polaris-ShadowBevel", { hasText: "Write personas to your store" });
    await guide.waitFor();
    const text = (await guide.textContent()) ?? "";
    await screenshot(admin, "consent-step");

    expect(store()).toEqual({ tagged: 0, metafields: 0, segments: 0, writes: [] });
    const { stack } = await harness();
    const summary: WritebackSummary = await writebackSummary(stack.db, shopId, { customers: shopifyCustomerIds, writer: { capabilities: SHOPIFY_WRITER_CAPABILITIES } });
    expect(summary.customersLabelled).toBeGreaterThan(50);
    expect(text).toContain("write-back is waiting for your go-ahead");
    expect(text).toContain(`${summary.customersLabelled.toLocaleString("en-US")} customers tagged with their persona`);
    expect(text).toContain(`${summary.customersWithFields.toLocaleString("en-US")} customers get persona metafields`);
    expect(text).toContain("11 customer segments created");
    expect(text).toContain('No "RFM persona changed" Flow trigger fires now');
    expect(text).toContain('Customer tags added');
  });

  it("GIVEN the setup guide WHEN the merchant approves THEN the tags the guide announced appear in the store and the guide is gone", async () => {
    const { stack } = await harness();
    const summary = await writebackSummary(stack.db, shopId, { customers: shopifyCustomerIds, writer: { capabilities: SHOPIFY_WRITER_CAPABILITIES } });
    const admin = await openAdmin("", { shop: DOMAIN });

    await admin.app.getByRole("button", { name: "Approve write-back" }).click();
    await appSettled(admin.app);
    await settled();

    const [consent] = await query<{ writeConsent: string; writeConsentAt: number }>(`SELECT writeConsent, writeConsentAt FROM "Shop" WHERE id = ?`, shopId);
    expect(consent.writeConsent).toBe("granted");
    expect(consent.writeConsentAt).toBeGreaterThan(0);
    const after = store();
    expect(after.tagged).toBe(summary.customersLabelled);
    expect(after.metafields).toBeGreaterThan(0);
    expect(after.segments).toBe(11);
    expect(after.writes).not.toContain("flowTriggerReceive");
    const reopened = await openAdmin("", { shop: DOMAIN });
    expect(await reopened.app.getByText("Write personas to your store").count()).toBe(0);
  });

  it("GIVEN personas written WHEN the merchant removes persona data THEN a modal says what goes, and afterwards no tag, metafield or segment is left and the dashboard says removed, paused", async () => {
    const { stack } = await harness();
    const carrying = (await removalSummary(stack.db, shopId, { writer: { capabilities: SHOPIFY_WRITER_CAPABILITIES } })).customers;
    expect(carrying).toBeGreaterThan(50);
    const admin = await openAdmin("/app/settings", { shop: DOMAIN });
    await admin.app.getByRole("button", { name: "Remove all persona tags and metafields" }).click();
    const dialog = admin.app.getByRole("dialog");
    await dialog.getByText("Remove persona data from your store?").waitFor();
    const said = (await dialog.textContent()) ?? "";
    await screenshot(admin, "removal-modal");

    expect(said).toContain(`persona tags and persona metafields from ${carrying.toLocaleString("en-US")} customers`);
    expect(said).toContain("Also delete the 11 customer segments this app created");
    expect(await dialog.getByRole("checkbox").isChecked()).toBe(true);
    // Nothing happens until the merchant confirms.
    expect(store().tagged).toBeGreaterThan(0);

    await dialog.getByRole("button", { name: "Remove persona data" }).click();
    await admin.app.getByText("Removing persona data from your store").waitFor();
    await settled();

    expect(store()).toMatchObject({ tagged: 0, metafields: 0, segments: 0 });
    const dashboard = await openAdmin("", { shop: DOMAIN });
    const guide = dashboard.app.locator(".Polaris-ShadowBevel", { hasText: "Persona data removed from your store" });
    await guide.waitFor();
    expect(await guide.textContent()).toContain("Removed, paused");
    await screenshot(dashboard, "removed-paused");
    // The persona pages tell the same truth: neither the tag nor the segment is in the store.
    const [{ persona }] = await query<{ persona: string }>(`SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL LIMIT 1`, shopId);
    const personaPage = await openAdmin(`/app/personas/${persona}`, { shop: DOMAIN });
    expect(await personaPage.app.getByText("Not in your store. Write-back is paused.").count()).toBe(2);
    // Write-back stays paused: a rescore writes nothing.
    await createJobQueue(stack.db).enqueue("writeback", shopId);
    await settled();
    expect(store().tagged).toBe(0);
  });
});
