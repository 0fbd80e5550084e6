import { beforeAll, describe, expect, it } from "vitest";
import { harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

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
});
