/**
 * The first minutes after install, in Chromium inside the simulated admin, on a store of its own
 * whose order export takes a while (the simulator holds its bulk operation for 30 s): the very
 * first render says the import is under way, with progress and an estimate; the personas and
 * customers pages say "still importing"; and the open dashboard moves to "ready" by itself —
 * no reload — announcing it, then stops polling.
 */
import type { Request } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSeed } from "../../sim/shopify";
import { harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

const DOMAIN = "first-run.myshopify.com";
const EXPORT_MS = 30_000;

describe("a true first-run state", () => {
  beforeAll(async () => {
    const { stack } = await harness();
    const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
    stack.sim.addShop({
      domain: DOMAIN,
      name: "First Run Store",
      data: generateSeed({ dataset: "cdnow", maxCustomers: 120, shiftDatesTo: today, seed: 19 }),
      installed: false,
      bulk: { delayMs: EXPORT_MS },
    });
  });

  it(
    "GIVEN a store whose export takes a while WHEN the merchant opens the app for the first time THEN it says Importing with progress and an estimate, the other pages say still importing, and the dashboard turns ready without a reload",
    async () => {
      // Opening the app from the admin installs it; this is the first render the merchant sees.
      const admin = await openAdmin("", { shop: DOMAIN });
      const { app } = admin;
      const dataRequests: string[] = [];
      admin.page.on("request", (r: Request) => {
        if (new URL(r.url()).pathname.endsWith(".data")) dataRequests.push(r.url());
      });
      // Marks this document: a reload would lose it.
      await app.evaluate(() => ((window as unknown as { firstRunMarker: number }).firstRunMarker = 1));

      const card = app.locator(".Polaris-ShadowBevel", { hasText: "Sync and write-back" });
      const first = (await card.textContent()) ?? "";
      expect(first).toContain("Importing orders");
      expect(first).not.toContain("Up to date");
      expect(first).toMatch(/Counting your orders…|\d+ of about [\d,]+ orders imported/);
      expect(first).toMatch(/left/);
      expect(await app.getByText("No orders yet").count()).toBe(0);
      expect(await app.getByText("Importing your order history").count()).toBe(1);
      expect(await app.locator('[role="status"][aria-live="polite"]').first().textContent()).toBe("Importing your orders.");
      // The store's count arrives with the import's first step: the estimate shows without a reload.
      await card.getByText(/of about [\d,]+ orders imported/).waitFor({ timeout: 15_000 });
      const estimated = parseCount((await card.getByText(/of about [\d,]+ orders imported/).textContent())!.split("of about")[1]);
      const [{ orders }] = await query<{ orders: number }>(
        `SELECT s.ordersEstimated AS orders FROM "SyncState" s JOIN "Shop" p ON p.id = s.shopId WHERE p.domain = ?`,
        DOMAIN,
      );
      expect(estimated).toBe(orders);
      await screenshot(admin, "first-run-importing");

      // The other pages, while the import runs: what is happening, not "no results".
      for (const path of ["/app/personas", "/app/customers"]) {
        const other = await openAdmin(path, { shop: DOMAIN });
        expect(await other.app.getByText("Still importing your orders").count()).toBe(1);
        expect(await other.app.getByText(/clear the filters/i).count()).toBe(0);
        await screenshot(other, `first-run-${path.split("/").pop()}`);
      }

      // Without a reload, the open dashboard follows the import and scoring to the end.
      await app.getByText("Your personas are ready").first().waitFor({ timeout: 150_000 });
      expect(await app.evaluate(() => (window as unknown as { firstRunMarker?: number }).firstRunMarker)).toBe(1);
      expect(dataRequests.length).toBeGreaterThan(2);
      const [{ scored }] = await query<{ scored: number }>(
        `SELECT count(*) AS scored FROM "Customer" c JOIN "Shop" p ON p.id = c.shopId WHERE p.domain = ? AND c.persona IS NOT NULL`,
        DOMAIN,
      );
      expect(scored).toBeGreaterThan(50);
      const banner = app.locator(".Polaris-Banner", { hasText: "Your personas are ready" });
      expect(await banner.textContent()).toContain(`${scored.toLocaleString("en-US")} customers have a persona.`);
      expect(await app.locator('[role="status"][aria-live="polite"]').first().textContent()).toContain("Your personas are ready");
      await expect.poll(() => admin.page.locator("#toasts").textContent()).toContain("Your personas are ready");
      const ready = (await card.textContent()) ?? "";
      expect(ready).not.toContain("Importing orders");
      expect(ready).not.toContain("Scoring customers");
      expect(await app.locator('a[href^="/app/personas/"]').count()).toBeGreaterThan(3);
      await screenshot(admin, "first-run-ready");

      // Idle: the page stops asking.
      const asked = dataRequests.length;
      await admin.page.waitForTimeout(5_000);
      expect(dataRequests.length).toBe(asked);
    },
    240_000,
  );
});
