/**
 * Settings as Shopify's own behave, in Chromium inside the simulated admin: the contextual save bar on
 * edit, a question before leaving with unsaved edits, a refused save bringing its field into view, a
 * preview that disappears once its settings change, "My own edges" filled with today's edges, and the
 * persona map drawn as a map — a broken one cannot be saved, a change that moves customers is
 * confirmed with its from → to numbers first, and "Reset to the default map" restores the default.
 */
import path from "node:path";
import type { Frame } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";
import { SCREENSHOTS } from "./support/paths";

let shopId: string;

async function storedSettings(): Promise<string> {
  const [row] = await query<{ settings: string }>(`SELECT settings FROM "Shop" WHERE id = ?`, shopId);
  return row.settings;
}

async function recomputeJobs(): Promise<number> {
  const [row] = await query<{ n: number }>(`SELECT count(*) AS n FROM "Job" WHERE shopId = ? AND type = 'recompute'`, shopId);
  return row.n;
}

/** Whether an element of the app is inside the app's visible area (the app scrolls in its frame). */
function inView(app: Frame, selector: string): Promise<boolean> {
  return app.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }, selector);
}

describe("settings page behaviour", () => {
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the settings page WHEN the merchant edits a field THEN the admin's contextual save bar appears, and Discard there restores the stored value and hides it", async () => {
    const admin = await openAdmin("/app/settings");
    const { page, app } = admin;
    const bar = page.locator("#save-bar");
    expect(await bar.isVisible()).toBe(false);
    await screenshot(admin, "settings-default");

    const days = app.getByLabel("Days", { exact: true });
    const stored = await days.inputValue();
    await days.fill("120");
    await bar.waitFor({ state: "visible" });
    expect(await bar.textContent()).toContain("Unsaved changes");
    await screenshot(admin, "settings-save-bar");

    await page.locator("#save-bar-discard").click();
    await bar.waitFor({ state: "hidden" });
    expect(await days.inputValue()).toBe(stored);
  });

  it("GIVEN unsaved edits WHEN the merchant clicks another page in the admin's nav THEN they are asked first; Stay keeps the edits, Leave without saving goes", async () => {
    const admin = await openAdmin("/app/settings");
    const { page, app } = admin;
    const days = app.getByLabel("Days", { exact: true });
    await days.fill("77");
    await page.locator("#save-bar").waitFor({ state: "visible" });

    await page.locator("#app-nav a", { hasText: "Customers" }).click();
    const dialog = app.getByRole("dialog");
    await dialog.getByText("Leave the page with unsaved changes?").waitFor();
    await screenshot(admin, "settings-leave-confirm");
    await dialog.getByRole("button", { name: "Stay" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(new URL(app.url()).pathname).toBe("/app/settings");
    expect(await days.inputValue()).toBe("77");

    await page.locator("#app-nav a", { hasText: "Customers" }).click();
    await app.getByRole("dialog").getByRole("button", { name: "Leave without saving" }).click();
    await app.waitForURL(/\/app\/customers/);
    await appSettled(app);
    await page.locator("#save-bar").waitFor({ state: "hidden" });
  });

  it("GIVEN a bad tag prefix far down the page WHEN the merchant saves from the save bar THEN the field is focused and scrolled into view with a message in words, and nothing is saved", async () => {
    const before = await storedSettings();
    const recomputes = await recomputeJobs();
    const admin = await openAdmin("/app/settings");
    const { page, app } = admin;

    await app.getByRole("button", { name: "Advanced: tag names" }).click();
    const prefix = app.getByLabel("Tag prefix");
    await prefix.fill("has space");
    await app.evaluate(() => window.scrollTo(0, 0));
    await page.locator("#save-bar-save").click();

    await app.getByText("tag prefix may use letters, digits, ':', '_' and '-' only").waitFor();
    await appSettled(app);
    expect(await prefix.evaluate((input) => document.activeElement === input)).toBe(true);
    expect(await inView(app, '[aria-invalid="true"]')).toBe(true);
    expect(await app.getByText("Please fix 1 field").isVisible()).toBe(true);
    // What the merchant sees right after Save: the admin as it is, scrolled to the field.
    await page.screenshot({ path: path.join(SCREENSHOTS, "settings-error-focus-in-view.png") });
    await screenshot(admin, "settings-error-focus");

    expect(await storedSettings()).toBe(before);
    expect(await recomputeJobs()).toBe(recomputes);
  });

  it("GIVEN a preview on screen WHEN the merchant changes the setting it was computed for THEN the stale preview is cleared", async () => {
    const admin = await openAdmin("/app/settings");
    const { app } = admin;
    const days = app.getByLabel("Days", { exact: true });
    await days.fill("90");
    await app.getByRole("button", { name: "Preview changes" }).click();
    await app.getByText("Who moves where").waitFor();

    await days.fill("120");

    await app.getByText("Who moves where").waitFor({ state: "detached" });
    expect(await app.getByText(/customers would change persona$/).count()).toBe(0);
  });

  it("GIVEN a scored shop WHEN the merchant chooses My own edges THEN the boxes hold the edges customers are scored by now, labelled in days, orders and money", async () => {
    const [state] = await query<{ scoringEdges: string | null }>(`SELECT scoringEdges FROM "SyncState" WHERE shopId = ?`, shopId);
    const admin = await openAdmin("/app/settings");
    const { app } = admin;

    await app.getByText("My own edges", { exact: true }).click();
    const value = async (label: string) => app.getByLabel(label, { exact: true }).inputValue();
    const r = [await value("R5: ordered within the last … days"), await value("R4: within the last … days")];
    const f = [await value("F2: at least … orders"), await value("F5: at least … orders")];
    const m = [await value("M2: spent at least"), await value("M5: spent at least")];
    await screenshot(admin, "settings-own-edges");

    expect(state?.scoringEdges).toBeTruthy();
    const scoring = JSON.parse(state!.scoringEdges!).scoring as Record<"r" | "f" | "m", { edges: (number | null)[] }>;
    const shown = (edge: number | null, minor = false) => (edge === null ? "" : String(minor ? edge / 100 : edge));
    expect(r).toEqual([shown(scoring.r.edges[0]), shown(scoring.r.edges[1])]);
    expect(f).toEqual([shown(scoring.f.edges[0]), shown(scoring.f.edges[3])]);
    expect(m).toEqual([shown(scoring.m.edges[0], true), shown(scoring.m.edges[3], true)]);
    expect(r[0]).not.toBe("");
    expect(await app.getByText(/Edge \d/).count()).toBe(0);
  });
});

