/**
 * Disconnecting a WooCommerce store from the standalone admin, and its read-only status: the
 * connect route against the WooCommerce simulator over real HTTP, a session opened by a signed
 * launch token, then the platform-blind disconnect route and the dashboard's loader.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { saveLaunchSecret, signLaunchToken } from "~/platforms/woocommerce/launch.server";
import { loader as shell } from "~/routes/app";
import { loader as dashboard } from "~/routes/app._index";
import { action as disconnect } from "~/routes/app.disconnect";
import { action as connect, loader as connectPage } from "~/routes/woocommerce.connect";
import { loader as launch } from "~/routes/woocommerce.launch";
import { services } from "~/services.server";
import { queuedJobs } from "../support/queued-jobs";
import { addShop, APP_URL, appRequest, args, resetDatabase, run, storeOfflineSession } from "../routes/support";

const db = () => services().db;
const OUR_WEBHOOKS = `${APP_URL}/webhooks/woocommerce`;

let sim: WooSimulator;
beforeEach(async () => {
  await resetDatabase();
  sim = await startWooSimulator();
});
afterEach(async () => {
  await sim.stop();
});

/** The merchant pastes a key into the connect form, then opens the app from WP admin: the session cookie. */
async function connectedSession(permissions: "read" | "read_write" = "read_write") {
  const key = sim.shop.addKey({ permissions });
  const form = new URLSearchParams({ intent: "keys", site: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret });
  const connected = await run(() => connect(args(new Request(`${APP_URL}/woocommerce/connect`, { method: "POST", body: form }))));
  expect(connected.status).toBe(302);
  const domain = new URL(sim.url).host;
  const shopId = (await db().prepare(`SELECT id FROM "Shop" WHERE domain = ?`).pluck().get(domain)) as string;
  await saveLaunchSecret(db(), shopId, "launch-secret");
  const token = signLaunchToken({ site: sim.url, user: 1, exp: Math.floor(Date.now() / 1000) + 120, nonce: `n${Date.now()}${Math.random()}` }, "launch-secret");
  const launched = await run(() => launch(args(new Request(`${APP_URL}/woocommerce/launch?${new URLSearchParams({ token })}`))));
  const cookie = (launched.headers.get("set-cookie") ?? "").split(";")[0];
  return { key, shopId, domain, cookie, page: (path: string, init: RequestInit = {}) => new Request(`${APP_URL}${path}`, { ...init, headers: { Cookie: cookie } }) };
}

const ourWebhooks = () => [...sim.shop.webhooks.webhooks.values()].filter((w) => w.deliveryUrl === OUR_WEBHOOKS);
const shopRow = async (id: string) => (await db().prepare(`SELECT uninstalledAt FROM "Shop" WHERE id = ?`).get(id)) as { uninstalledAt: number | null };
const credentialRows = async (id: string) => (await db().prepare(`SELECT count(*) FROM "StoreCredential" WHERE shopId = ?`).pluck().get(id));

