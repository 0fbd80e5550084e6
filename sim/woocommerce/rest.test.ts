import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUrl } from "./auth";
import { captureLikeStore, type Harness } from "./test-support";

/** wc/v3 behaviour the captures show: pagination and Link, date filters, refunds, trash, batch limits, meta semantics. */

describe("WooCommerce simulator REST behaviour", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await captureLikeStore();
  });
  afterAll(async () => {
    await h?.sim.stop();
  });

  it("pages orders with X-WP-Total, X-WP-TotalPages and a Link that repeats the caller's oauth_* parameters", async () => {
    // GIVEN more orders than one page WHEN page 2 is read
    const res = await h.call("GET", "/wp-json/wc/v3/orders?per_page=10&page=2");
    // THEN totals exclude trashed orders, and Link has prev + next with the request's own OAuth data
    const visible = [...h.sim.shop.store.orders.values()].filter((o) => o.status !== "trash").length;
    expect(res.headers.get("x-wp-total")).toBe(String(visible));
    expect(res.headers.get("x-wp-totalpages")).toBe(String(Math.ceil(visible / 10)));
    const link = res.headers.get("link")!;
    expect(link).toMatch(/page=1&oauth_consumer_key=ck_[0-9a-f]+&oauth_nonce=.+status%5B0%5D=any&dp=2&context=view>; rel="prev"/);
    expect(link).toContain('page=3&oauth_consumer_key=');
    expect(link).toContain('rel="next"');
    // AND following the next Link verbatim fails: its nonce was already used
    const next = /<([^>]+)>; rel="next"/.exec(link)![1];
    const replay = await fetch(next);
    expect(replay.status).toBe(401);
    expect((await replay.json()).message).toMatch(/^Invalid (nonce|signature)/);
  });

  it("reads orders newest first by default, and a page past the end is 200 [] with zero totals", async () => {
    const first = await h.call("GET", "/wp-json/wc/v3/orders?per_page=5");
    const dates: string[] = first.json.map((o: { date_created_gmt: string }) => o.date_created_gmt);
    expect([...dates].sort().reverse()).toEqual(dates);
    const beyond = await h.call("GET", "/wp-json/wc/v3/orders?per_page=10&page=99");
    expect(beyond.status).toBe(200);
    expect(beyond.json).toEqual([]);
    expect([beyond.headers.get("x-wp-total"), beyond.headers.get("x-wp-totalpages")]).toEqual(["0", "0"]);
  });

  it("returns an old order refunded today to modified_after (GMT), ordered by modified ascending", async () => {
    // GIVEN an order placed 46 days ago and refunded just now (captureLikeStore)
    const since = new Date(h.clock.now() - 3600_000).toISOString().slice(0, 19);
    const res = await h.call("GET", `/wp-json/wc/v3/orders?per_page=100&modified_after=${since}&dates_are_gmt=true&orderby=modified&order=asc`);
    const ids = res.json.map((o: { id: number }) => o.id);
    expect(ids).toContain(h.ids.partial);
    const modified: string[] = res.json.map((o: { date_modified_gmt: string }) => o.date_modified_gmt);
    expect([...modified].sort()).toEqual(modified);
    for (const o of res.json) expect(o.date_modified_gmt > since).toBe(true);
    // AND without dates_are_gmt the same wall-clock time is read in the store's zone (New York, 5 hours behind)
    const local = await h.call("GET", `/wp-json/wc/v3/orders?per_page=100&modified_after=${since}&orderby=modified&order=asc`);
    expect(local.json.length).toBeLessThan(res.json.length);
  });

  it("refunds with negative lines, leaves the order total alone, lists them on the order, and marks a full refund refunded", async () => {
    const partial = (await h.call("GET", `/wp-json/wc/v3/orders/${h.ids.partial}`)).json;
    expect(partial.total).toBe("48.00");
    expect(partial.status).toBe("completed");
    expect(partial.refunds).toEqual([{ id: h.ids.partialRefund, reason: "One bag arrived damaged", total: "-24.00" }]);
    const refunds = (await h.call("GET", `/wp-json/wc/v3/orders/${h.ids.partial}/refunds`)).json;
    expect(refunds[0]).toMatchObject({ amount: "24.00", refunded_payment: false });
    expect(refunds[0].line_items[0]).toMatchObject({ quantity: -1, subtotal: "-24.00", total: "-24.00", price: 24 });
    expect(refunds[0].line_items[0].meta_data[0]).toMatchObject({ key: "_refunded_item_id", value: String(h.ids.partialLine) });
    const full = (await h.call("GET", `/wp-json/wc/v3/orders/${h.ids.full}`)).json;
    expect([full.status, full.total]).toEqual(["refunded", "53.90"]);
    // AND an automatic refund through a gateway that cannot refund is the real 500
    const auto = await h.call("POST", `/wp-json/wc/v3/orders/${h.ids.couponFee}/refunds`, { body: { amount: "1.00" } });
    expect([auto.status, auto.json.code]).toEqual([500, "woocommerce_rest_cannot_create_order_refund"]);
  });

  it("keeps a trashed order readable and listed only under status=trash; a force-deleted one is 404", async () => {
    const trashed = await h.call("GET", `/wp-json/wc/v3/orders/${h.ids.trashed}`);
    expect(trashed.json.status).toBe("trash");
    const any = (await h.call("GET", "/wp-json/wc/v3/orders?per_page=100")).json.map((o: { id: number }) => o.id);
    expect(any).not.toContain(h.ids.trashed);
    const trash = (await h.call("GET", "/wp-json/wc/v3/orders?status=trash")).json.map((o: { id: number }) => o.id);
    expect(trash).toEqual([h.ids.trashed]);
    const gone = await h.call("GET", `/wp-json/wc/v3/orders/${h.ids.deleted}`);
    expect([gone.status, gone.json.code]).toEqual([404, "woocommerce_rest_shop_order_invalid_id"]);
  });

  it("never lists guests under customers; filters POS orders by created_via", async () => {
    const customers = (await h.call("GET", "/wp-json/wc/v3/customers?per_page=100")).json;
    const emails = customers.map((c: { email: string }) => c.email);
    expect(emails).not.toContain("gina.guest@example.test");
    expect(customers.every((c: { role: string }) => c.role === "customer")).toBe(true);
    const pos = (await h.call("GET", "/wp-json/wc/v3/orders?created_via=pos-rest-api,woocommerce-pos")).json;
    expect(pos.map((o: { id: number }) => o.id).sort()).toEqual([h.ids.posCore, h.ids.posWcpos].sort());
  });

  it("batches up to 100 customers (create, update and delete counted together), with per-item errors", async () => {
    const item = { id: h.ids.oscar, meta_data: [{ key: "rfm_persona", value: "Loyal" }] };
    const ok = await h.call("POST", "/wp-json/wc/v3/customers/batch", { body: { update: Array.from({ length: 100 }, () => item) } });
    expect(ok.status).toBe(200);
    const over = await h.call("POST", "/wp-json/wc/v3/customers/batch", { body: { update: Array.from({ length: 99 }, () => item), delete: [1, 2] } });
    expect([over.status, over.json]).toEqual([
      413,
      { code: "woocommerce_rest_request_entity_too_large", message: "Unable to accept more than 100 items for this request.", data: { status: 413 } },
    ]);
    const mixed = await h.call("POST", "/wp-json/wc/v3/customers/batch", { body: { update: [item, { id: 999999, meta_data: [] }] } });
    expect(mixed.json.update[0].id).toBe(h.ids.oscar);
    expect(mixed.json.update[1]).toEqual({ id: 999999, error: { code: "wc_user_invalid_id", message: "Invalid user ID.", data: { status: 404 } } });
  });

  it("upserts customer meta by key, keeps object values, and deletes a key sent as null", async () => {
    const id = h.ids.piper;
    await h.call("PUT", `/wp-json/wc/v3/customers/${id}`, { body: { meta_data: [{ key: "rfm_persona", value: "At Risk" }, { key: "rfm_scores", value: { r: 1, f: 3, m: 2 } }] } });
    await h.call("PUT", `/wp-json/wc/v3/customers/${id}`, { body: { meta_data: [{ key: "rfm_persona", value: "Loyal" }] } });
    let meta = (await h.call("GET", `/wp-json/wc/v3/customers/${id}`)).json.meta_data;
    expect(meta.map((m: { key: string; value: unknown }) => [m.key, m.value])).toEqual([
      ["rfm_persona", "Loyal"],
      ["rfm_scores", { r: 1, f: 3, m: 2 }],
    ]);
    await h.call("POST", "/wp-json/wc/v3/customers/batch", { body: { update: [{ id, meta_data: [{ key: "rfm_persona", value: null }] }] } });
    meta = (await h.call("GET", `/wp-json/wc/v3/customers/${id}`)).json.meta_data;
    expect(meta.map((m: { key: string }) => m.key)).toEqual(["rfm_scores"]);
  });

  it("never returns a webhook's secret", async () => {
    const res = await h.call("POST", "/wp-json/wc/v3/webhooks", { body: { topic: "order.created", delivery_url: "http://127.0.0.1:9/hook", secret: "shh", status: "paused" } });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain("shh");
    expect(res.json).not.toHaveProperty("secret");
  });

  it("does not authenticate ?rest_route= requests, whatever credentials they carry", async () => {
    const url = `${h.sim.url}/?rest_route=/wc/v3/orders`;
    const signed = await fetch(signUrl("GET", url, h.key, { timestamp: Math.floor(h.clock.now() / 1000) }));
    expect(signed.status).toBe(401);
    expect((await signed.json()).code).toBe("woocommerce_rest_cannot_view");
    const ok = await h.call("GET", "/wp-json/wc/v3/orders?per_page=1", { auth: "basic-https" });
    expect(ok.status).toBe(200);
  });
});
