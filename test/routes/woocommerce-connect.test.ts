/**
 * The connect routes as Remix calls them: the form's two ways in, the wc-auth callback, the
 * page the merchant lands on. The store is the WooCommerce simulator over real HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { signConnectState, PROBLEMS } from "~/platforms/woocommerce/connect.server";
import { action as callback } from "~/routes/woocommerce.callback";
import { action as connect } from "~/routes/woocommerce.connect";
import { loader as connected } from "~/routes/woocommerce.connected";
import { services } from "~/services.server";
import { API_SECRET, APP_URL, args, resetDatabase, run } from "./support";

let sim: WooSimulator;
beforeEach(async () => {
  await resetDatabase();
  sim = await startWooSimulator();
});
afterEach(async () => {
  await sim.stop();
});

const form = (fields: Record<string, string>) => new Request(`${APP_URL}/woocommerce/connect`, { method: "POST", body: new URLSearchParams(fields) });
const shops = async () => await services().db.prepare(`SELECT domain, platform FROM "Shop"`).all();

describe("/woocommerce/connect", () => {
  it("GIVEN a store address WHEN the merchant asks to connect THEN they are sent to the store's wc-auth page with our https callback", async () => {
    const out = await run(() => connect(args(form({ intent: "authorize", site: sim.url }))));

    expect(out.status).toBe(302);
    const location = new URL(out.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${sim.url}/wc-auth/v1/authorize`);
    expect(location.searchParams.get("callback_url")).toBe(`${APP_URL}/woocommerce/callback`);
    expect(location.searchParams.get("return_url")).toContain(`${APP_URL}/woocommerce/connected?`);
  });

  it("GIVEN a pasted read/write key WHEN submitted THEN the shop is connected and the landing page says so", async () => {
    const key = sim.shop.addKey({ permissions: "read_write" });

    const out = await run(() => connect(args(form({ intent: "keys", site: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }))));

    expect(out.status).toBe(302);
    expect(await shops()).toEqual([{ domain: new URL(sim.url).host, platform: "woocommerce" }]);
    const landing = await run(async () => connected(args(new Request(`${APP_URL}${out.headers.get("location")}`))));
    expect(landing.data).toMatchObject({ connected: true, readOnly: false, domain: new URL(sim.url).host });
  });

  it("GIVEN an address that is not a store WHEN submitted THEN the form shows why", async () => {
    const out = await run(() => connect(args(form({ intent: "authorize", site: "" }))));

    expect(out.data).toEqual({ problem: PROBLEMS["invalid-site"] });
  });
});

describe("/woocommerce/callback", () => {
  it("GIVEN a key POSTed with a user_id we did not sign WHEN received THEN it is refused (WooCommerce then deletes the key) and nothing is stored", async () => {
    const key = sim.shop.addKey({ permissions: "read_write" });
    const body = { key_id: 1, user_id: signConnectState(sim.url, "not-our-secret", new Date()), consumer_key: key.consumerKey, consumer_secret: key.consumerSecret, key_permissions: "read_write" };

    const out = await run(() => callback(args(new Request(`${APP_URL}/woocommerce/callback`, { method: "POST", body: JSON.stringify(body) }))));

    expect(out.status).toBe(403);
    expect(await shops()).toEqual([]);
  });

  it("GIVEN a key POSTed with our signed user_id WHEN received THEN it answers 200 and the shop is connected", async () => {
    const key = sim.shop.addKey({ permissions: "read_write" });
    const body = { key_id: 1, user_id: signConnectState(sim.url, API_SECRET, new Date()), consumer_key: key.consumerKey, consumer_secret: key.consumerSecret, key_permissions: "read_write" };

    const out = await run(() => callback(args(new Request(`${APP_URL}/woocommerce/callback`, { method: "POST", body: JSON.stringify(body) }))));

    expect(out.status).toBe(200);
    expect(await shops()).toHaveLength(1);
  });
});