describe("GIVEN a WooCommerce store connected with Read/Write keys and open in the standalone admin", () => {
  it("THEN the shell offers Disconnect store with what it does in the store", async () => {
    const { page } = await connectedSession();

    const frame = await run(() => shell(args(page("/app"))));

    expect(frame.status).toBe(200);
    expect(frame.data.embedded).toBe(false);
    expect(frame.data.disconnect.store).toBeTruthy();
    expect(frame.data.disconnect.effects.join(" ")).toMatch(/webhooks are removed/);
    expect(frame.data.disconnect.effects.join(" ")).toMatch(/revoke this one in WooCommerce → Settings → Advanced → REST API/);
  });

  it("WHEN the merchant disconnects THEN our webhooks leave the store, the key is forgotten, the shop is uninstalled, the session ends and they land on the connect page", async () => {
    const { shopId, domain, cookie, page } = await connectedSession();
    expect(ourWebhooks().length).toBeGreaterThan(0);

    const out = await run(() => disconnect(args(page("/app/disconnect", { method: "POST" }))));

    expect(out.status).toBe(302);
    const landing = new URL(out.headers.get("location")!, APP_URL);
    expect(landing.pathname).toBe("/woocommerce/connect");
    expect(landing.searchParams.get("store")).toBe(sim.url);
    expect(landing.searchParams.get("disconnected")).toBe(domain);
    expect(landing.searchParams.getAll("problem")).toEqual([]);
    // The session cookie is cleared in the browser...
    expect(out.headers.get("set-cookie")).toMatch(/^rfm_woo_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    expect(ourWebhooks()).toEqual([]);
    expect(await credentialRows(shopId)).toBe(0);
    expect((await shopRow(shopId)).uninstalledAt).not.toBeNull();
    expect((await queuedJobs(db(), shopId)).filter((j) => j.status === "pending" || j.status === "running")).toEqual([]);
    // ...and a copy of it kept elsewhere opens nothing any more.
    const replayed = await run(() => shell(args(new Request(`${APP_URL}/app`, { headers: { Cookie: cookie } }))));
    expect(replayed.status).toBe(404);

    const landed = await run(async () => connectPage(args(new Request(landing))));
    expect(landed.data.disconnected).toMatchObject({ store: domain, problems: [] });
    expect(landed.data.disconnected.notice).toMatch(/revoke this one/);
  });

  it("WHEN the store refuses (the key was already revoked) THEN the problem is reported and the local disconnect still completes", async () => {
    const { key, shopId, page } = await connectedSession();
    sim.shop.store.keys.delete(key.consumerKey);

    const out = await run(() => disconnect(args(page("/app/disconnect", { method: "POST" }))));

    expect(out.status).toBe(302);
    const landing = new URL(out.headers.get("location")!, APP_URL);
    expect(landing.searchParams.getAll("problem")).toEqual([expect.stringMatching(/^webhooks not removed from the store: .*Consumer key is invalid/)]);
    expect(await credentialRows(shopId)).toBe(0);
    expect((await shopRow(shopId)).uninstalledAt).not.toBeNull();
    const landed = await run(async () => connectPage(args(new Request(landing))));
    expect(landed.data.disconnected.problems).toHaveLength(1);
  });

  it("THEN the dashboard's sync status says nothing about read-only access", async () => {
    const { page } = await connectedSession();

    const home = await run(() => dashboard(args(page("/app"))));

    expect(home.status).toBe(200);
    expect(home.data.status.readOnly).toBeNull();
  });
});

describe("GIVEN a WooCommerce store connected with a read-only key", () => {
  it("WHEN the dashboard loads THEN its sync status says it is read-only and links to reconnecting this store", async () => {
    const { page } = await connectedSession("read");

    const home = await run(() => dashboard(args(page("/app"))));

    expect(home.status).toBe(200);
    expect(home.data.status.readOnly).toEqual({ reconnectUrl: `/woocommerce/connect?${new URLSearchParams({ store: sim.url })}` });
  });
});

describe("GIVEN a Shopify merchant in the embedded admin", () => {
  it("WHEN the shell loads THEN no Disconnect store is offered (the app is uninstalled from Shopify's admin)", async () => {
    const shop = "embedded.myshopify.com";
    await addShop(shop);
    await storeOfflineSession(shop);

    const frame = await run(async () => shell(args(await appRequest("/app", shop))));

    expect(frame.status).toBe(200);
    expect(frame.data).toMatchObject({ embedded: true, disconnect: null });
  });

  it("WHEN a disconnect is posted THEN it is refused with 404 and the shop stays installed (Shopify apps are uninstalled from Shopify's admin)", async () => {
    const shop = "embedded.myshopify.com";
    const shopId = await addShop(shop);
    await storeOfflineSession(shop);

    const out = await run(async () => disconnect(args(await appRequest("/app/disconnect", shop, { method: "POST" }))));

    expect(out.status).toBe(404);
    expect((await shopRow(shopId)).uninstalledAt).toBeNull();
  });
});
