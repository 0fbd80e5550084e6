/**
 * The App Bridge stand-in and the simulated admin: session tokens as the app's requests need them.
 */
import type { Page, Request } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { verifySessionToken } from "../../sim/shopify/oauth";
import { appSettled, harness, openAdmin, openAppUnframed, parseCount, query, screenshot } from "./support/harness";

/** The bearer tokens of the app's Remix data requests, in order. */
function dataRequestTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on("request", (request: Request) => {
    if (!new URL(request.url()).pathname.endsWith(".data")) return;
    void request.headerValue("authorization").then((value) => tokens.push(value?.replace(/^Bearer /, "") ?? "(none)"));
  });
  return tokens;
}

function claims(token: string): { jti: string; exp: number; dest: string } {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

describe("App Bridge in the simulated admin", () => {
  let apiKey: string;
  let apiSecret: string;
  beforeAll(async () => {
    ({ apiKey, apiSecret } = (await harness()).stack.sim.app);
  });

  it("GIVEN the app in the admin WHEN the merchant navigates THEN every data request carries a valid session token from the admin, reused while fresh and renewed once it would expire", async () => {
    const admin = await openAdmin("", { beforeLoad: (context) => context.clock.install() });
    const { page, app, context } = admin;
    const tokens = dataRequestTokens(page);
    const go = async (label: string, path: RegExp) => {
      await page.locator("#app-nav a", { hasText: label }).click();
      await app.waitForURL(path);
      await appSettled(app);
    };

    await go("Customers", /\/app\/customers$/);
    await go("Personas", /\/app\/personas$/);
    // Two minutes later (a session token lives one): the next request needs a new token.
    await context.clock.fastForward("02:00");
    await go("Settings", /\/app\/settings$/);
    await expect.poll(() => tokens.length).toBe(3);

    for (const token of tokens) {
      expect(verifySessionToken(token, { apiKey, apiSecret, scopes: [] }, Date.now())).toMatchObject({ ok: true });
      expect(claims(token).dest).toBe("https://rfm-demo.myshopify.com");
    }
    expect(tokens[1]).toBe(tokens[0]);
    expect(claims(tokens[2]).jti).not.toBe(claims(tokens[0]).jti);
  });

  it("GIVEN a data request refused as an invalid session WHEN App Bridge sees the retry header THEN it retries once with a fresh token and the page loads", async () => {
    let refused = 0;
    const admin = await openAdmin("", {
      beforeLoad: (context) =>
        context.route(/\/app\/personas\.data/, (route) => {
          if (refused++ > 0) return route.continue();
          return route.fulfill({ status: 401, headers: { "X-Shopify-Retry-Invalid-Session-Request": "1" }, body: "" });
        }),
    });
    const { page, app } = admin;
    const tokens = dataRequestTokens(page);

    await page.locator("#app-nav a", { hasText: "Personas" }).click();
    await app.waitForURL(/\/app\/personas$/);
    await appSettled(app);

    await expect.poll(() => tokens.length).toBe(2);
    expect(refused).toBe(2);
    expect(claims(tokens[1]).jti).not.toBe(claims(tokens[0]).jti);
    // The URL changes before React renders the new page: wait for its heading.
    await app.locator("h1", { hasText: "Personas" }).first().waitFor({ timeout: 15_000 });
  });

  it("GIVEN the app opened outside the admin WHEN the merchant follows a link THEN App Bridge gets session tokens from the simulator directly and the page loads", async () => {
    const direct = await openAppUnframed();
    const { page, app } = direct;
    const tokens = dataRequestTokens(page);
    expect(await app.evaluate(() => (window as unknown as { shopify: { environment: { embedded: boolean } } }).shopify.environment.embedded)).toBe(false);

    const cell = app.locator('a[role="cell"][href^="/app/customers?"]').first();
    const href = (await cell.getAttribute("href"))!;
    await cell.click();
    await app.waitForURL((url) => url.pathname + url.search === href);
    await appSettled(app);
    await screenshot(direct, "unframed-customers");

    await expect.poll(() => tokens.length).toBe(1);
    expect(verifySessionToken(tokens[0], { apiKey, apiSecret, scopes: [] }, Date.now())).toMatchObject({ ok: true });
    expect(await app.getByText(/customers? match$/).isVisible()).toBe(true);
  });
});

describe("the library's bounce page", () => {
  it("GIVEN a document request without a session token WHEN the library sends it to its bounce page THEN App Bridge reloads it with a fresh token and the page loads", async () => {
    const { stack } = await harness();
    // The bounce page loads App Bridge from APP_BRIDGE_URL (the CDN unless set): serve the stand-in there.
    const standIn = await (await fetch(`${stack.sim.url}/__sim/app-bridge.js`)).text();
    const direct = await openAppUnframed({
      beforeLoad: (context) =>
        context.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", (route) =>
          route.fulfill({ status: 200, contentType: "text/javascript", body: standIn }),
        ),
      path: "/app/customers?persona=champions",
      withoutToken: true,
    });
    const { page, app } = direct;
    const [champions] = await query<{ n: number }>(
      `SELECT count(*) AS n FROM "Customer" c JOIN "Shop" s ON s.id = c.shopId WHERE s.domain = ? AND persona = 'champions'`,
      stack.shop,
    );

    expect(new URL(page.url()).pathname).toBe("/app/customers");
    expect(new URL(page.url()).searchParams.get("id_token")).toBeTruthy();
    expect(parseCount((await app.getByText(/customers? match$/).textContent()) ?? "")).toBe(champions.n);
  });
});
