import type { Frame as AdminPageFrame } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

describe("the dashboard inside the Shopify admin", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the demo store's customers scored WHEN the merchant opens the app in the admin THEN the persona table shows the database's counts per persona", async () => {
    const expected = await query<{ persona: string; n: number }>(
      `SELECT persona, count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona`,
      shopId,
    );
    expect(expected.length).toBeGreaterThan(3);

    const admin = await openAdmin();
    const { page, app } = admin;

    // The admin around the app: the store in the top bar, the app's <ui-nav-menu> links in the left nav.
    await expect.poll(() => page.locator("#app-nav a").allTextContents()).toEqual(["Personas", "Customers", "Settings"]);
    expect(await page.locator("#store-name").textContent()).toContain("RFM Demo Store");
    // App Bridge is the simulator's stand-in, and Polaris' styles are applied.
    expect(await app.evaluate(() => (window as unknown as { shopify: { __simulated: boolean; config: { shop: string } } }).shopify.config.shop)).toBe(
      "rfm-demo.myshopify.com",
    );
    expect(await app.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--p-color-bg-surface").trim())).not.toBe("");

    const shown = await app.evaluate(() =>
      [...document.querySelectorAll("tr")].flatMap((tr) => {
        const link = tr.querySelector<HTMLAnchorElement>('a[href^="/app/personas/"]');
        const cells = tr.querySelectorAll("td, th");
        return link && cells.length > 1 ? [{ slug: link.getAttribute("href")!.split("/").pop()!, count: cells[1].textContent ?? "" }] : [];
      }),
    );
    await screenshot(admin, "dashboard");

    expect(Object.fromEntries(shown.map((r) => [r.slug, parseCount(r.count)]))).toEqual(
      Object.fromEntries(expected.map((r) => [r.persona, r.n])),
    );
  });

  it("GIVEN the grid and movement toggles WHEN the merchant picks F×M and 90 days THEN each toggle is a button saying which one is selected (aria-pressed)", async () => {
    const pressed = (app: AdminPageFrame, labels: string[]) =>
      Promise.all(labels.map(async (name) => [name, await app.getByRole("button", { name, exact: true }).getAttribute("aria-pressed")]));
    const admin = await openAdmin();
    const { app } = admin;
    expect(await pressed(app, ["R×F", "F×M", "R×M"])).toEqual([["R×F", "true"], ["F×M", "false"], ["R×M", "false"]]);

    await app.getByRole("button", { name: "F×M", exact: true }).click();
    await app.waitForURL(/grid=fm/);
    await appSettled(app);
    // The router is idle before React commits the new page (updates run in a transition): poll the DOM.
    await expect.poll(() => pressed(app, ["R×F", "F×M", "R×M"]), { timeout: 10_000 }).toEqual([["R×F", "false"], ["F×M", "true"], ["R×M", "false"]]);

    const [{ persona }] = await query<{ persona: string }>(
      `SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY count(*) DESC LIMIT 1`,
      shopId,
    );
    const personaPage = await openAdmin(`/app/personas/${persona}`);
    const before = await pressed(personaPage.app, ["7 days", "30 days", "90 days"]);
    expect(before.filter(([, p]) => p === "true")).toHaveLength(1);
    await personaPage.app.getByRole("button", { name: "90 days", exact: true }).click();
    await personaPage.app.waitForURL(/days=90/);
    await appSettled(personaPage.app);
    await expect.poll(() => pressed(personaPage.app, ["7 days", "30 days", "90 days"]), { timeout: 10_000 }).toEqual([["7 days", "false"], ["30 days", "false"], ["90 days", "true"]]);
  });
});