describe("the persona map as a map", () => {
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the default map WHEN shown THEN an R × F grid per spend score shows each cell's persona and its customers, 125 cells in all", async () => {
    const admin = await openAdmin("/app/settings");
    const { app } = admin;
    const cells = await query<{ r: number; f: number; m: number; n: number }>(
      `SELECT r, f, m, count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL AND r IS NOT NULL GROUP BY r, f, m ORDER BY n DESC LIMIT 1`,
      shopId,
    );

    let shown = 0;
    for (const m of [1, 2, 3, 4, 5]) {
      await app.getByRole("button", { name: `Spend score M${m}` }).click();
      shown += await app.locator(`[data-cell$=" M${m}"]`).count();
    }
    const { r, f, m, n } = cells[0];
    await app.getByRole("button", { name: `Spend score M${m}` }).click();
    const busiest = app.locator(`[data-cell="R${r} F${f} M${m}"]`);
    await appSettled(app);
    await app.locator("[data-persona-grid]").screenshot({ path: path.join(SCREENSHOTS, "settings-map-grid.png") });
    await screenshot(admin, "settings-map-editor");

    expect(shown).toBe(125);
    expect(parseCount((await busiest.locator("span").nth(1).textContent()) ?? "")).toBe(n);
    await app.getByRole("button", { name: "Spend score M1" }).click();
    expect(await app.locator('[data-cell="R5 F1 M1"]').textContent()).toContain("New Customers");
    expect(await app.locator('[data-cell="R1 F1 M1"]').textContent()).toContain("Lost");
  });

  it("GIVEN a persona removed so cells have none WHEN the merchant tries to save THEN Save is disabled in the page and the save bar, nothing is sent; Reset to the default map restores every cell", async () => {
    const before = await storedSettings();
    const recomputes = await recomputeJobs();
    const admin = await openAdmin("/app/settings");
    const { page, app } = admin;

    await app.getByRole("button", { name: "Remove Champions" }).click();
    await app.getByText("This map can't be saved yet").waitFor();
    expect(await app.getByText(/^8 of the 125 cells have no persona/).isVisible()).toBe(true);
    await page.locator("#save-bar").waitFor({ state: "visible" });
    expect(await page.locator("#save-bar-save").isDisabled()).toBe(true);
    expect(await app.getByRole("button", { name: "Save", exact: true }).isDisabled()).toBe(true);
    await app.getByRole("button", { name: "Spend score M5" }).click();
    expect(await app.locator('[data-cell="R5 F5 M5"]').textContent()).toContain("No persona");
    await screenshot(admin, "settings-map-broken");

    await app.getByRole("button", { name: "Reset to the default map" }).click();

    await app.getByText("Every one of the 125 cells has a persona").waitFor();
    expect(await app.locator('[data-cell="R5 F5 M5"]').textContent()).toContain("Champions");
    await page.locator("#save-bar").waitFor({ state: "hidden" });
    expect(await storedSettings()).toBe(before);
    expect(await recomputeJobs()).toBe(recomputes);
  });

  it("GIVEN the merchant gives a busy Loyal cell to Champions WHEN saving THEN a confirmation shows the from → to numbers first, and only confirming saves; Reset to the default map then saves the default again", async () => {
    const [cell] = await query<{ r: number; f: number; m: number; n: number }>(
      `SELECT r, f, m, count(*) AS n FROM "Customer" WHERE shopId = ? AND persona = 'loyal' GROUP BY r, f, m ORDER BY n DESC LIMIT 1`,
      shopId,
    );
    expect(cell?.n).toBeGreaterThan(0);
    const recomputes = await recomputeJobs();
    const admin = await openAdmin("/app/settings");
    const { page, app } = admin;

    await app.getByRole("group", { name: "Persona to give cells to" }).getByRole("button", { name: "Champions" }).click();
    await app.getByRole("button", { name: `Spend score M${cell.m}` }).click();
    const target = app.locator(`[data-cell="R${cell.r} F${cell.f} M${cell.m}"]`);
    await target.click();
    expect(await target.textContent()).toContain("Champions");
    await page.locator("#save-bar-save").click();

    const dialog = app.getByRole("dialog");
    await dialog.getByText(/^Save and change the persona of [\d,]+ customers\?$/).waitFor();
    const title = (await dialog.getByText(/^Save and change the persona of/).textContent()) ?? "";
    const moves = await dialog.getByRole("listitem").allTextContents();
    await screenshot(admin, "settings-confirm-modal");
    const total = moves.reduce((sum, line) => sum + parseCount(line.split(": ").pop() ?? ""), 0);
    expect(moves.some((line) => line.startsWith("Loyal → Champions: "))).toBe(true);
    expect(total).toBe(parseCount(title));
    // Nothing is saved before the merchant confirms.
    expect(await recomputeJobs()).toBe(recomputes);

    await dialog.getByRole("button", { name: "Save and rescore" }).click();
    await app.getByText("Settings saved", { exact: true }).waitFor();
    await page.locator("#save-bar").waitFor({ state: "hidden" });
    const saved = JSON.parse(await storedSettings());
    expect(saved.personas.map).toBe("custom");
    expect(await recomputeJobs()).toBeGreaterThan(recomputes);

    // Back to the default. Customers move back only once the first save's rescoring has run; until
    // then nobody would move and the save goes through without asking.
    await app.getByRole("button", { name: "Reset to the default map" }).click();
    await page.locator("#save-bar-save").click();
    const confirm = app.getByRole("dialog").getByRole("button", { name: "Save and rescore" });
    const savedBanner = app.getByText("Settings saved", { exact: true });
    await confirm.or(savedBanner).first().waitFor();
    if (await confirm.isVisible()) await confirm.click();
    await savedBanner.waitFor();
    await appSettled(app);
    expect(JSON.parse(await storedSettings()).personas).toEqual({ map: "default" });
  });
});
