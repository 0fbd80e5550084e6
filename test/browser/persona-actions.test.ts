/**
 * Acting on a persona, in Chromium inside the simulated admin, on a store of its own whose
 * merchant approved write-back: the persona page links the persona's own segment in the admin
 * (the id write-back stored, a segment the store has), names the app's "RFM persona changed"
 * Flow trigger with the steps, and offers export, copy tag and a discount for the segment.
 * The simulated admin has no segment or Flow pages: a shopify://admin/… link resolves when the
 * admin receives it (App Bridge's route) and what it names exists in the store.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import { waitForFirstSync } from "../../scripts/lib/demo-stack";
import { generateSeed, type SimShop } from "../../sim/shopify";
import { appSettled, harness, openAdmin, query, screenshot } from "./support/harness";
import { ROOT } from "./support/paths";

const DOMAIN = "persona-actions.myshopify.com";

describe("acting on a persona", () => {
  let shop: SimShop;
  let shopId = "";
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
      name: "Persona Actions Store",
      data: generateSeed({ dataset: "cdnow", maxCustomers: 150, shiftDatesTo: today, seed: 11 }),
      installed: false,
    });
    await openAdmin("", { shop: DOMAIN }); // installs
    await settled();
    [{ id: shopId }] = await query<{ id: string }>(`SELECT id FROM "Shop" WHERE domain = ?`, DOMAIN);
    const admin = await openAdmin("", { shop: DOMAIN });
    await admin.app.getByRole("button", { name: "Approve write-back" }).click();
    await appSettled(admin.app);
    await settled();
  });

  it("GIVEN personas written with their segments WHEN the merchant opens a persona THEN its segment link opens that very segment in the admin, and the Flow card names the app's own trigger with the steps", async () => {
    const [{ persona, segmentId, name }] = await query<{ persona: string; segmentId: string; name: string }>(
      `SELECT s.persona, s.segmentId, s.name FROM "PersonaSegment" s
       WHERE s.shopId = ? AND EXISTS (SELECT 1 FROM "Customer" c WHERE c.shopId = s.shopId AND c.persona = s.persona)
       ORDER BY s.persona LIMIT 1`,
      shopId,
    );
    const id = Number(segmentId.split("/").pop());
    const admin = await openAdmin(`/app/personas/${persona}`, {
      shop: DOMAIN,
      beforeLoad: (context) => context.grantPermissions(["clipboard-read", "clipboard-write"]),
    });
    const personaName = ((await admin.app.locator("h1").first().textContent()) ?? "").trim();

    const segmentLink = admin.app.getByRole("link", { name: "Open segment in Shopify" });
    expect(await segmentLink.getAttribute("href")).toBe(`shopify://admin/customers/segments/${id}`);
    // The segment the link names is in the store, under the name the page shows.
    expect(shop.store.segments.get(id)?.name).toBe(name);
    expect(await admin.app.locator(".Polaris-ShadowBevel", { hasText: "Next steps" }).textContent()).toContain(`“${name}” customer segment`);
    await segmentLink.click();
    await admin.page.locator("#toasts .toast", { hasText: `opens customers/segments/${id}` }).waitFor();

    // Flow: the trigger's name is the extension's, and the steps say how to start from it.
    const toml = parse(readFileSync(path.join(ROOT, "extensions", "rfm-persona-changed", "shopify.extension.toml"), "utf8")) as {
      extensions: { name: string }[];
    };
    const trigger = toml.extensions[0].name;
    const flow = admin.app.locator(".Polaris-ShadowBevel", { hasText: "Act when customers move" });
    const flowText = (await flow.textContent()) ?? "";
    expect(flowText).toContain(`“${trigger}”`);
    expect(flowText).toContain("Create workflow");
    expect(flowText).toContain(`search for “${trigger}” (RFM Personas)`);
    expect(flowText).toContain(`“new persona” is equal to “${personaName}”`);
    const flowLink = flow.getByRole("link", { name: "Open Shopify Flow" });
    expect(await flowLink.getAttribute("href")).toBe("shopify://admin/apps/flow");
    await flowLink.click();
    await admin.page.locator("#toasts .toast", { hasText: "opens apps/flow" }).waitFor();

    // Discount for the segment, export, copy the tag.
    const discount = admin.app.getByRole("link", { name: "Create a discount" });
    expect(await discount.getAttribute("href")).toBe("shopify://admin/discounts");
    expect(await admin.app.locator(".Polaris-ShadowBevel", { hasText: "Next steps" }).textContent()).toContain(`Specific customer segments and add “${name}”`);
    expect(await admin.app.getByRole("button", { name: "Export CSV" }).count()).toBe(1);
    const tag = (await admin.app.locator(".Polaris-Badge").first().textContent()) ?? "";
    expect(tag).toMatch(/^rfm:/);
    await admin.app.getByRole("button", { name: "Copy tag" }).click();
    await admin.app.getByText(`Copied ${tag}`).waitFor();
    expect(await admin.app.evaluate(() => navigator.clipboard.readText())).toBe(tag);
    await screenshot(admin, "persona-actions");
  });
});
