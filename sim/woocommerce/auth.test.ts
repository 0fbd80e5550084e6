import wcPkg from "@woocommerce/woocommerce-rest-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUrl } from "./auth";
import { generateWooSeed } from "./seed";
import { startWooSimulator, type WooSimulator } from "./server";
import { captureLikeStore, type Harness } from "./test-support";

// The package is CommonJS with `exports.default`; Node's ESM loader hands us the exports object.
const WooCommerceRestApi = ((wcPkg as unknown as { default?: typeof wcPkg }).default ?? wcPkg) as typeof wcPkg;

describe("WooCommerce simulator authentication", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await captureLikeStore();
  });
  afterAll(async () => {
    await h?.sim.stop();
  });

  const now = () => Math.floor(h.clock.now() / 1000);
  const orders = () => `${h.sim.url}/wp-json/wc/v3/orders?per_page=1`;

  it("accepts OAuth signed up to 15 minutes ago and refuses older", async () => {
    expect((await fetch(signUrl("GET", orders(), h.key, { timestamp: now() - 14 * 60 }))).status).toBe(200);
    const old = await fetch(signUrl("GET", orders(), h.key, { timestamp: now() - 16 * 60 }));
    expect([old.status, (await old.json()).message]).toEqual([401, "Invalid timestamp."]);
    // WHEN the store's clock moves on, a once-fresh signature ages out too
    const url = signUrl("GET", orders(), h.key, { timestamp: now() });
    h.clock.advance(16 * 60_000);
    expect((await fetch(url)).status).toBe(401);
  });

  it("refuses a nonce used before, with HMAC-SHA1 or SHA256 alike", async () => {
    const url = signUrl("GET", orders(), h.key, { timestamp: now(), algorithm: "HMAC-SHA1", nonce: "once" });
    expect((await fetch(url)).status).toBe(200);
    const again = await fetch(url);
    expect([again.status, (await again.json()).message]).toEqual([401, "Invalid nonce - nonce has already been used."]);
  });

  it("ignores Basic and query-string keys over http and accepts them over https", async () => {
    for (const auth of ["basic-http", "query-http"] as const) {
      const res = await h.call("GET", "/wp-json/wc/v3/orders", { auth });
      expect([res.status, res.json.code]).toEqual([401, "woocommerce_rest_cannot_view"]);
    }
    for (const auth of ["basic-https", "query-https"] as const) expect((await h.call("GET", "/wp-json/wc/v3/orders", { auth })).status).toBe(200);
    const wrong = await h.call("GET", "/wp-json/wc/v3/orders", { auth: "basic-https-wrong-secret" });
    expect([wrong.status, wrong.json.message]).toEqual([401, "Consumer secret is invalid."]);
  });

  it("lets a read-only key read but answers its writes with 401", async () => {
    expect((await h.call("GET", "/wp-json/wc/v3/customers", { auth: "read-only" })).status).toBe(200);
    const write = await h.call("POST", "/wp-json/wc/v3/customers/batch", { auth: "read-only", body: { update: [] } });
    expect([write.status, write.json.message]).toEqual([401, "The API key provided does not have write permissions."]);
  });
});

describe("the npm client @woocommerce/woocommerce-rest-api against the simulator", () => {
  let sim: WooSimulator;
  beforeAll(async () => {
    // Real time: the client signs with Date.now().
    sim = await startWooSimulator({ data: generateWooSeed({ dataset: "cdnow", maxCustomers: 60, seed: 7, shiftDatesTo: new Date() }) });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads every order over http with OAuth 1.0a, page by page, and writes customer meta in a batch", async () => {
    const key = sim.shop.addKey({ permissions: "read_write" });
    const api = new WooCommerceRestApi({ url: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret, version: "wc/v3" });
    const seen = new Set<number>();
    let pages = 0;
    for (let page = 1; ; page++) {
      const res = await api.get("orders", { per_page: 100, page, modified_after: "1990-01-01T00:00:00", dates_are_gmt: true, orderby: "modified", order: "asc" });
      pages = Number(res.headers["x-wp-totalpages"]);
      for (const o of res.data as { id: number }[]) seen.add(o.id);
      if (page >= pages) break;
    }
    const truth = sim.shop.truth!;
    expect(seen.size).toBe(truth.counts.orders);
    expect(pages).toBe(Math.ceil(truth.counts.orders / 100));
    const customer = truth.customers[0];
    const batch = await api.post("customers/batch", { update: [{ id: customer.legacyId, meta_data: [{ key: "rfm_persona", value: "Champions" }] }] });
    expect(batch.status).toBe(200);
    const read = await api.get(`customers/${customer.legacyId}`);
    expect(read.data.meta_data).toEqual([expect.objectContaining({ key: "rfm_persona", value: "Champions" })]);
  });
});
