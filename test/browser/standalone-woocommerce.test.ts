/**
 * A WooCommerce merchant in the standalone admin: a WooCommerce simulator store connected to the
 * browser tests' app (a pasted key, as a merchant does), synced, then opened in Chromium by a
 * launch link as WP admin opens it — no App Bridge, the app's own navigation and session cookie.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Download, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForFirstSync } from "../../scripts/lib/demo-stack";
import { generateWooSeed, startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { harness, openStandalone, query, screenshot, standaloneSettled, type AdminPage } from "./support/harness";

const LAUNCH_SECRET = "standalone-browser-test-launch-secret";

let sim: WooSimulator;
let appUrl: string;
let shopId: string;
let domain: string;
/** The app's own modules, imported once the stack has set the app's environment (they read it on import). */
let app: {
  launch: typeof import("~/platforms/woocommerce/launch.server");
  privacy: typeof import("~/privacy/data-requests.server");
  shops: typeof import("~/shops/shop.server");
  csv: typeof import("~/dashboard/customers-csv.server");
};

/** The merchant pastes a key made in WooCommerce into the app's connect form. */
async function connectWithKey(permissions: "read" | "read_write"): Promise<void> {
  const key = sim.shop.addKey({ permissions });
  const res = await fetch(`${appUrl}/woocommerce/connect`, {
    method: "POST",
    body: new URLSearchParams({ intent: "keys", site: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }),
    redirect: "manual",
  });
  expect(res.status, await res.clone().text().then((t) => t.slice(0, 300))).toBe(302);
  const { stack } = await harness();
  shopId = (await stack.db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).pluck().get(domain)) as string;
  // The plugin's settings hold this secret (the connected page hands it to the merchant's browser).
  await app.launch.saveLaunchSecret(stack.db, shopId, LAUNCH_SECRET);
}

/** What the companion plugin's "RFM Personas" menu page opens: a fresh, signed, one-time launch link. */
const launchUrl = () =>
  `${appUrl}/woocommerce/launch?${new URLSearchParams({
    token: app.launch.signLaunchToken({ site: sim.url, user: 1, exp: Math.floor(Date.now() / 1000) + 120, nonce: `n${Date.now()}${Math.random().toString(36).slice(2)}` }, LAUNCH_SECRET),
  })}`;

async function go(app: Page, label: string, pathname: string): Promise<void> {
  await app.locator("nav a", { hasText: label }).click();
  await app.waitForURL((url) => url.pathname === pathname);
  await standaloneSettled(app.mainFrame());
}

const ourWebhooks = () => [...sim.shop.webhooks.webhooks.values()].filter((w) => w.deliveryUrl === `${appUrl}/webhooks/woocommerce`);

beforeAll(async () => {
  const { stack } = await harness();
  appUrl = stack.appUrl;
  app = {
    launch: await import("~/platforms/woocommerce/launch.server"),
    privacy: await import("~/privacy/data-requests.server"),
    shops: await import("~/shops/shop.server"),
    csv: await import("~/dashboard/customers-csv.server"),
  };
  const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
  sim = await startWooSimulator({ data: generateWooSeed({ dataset: "cdnow", maxCustomers: 60, shiftDatesTo: today, seed: 5 }) });
  domain = new URL(sim.url).host;
  await connectWithKey("read_write");
  await waitForFirstSync(stack.db, domain, 180);
  await sim.settle();
});

afterAll(async () => {
  // Nothing of this store keeps running for the other browser tests once its simulator is gone.
  const { stack } = await harness();
  if (shopId) await app.shops.uninstallShop(stack.db, shopId, new Date());
  await sim?.stop();
});

