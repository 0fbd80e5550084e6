/**
 * Opening the app from WP admin: the companion plugin's launch token (made by the plugin's own
 * PHP when php is installed), the launch route, the session it opens and requireMerchant.
 * Real SQLite, the connect route against the WooCommerce simulator over real HTTP.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { requireMerchant } from "~/platforms/merchant.server";
import { saveCredentials } from "~/platforms/woocommerce/credentials.server";
import { launchSecretFor, saveLaunchSecret, signLaunchToken, type LaunchPayload } from "~/platforms/woocommerce/launch.server";
import { WOO_SESSION_COOKIE } from "~/platforms/woocommerce/merchant.server";
import { loader as shell } from "~/routes/app";
import { loader as dashboard } from "~/routes/app._index";
import { action as connect } from "~/routes/woocommerce.connect";
import { loader as connected } from "~/routes/woocommerce.connected";
import { loader as launch } from "~/routes/woocommerce.launch";
import { services } from "~/services.server";
import { addShop } from "../support/db";
import { API_SECRET, APP_URL, args, resetDatabase, run } from "../routes/support";
import { hasPhp } from "../wordpress/wordpress";

const PLUGIN_TOKEN = path.resolve(import.meta.dirname, "../../extensions/woocommerce/rfm-personas/includes/launch-token.php");
const php = hasPhp;

/** The plugin's own rfm_personas_launch_token(), run by PHP. */
function pluginToken(site: string, user: number, secret: string, now = Math.floor(Date.now() / 1000)): string {
  const code = `define('ABSPATH', '/'); require $argv[1]; echo rfm_personas_launch_token($argv[2], (int) $argv[3], $argv[4], (int) $argv[5]);`;
  return execFileSync("php", ["-r", code, "--", PLUGIN_TOKEN, site, String(user), secret, String(now)], { encoding: "utf8" });
}

const db = () => services().db;

/** A connected WooCommerce store with its launch secret, as connect leaves it. */
async function connectedStore(host: string, secret: string): Promise<{ shopId: string; site: string }> {
  const site = `https://${host}`;
  const shopId = await addShop(db(), host, { platform: "woocommerce", id: `shop_${host.split(".")[0]}` });
  await saveCredentials(db(), { shopId, siteUrl: site, consumerKey: "ck_1", consumerSecret: "cs_1", keyPermissions: "read_write", webhookSecret: "w", webhooks: {} });
  await saveLaunchSecret(db(), shopId, secret);
  return { shopId, site };
}

const payload = (site: string, over: Partial<LaunchPayload> = {}): LaunchPayload => ({
  site,
  user: 1,
  exp: Math.floor(Date.now() / 1000) + 120,
  nonce: `n${Math.random().toString(36).slice(2)}${Date.now()}`,
  ...over,
});

const open = (token: string) => run(() => launch(args(new Request(`${APP_URL}/woocommerce/launch?${new URLSearchParams({ token })}`))));

/** The session cookie a launch answered with, as the browser sends it back. */
const cookieOf = (headers: Headers) => (headers.get("set-cookie") ?? "").split(";")[0];

beforeEach(async () => await resetDatabase());

describe("GIVEN a connected store WHEN its plugin's launch token arrives", () => {
  it("THEN a session for that store opens, the admin pages are next, and requireMerchant names the store", async () => {
    const { shopId, site } = await connectedStore("wp.example", "launch-secret-a");
    const token = php ? pluginToken(site, 7, "launch-secret-a") : signLaunchToken(payload(site, { user: 7 }), "launch-secret-a");

    const out = await open(token);

    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toBe("/app");
    const setCookie = out.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^${WOO_SESSION_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const merchant = await requireMerchant(new Request(`${APP_URL}/app`, { headers: { Cookie: cookieOf(out.headers) } }));
    expect(merchant.shop).toMatchObject({ id: shopId, domain: "wp.example", platform: "woocommerce" });
  });

  it.skipIf(!php)("THEN the token the plugin's PHP makes is the format the app checks (payload fields, lifetime ≤ 5 min)", () => {
    const token = pluginToken("https://wp.example", 7, "s", 1_800_000_000);
    const body = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
    expect(body).toMatchObject({ site: "https://wp.example", user: 7, exp: 1_800_000_120 });
    expect(body.nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it("THEN an expired token is refused with 401 and no session", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");
    const token = php ? pluginToken(site, 1, "launch-secret-a", Math.floor(Date.now() / 1000) - 600) : signLaunchToken(payload(site, { exp: Math.floor(Date.now() / 1000) - 480 }), "launch-secret-a");

    const out = await open(token);

    expect(out.status).toBe(401);
    expect(out.headers.get("set-cookie")).toBeNull();
  });

  it("THEN a token minted to live longer than a launch needs is refused with 401", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");

    const out = await open(signLaunchToken(payload(site, { exp: Math.floor(Date.now() / 1000) + 3600 }), "launch-secret-a"));

    expect(out.status).toBe(401);
  });

  it("THEN a token signed with another secret (forged, or another store's) is refused with 401", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");
    await connectedStore("other.example", "launch-secret-b");

    expect((await open(signLaunchToken(payload(site), "guessed"))).status).toBe(401);
    expect((await open(signLaunchToken(payload(site), "launch-secret-b"))).status).toBe(401);
  });

  it("THEN a token naming a store that is not connected is refused with 403", async () => {
    await connectedStore("wp.example", "launch-secret-a");

    const out = await open(signLaunchToken(payload("https://stranger.example"), "launch-secret-a"));

    expect(out.status).toBe(403);
  });

  it("THEN a token for a disconnected store is refused with 403", async () => {
    const { shopId, site } = await connectedStore("wp.example", "launch-secret-a");
    await db().prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(), shopId);

    expect((await open(signLaunchToken(payload(site), "launch-secret-a"))).status).toBe(403);
  });

  it("THEN the same token used twice opens one session: the replay is refused with 403", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");
    const token = signLaunchToken(payload(site), "launch-secret-a");

    expect((await open(token)).status).toBe(302);
    const again = await open(token);

    expect(again.status).toBe(403);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("THEN a malformed token is refused with 401", async () => {
    await connectedStore("wp.example", "launch-secret-a");

    expect((await open("not-a-token")).status).toBe(401);
  });
});

describe("GIVEN a WooCommerce session cookie WHEN an admin page asks who is asking", () => {
  it("THEN a tampered cookie is refused with 401", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");
    const cookie = cookieOf((await open(signLaunchToken(payload(site), "launch-secret-a"))).headers);
    const tampered = `${cookie.slice(0, -3)}abc`;

    const out = await run(() => requireMerchant(new Request(`${APP_URL}/app`, { headers: { Cookie: tampered } })));

    expect(out.status).toBe(401);
  });
});