describe("GIVEN a WooCommerce simulator store connected and synced", () => {
  it("WHEN the browser follows a launch link THEN the dashboard renders without App Bridge and the navigation moves between pages", async () => {
    const admin = await openStandalone(launchUrl());
    const { page } = admin;

    expect(new URL(page.url()).pathname).toBe("/app");
    expect(await page.evaluate(() => "shopify" in window)).toBe(false);
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    await screenshot(admin, "standalone-dashboard");
    await go(page, "Personas", "/app/personas");
    await page.getByRole("heading", { name: "Personas", level: 1 }).waitFor();
    await go(page, "Customers", "/app/customers");
    await page.getByText(/customers? match$/).waitFor();
    await go(page, "Settings", "/app/settings");
    await go(page, "Dashboard", "/app");
  });

  it("WHEN the merchant clicks Export CSV THEN a CSV downloads with the expected header and one row per customer, minted over the session cookie", async () => {
    const customers = await query<{ customerKey: string }>(`SELECT customerKey FROM "Customer" WHERE shopId = ?`, shopId);
    expect(customers.length).toBeGreaterThan(0);
    const admin = await openStandalone(launchUrl());
    const { page, context } = admin;
    await go(page, "Customers", "/app/customers");
    const minted: { authorization?: string; cookie?: string }[] = [];
    context.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/app/customers/export") minted.push(r.headers());
    });

    const downloaded = new Promise<Download>((resolve) => {
      page.once("download", resolve);
      context.on("page", (popup) => popup.once("download", resolve));
    });
    await page.getByRole("button", { name: "Export CSV" }).click();
    const download = await downloaded;
    const file = path.join(os.tmpdir(), `rfm-standalone-export-${Date.now()}.csv`);
    await download.saveAs(file);
    await screenshot(admin, "standalone-customers-export");

    const [header, ...rows] = readFileSync(file, "utf8").trimEnd().split(/\r?\n/);
    expect(header.split(",")).toEqual([...app.csv.CSV_COLUMNS]);
    expect(rows).toHaveLength(customers.length);
    expect(minted).toHaveLength(1);
    expect(minted[0].authorization).toBeUndefined();
    const cookie = minted[0].cookie ?? (await context.cookies(appUrl)).map((c) => `${c.name}=${c.value}`).join("; ");
    expect(cookie).toMatch(/rfm_woo_session=/);
  });

  it("WHEN the merchant downloads a customer data request from the dashboard THEN the export arrives as JSON", async () => {
    const { stack } = await harness();
    const [customer] = await query<{ customerKey: string }>(`SELECT customerKey FROM "Customer" WHERE shopId = ? ORDER BY customerKey LIMIT 1`, shopId);
    await app.privacy.recordDataRequest(stack.db, shopId, domain, { requestId: "standalone-1", customerKey: customer.customerKey }, new Date());
    const admin = await openStandalone(launchUrl());
    const { page } = admin;
    await page.getByText("Customer data requests").waitFor();

    const downloaded = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download" }).click();
    const download = await downloaded;
    const file = path.join(os.tmpdir(), `rfm-standalone-data-request-${Date.now()}.json`);
    await download.saveAs(file);

    expect(download.suggestedFilename()).toBe("customer-data-request-standalone-1.json");
    expect(JSON.stringify(JSON.parse(readFileSync(file, "utf8")))).toContain(customer.customerKey);
    await screenshot(admin, "standalone-data-request");
  });

  it("WHEN the merchant saves the settings THEN the same confirmation as in Shopify's admin shows as a toast", async () => {
    const admin = await openStandalone(launchUrl());
    const { page } = admin;
    await go(page, "Settings", "/app/settings");

    await page.getByRole("button", { name: "Save", exact: true }).click();

    await page.locator(".Polaris-Frame-Toast", { hasText: "Settings saved. Customers are being rescored." }).waitFor();
    await screenshot(admin, "standalone-settings-saved");
  });

  it("WHEN the merchant disconnects after the confirmation THEN our webhooks leave the store, they land on the connect page, and the session opens no page any more", async () => {
    expect(ourWebhooks().length).toBeGreaterThan(0);
    const admin: AdminPage = await openStandalone(launchUrl());
    const { page, context } = admin;
    const session = (await context.cookies(appUrl)).find((c) => c.name === "rfm_woo_session");
    expect(session).toBeDefined();

    await page.getByRole("button", { name: "Disconnect store" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Our webhooks are removed from your store").waitFor();
    await dialog.getByText(/The app forgets its REST API key/).waitFor();
    await screenshot(admin, "standalone-disconnect-confirm");
    await dialog.getByRole("button", { name: "Disconnect store" }).click();
    await page.waitForURL((url) => url.pathname === "/woocommerce/connect");
    await page.getByText(`${domain} is disconnected`).waitFor();
    await screenshot(admin, "standalone-disconnected");

    expect(ourWebhooks()).toEqual([]);
    expect(await query(`SELECT shopId FROM "StoreCredential" WHERE shopId = ?`, shopId)).toEqual([]);
    expect((await context.cookies(appUrl)).find((c) => c.name === "rfm_woo_session")).toBeUndefined();
    // A copy of the old session cookie opens nothing: the store is no longer connected.
    const replayed = await fetch(`${appUrl}/app/customers`, { headers: { Cookie: `rfm_woo_session=${session!.value}` } });
    expect(replayed.status).toBe(404);
  });

  it("WHEN the store is connected again with a read-only key THEN the dashboard's sync status says so, with the way to reconnect with Read/Write keys", async () => {
    await connectWithKey("read");
    const admin = await openStandalone(launchUrl());
    const { page } = admin;

    await page
      .getByText("Connected read-only: personas are computed but not written to the store; reconnect with Read/Write keys to write them.")
      .waitFor();
    const reconnect = page.getByRole("link", { name: "Reconnect with Read/Write keys" });
    expect(await reconnect.getAttribute("href")).toBe(`/woocommerce/connect?${new URLSearchParams({ store: sim.url })}`);
    await screenshot(admin, "standalone-read-only");
  });
});