describe("GIVEN a WooCommerce session WHEN the admin pages load", () => {
  it("THEN the shell renders standalone (no App Bridge) and a page's loader serves the session's store", async () => {
    const { site } = await connectedStore("wp.example", "launch-secret-a");
    const cookie = cookieOf((await open(signLaunchToken(payload(site), "launch-secret-a"))).headers);
    const page = (p: string) => new Request(`${APP_URL}${p}`, { headers: { Cookie: cookie } });

    const frame = await run(() => shell(args(page("/app"))));
    const home = await run(() => dashboard(args(page("/app"))));

    expect(frame.status).toBe(200);
    expect(frame.data).toMatchObject({ embedded: false, apiKey: "", appBridgeUrl: null });
    expect(home.status).toBe(200);
  });

  it("THEN a forged session cookie is refused with 401: the standalone shell is not served", async () => {
    await connectedStore("wp.example", "launch-secret-a");

    const out = await run(() => shell(args(new Request(`${APP_URL}/app`, { headers: { Cookie: `${WOO_SESSION_COOKIE}=forged` } }))));

    expect(out.status).toBe(401);
  });
});

describe("GIVEN a merchant connecting with a key WHEN they land on the connected page", () => {
  let sim: WooSimulator;
  beforeEach(async () => {
    sim = await startWooSimulator();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it("THEN their browser is shown the launch secret (nobody else's is), and the plugin's token made with it opens the app", async () => {
    const key = sim.shop.addKey({ permissions: "read_write" });
    const form = new URLSearchParams({ intent: "keys", site: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret });
    const out = await run(() => connect(args(new Request(`${APP_URL}/woocommerce/connect`, { method: "POST", body: form }))));
    expect(out.status).toBe(302);
    const connectCookie = cookieOf(out.headers);
    const landingUrl = `${APP_URL}${out.headers.get("location")}`;

    const ours = await run(async () => connected(args(new Request(landingUrl, { headers: { Cookie: connectCookie } }))));
    const stranger = await run(async () => connected(args(new Request(landingUrl))));
    const state = decodeURIComponent(connectCookie.split("=")[1]);
    const guessed = await run(async () =>
      // Tamper the first character: every bit of it is data (a base64url string's last character
      // may carry only padding bits, so changing it can decode to the same bytes).
      connected(args(new Request(landingUrl, { headers: { Cookie: `rfm_woo_connect=${state.replace(/^./, (c) => (c === "A" ? "B" : "A"))}` } }))),
    );

    const plugin = (ours.data as { plugin: { appUrl: string; launchSecret: string } }).plugin;
    expect(plugin.appUrl).toBe(APP_URL);
    expect(plugin.launchSecret).toMatch(/^[\w-]{43}$/);
    expect((stranger.data as { plugin: unknown }).plugin).toBeNull();
    expect((guessed.data as { plugin: unknown }).plugin).toBeNull();

    const token = php ? pluginToken(sim.url, 1, plugin.launchSecret) : signLaunchToken(payload(sim.url), plugin.launchSecret);
    const launched = await open(token);
    expect(launched.status).toBe(302);
    const merchant = await requireMerchant(new Request(`${APP_URL}/app`, { headers: { Cookie: cookieOf(launched.headers) } }));
    expect(merchant.shop.platform).toBe("woocommerce");
    expect(merchant.shop.domain).toBe(new URL(sim.url).host);
  });

  it("THEN a wc-auth connection's secret is derived from its own signed state", async () => {
    expect(launchSecretFor({ siteUrl: "https://a.example", nonce: "n1" }, API_SECRET)).not.toBe(launchSecretFor({ siteUrl: "https://a.example", nonce: "n2" }, API_SECRET));
  });
});
