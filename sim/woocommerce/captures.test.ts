import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../kit/receiver";
import { hmacBase64 } from "../kit/webhook-delivery";
import { captureFiles, captureLikeStore, COLLECTION_LENIENCY, readCapture, shapeDiff, type AuthMode, type Harness } from "./test-support";

/**
 * The simulator against the real WooCommerce 10.0.2 captures (../shared/woocommerce/captures): for every
 * captured REST answer and error, the same request to a store made like the captured one answers with
 * the same status, the same keys and JSON types (recursively), the same error code and message, and the
 * captured response header names; every captured webhook delivery step produces deliveries with the
 * same topics, header names and body shape, signed over the raw body.
 */

type Spec = { method?: string; path: (ids: Record<string, number>) => string; auth?: AuthMode; body?: (ids: Record<string, number>) => unknown };

const get = (path: string | ((ids: Record<string, number>) => string), auth?: AuthMode): Spec => ({ path: typeof path === "string" ? () => path : path, auth });

const REST: Record<string, Spec> = {
  "auth-basic-over-https-ok.json": get("/wp-json/wc/v3/orders?per_page=1", "basic-https"),
  "auth-oauth-hmac-sha1-ok.json": get("/wp-json/wc/v3/orders?per_page=1", "oauth-sha1"),
  "auth-oauth-in-header.json": get("/wp-json/wc/v3/orders?per_page=1", "oauth-header"),
  "auth-oauth-timestamp-14min-old-ok.json": get("/wp-json/wc/v3/orders?per_page=1", "oauth-14min"),
  "auth-query-string-over-https-ok.json": get("/wp-json/wc/v3/orders?per_page=1", "query-https"),
  "customer-after-null-meta.json": get((ids) => `/wp-json/wc/v3/customers/${ids.zoe}`),
  "customer-one.json": get((ids) => `/wp-json/wc/v3/customers/${ids.ava}`),
  "customers-all-per-page-100.json": get("/wp-json/wc/v3/customers?per_page=100"),
  "customers-batch-101-items-error.json": {
    method: "POST",
    path: () => "/wp-json/wc/v3/customers/batch",
    body: (ids) => ({ update: Array.from({ length: 101 }, () => ({ id: ids.ava, meta_data: [{ key: "rfm_persona", value: "x" }] })) }),
  },
  "customers-batch-delete-meta.json": {
    method: "POST",
    path: () => "/wp-json/wc/v3/customers/batch",
    body: (ids) => ({ update: [{ id: ids.zoe, meta_data: [{ key: "rfm_persona", value: null }] }] }),
  },
  "customers-batch-mixed-invalid-id.json": {
    method: "POST",
    path: () => "/wp-json/wc/v3/customers/batch",
    body: (ids) => ({ update: [{ id: ids.zoe, meta_data: [{ key: "rfm_persona", value: "new" }] }, { id: 999999, meta_data: [{ key: "rfm_persona", value: "ghost" }] }] }),
  },
  "customers-batch-update-meta.json": {
    method: "POST",
    path: () => "/wp-json/wc/v3/customers/batch",
    body: (ids) => ({
      update: [ids.ava, ids.liam, ids.mia].map((id) => ({ id, meta_data: [{ key: "rfm_persona", value: "loyal" }, { key: "rfm_scores", value: { r: 4, f: 4, m: 3 } }] })),
    }),
  },
  "customers-page-1.json": get("/wp-json/wc/v3/customers?per_page=10&page=1"),
  "customers-page-2.json": get("/wp-json/wc/v3/customers?per_page=10&page=2"),
  "customers-search-by-email.json": get("/wp-json/wc/v3/customers?email=mia.garcia%40example.test"),
  "error-basic-over-http.json": get("/wp-json/wc/v3/orders", "basic-http"),
  "error-basic-wrong-secret.json": get("/wp-json/wc/v3/orders", "basic-https-wrong-secret"),
  "error-invalid-email-create-order.json": { method: "POST", path: () => "/wp-json/wc/v3/orders", body: () => ({ billing: { email: "" } }) },
  "error-invalid-param-modified-after.json": get("/wp-json/wc/v3/orders?modified_after=yesterday"),
  "error-invalid-param-per-page.json": get("/wp-json/wc/v3/orders?per_page=1000"),
  "error-invalid-param-status.json": get("/wp-json/wc/v3/orders?status=bogus"),
  "error-missing-auth.json": get("/wp-json/wc/v3/orders", "none"),
  "error-no-route.json": get("/wp-json/wc/v3/nope", "none"),
  "error-oauth-nonce-reused.json": get("/wp-json/wc/v3/orders", "oauth-replay"),
  "error-oauth-tampered-timestamp.json": get("/wp-json/wc/v3/orders", "oauth-tampered-timestamp"),
  "error-oauth-timestamp-16min-old.json": get("/wp-json/wc/v3/orders?per_page=1", "oauth-16min"),
  "error-oauth-unknown-key.json": get("/wp-json/wc/v3/orders", "oauth-unknown-key"),
  "error-oauth-wrong-secret.json": get("/wp-json/wc/v3/orders", "oauth-wrong-secret"),
  "error-query-string-over-http.json": get("/wp-json/wc/v3/orders?per_page=1", "query-http"),
  "error-read-only-key-write.json": { method: "PUT", path: (ids) => `/wp-json/wc/v3/customers/${ids.ava}`, auth: "read-only", body: () => ({ first_name: "Ava" }) },
  "error-rest-route-form-not-authenticated.json": get("/?rest_route=/wc/v3/orders", "rest-route-basic-https"),
  "error-unknown-customer-id.json": get("/wp-json/wc/v3/customers/999999"),
  "error-unknown-order-id.json": get("/wp-json/wc/v3/orders/999999"),
  "order-after-restore.json": get((ids) => `/wp-json/wc/v3/orders/${ids.restored}`),
  "order-cancelled.json": get((ids) => `/wp-json/wc/v3/orders/${ids.cancelled}`),
  "order-create-with-date-created-ignored.json": {
    method: "POST",
    path: () => "/wp-json/wc/v3/orders",
    body: () => ({
      customer_id: 0,
      billing: { first_name: "Date", last_name: "Probe", email: "date.probe@example.test" },
      date_created: "2024-01-15T10:00:00",
      date_created_gmt: "2024-01-15T15:00:00",
      line_items: [{ product_id: 11, quantity: 1 }],
      status: "pending",
    }),
  },
  "order-eur.json": get((ids) => `/wp-json/wc/v3/orders/${ids.eur}`),
  "order-failed.json": get((ids) => `/wp-json/wc/v3/orders/${ids.failed}`),
  "order-full-coupon-fee.json": get((ids) => `/wp-json/wc/v3/orders/${ids.couponFee}`),
  "order-fully-refunded.json": get((ids) => `/wp-json/wc/v3/orders/${ids.full}`),
  "order-gbp.json": get((ids) => `/wp-json/wc/v3/orders/${ids.gbp}`),
  "order-get-deleted-404.json": get((ids) => `/wp-json/wc/v3/orders/${ids.deleted}`),
  "order-get-trashed.json": get((ids) => `/wp-json/wc/v3/orders/${ids.trashed}`),
  "order-guest-registered-email.json": get((ids) => `/wp-json/wc/v3/orders/${ids.guestRegistered}`),
  "order-guest-unknown-email.json": get((ids) => `/wp-json/wc/v3/orders/${ids.guestUnknown}`),
  "order-on-hold.json": get((ids) => `/wp-json/wc/v3/orders/${ids.onHold}`),
  "order-partially-refunded.json": get((ids) => `/wp-json/wc/v3/orders/${ids.partial}`),
  "order-pending.json": get((ids) => `/wp-json/wc/v3/orders/${ids.pending}`),
  "order-pos-core.json": get((ids) => `/wp-json/wc/v3/orders/${ids.posCore}`),
  "order-pos-wcpos-plugin.json": get((ids) => `/wp-json/wc/v3/orders/${ids.posWcpos}`),
  "order-store-api-checkout.json": get((ids) => `/wp-json/wc/v3/orders/${ids.storeApi}`),
  "order-subscription-parent.json": get((ids) => `/wp-json/wc/v3/orders/${ids.subParent}`),
  "order-subscription-renewal.json": get((ids) => `/wp-json/wc/v3/orders/${ids.subRenewal}`),
  "order-zero-price-item.json": get((ids) => `/wp-json/wc/v3/orders/${ids.zeroPrice}`),
  "order-zero-total.json": get((ids) => `/wp-json/wc/v3/orders/${ids.zeroTotal}`),
  "orders-after-created.json": get("/wp-json/wc/v3/orders?per_page=10&after=2026-10-31T09%3A26%3A58&dates_are_gmt=true"),
  "orders-all-per-page-100.json": get("/wp-json/wc/v3/orders?per_page=100"),
  "orders-created-via-pos.json": get("/wp-json/wc/v3/orders?created_via=pos-rest-api%2Cwoocommerce-pos"),
  "orders-modified-after-page-2.json": get("/wp-json/wc/v3/orders?per_page=10&page=2&modified_after=2026-11-01T09%3A26%3A57&dates_are_gmt=true&orderby=modified&order=asc"),
  "orders-modified-after.json": get("/wp-json/wc/v3/orders?per_page=10&modified_after=2026-11-01T09%3A26%3A57&dates_are_gmt=true&orderby=modified&order=asc"),
  "orders-page-1.json": get("/wp-json/wc/v3/orders?per_page=10&page=1"),
  "orders-page-2.json": get("/wp-json/wc/v3/orders?per_page=10&page=2"),
  "orders-page-beyond-last.json": get("/wp-json/wc/v3/orders?per_page=10&page=99"),
  "orders-status-trash.json": get("/wp-json/wc/v3/orders?status=trash"),
  "refund-create-full.json": {
    method: "POST",
    path: (ids) => `/wp-json/wc/v3/orders/${ids.refundFull}/refunds`,
    body: () => ({ amount: "24.00", reason: "Customer returned grinder", api_refund: false }),
  },
  "refund-create-partial.json": {
    method: "POST",
    path: (ids) => `/wp-json/wc/v3/orders/${ids.refundPartial}/refunds`,
    body: (ids) => ({ amount: "24.00", reason: "One bag arrived damaged", api_refund: false, line_items: [{ id: ids.refundPartialLine, quantity: 1, refund_total: 24 }] }),
  },
  "refund-error-api-refund-unsupported-gateway.json": {
    method: "POST",
    path: (ids) => `/wp-json/wc/v3/orders/${ids.partial}/refunds`,
    body: () => ({ amount: "1.00", reason: "auto" }),
  },
  "refunds-list-full.json": get((ids) => `/wp-json/wc/v3/orders/${ids.full}/refunds`),
  "refunds-list-partial.json": get((ids) => `/wp-json/wc/v3/orders/${ids.partial}/refunds`),
  "system-status-environment.json": get("/wp-json/wc/v3/system_status"),
  "webhook-after-failures.json": get((ids) => `/wp-json/wc/v3/webhooks/${ids.disabledWebhook}`),
  "webhooks-list-filter-disabled.json": get("/wp-json/wc/v3/webhooks?status=disabled"),
  "webhooks-list-final.json": get("/wp-json/wc/v3/webhooks"),
  "webhooks-list.json": get("/wp-json/wc/v3/webhooks"),
};

/** Header names the captured answer carried (response.headers keeps X-*, Link, Location, Allow, Content-Type). */
function headerNames(headers: Record<string, string>): string[] {
  return Object.keys(headers).map((h) => h.toLowerCase());
}

describe("WooCommerce simulator vs the real 10.0.2 captures", () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    h = await captureLikeStore();
    receiver = await startReceiver((r) => (r.path.startsWith("/fail/") ? 500 : 200));
    const shop = h.sim.shop;
    // One order for each refund to create, and a webhook disabled by failures (as in the captures).
    h.ids.refundFull = shop.createOrder({ customerId: h.ids.leo, lines: [{ productId: 11, quantity: 1 }] }).id;
    const partial = shop.createOrder({ customerId: h.ids.ruby, lines: [{ productId: 11, quantity: 2 }] });
    h.ids.refundPartial = partial.id;
    h.ids.refundPartialLine = partial.lines[0].id;
    const failing = shop.webhooks.create({ name: "failing receiver", topic: "order.updated", deliveryUrl: `${receiver.url}/fail/order.updated`, secret: "s" });
    h.ids.disabledWebhook = failing.id;
    for (let i = 0; i < 7; i++) {
      shop.updateOrder(h.ids.pending, { meta: [{ key: "n", value: String(i) }] });
      await shop.settle();
    }
    shop.updateOrder(h.ids.pending, { meta: [{ key: "n", value: null }] });
    await shop.settle();
  });

  afterAll(async () => {
    await h?.sim.stop();
    await receiver?.close();
  });

  it("covers every REST capture", () => {
    expect(captureFiles("rest").filter((f) => !(f in REST))).toEqual([]);
  });

  for (const [file, spec] of Object.entries(REST)) {
    it(`answers like rest/${file}`, async () => {
      const capture = readCapture(`rest/${file}`);
      const method = spec.method ?? capture.request.method;
      const answer = await h.call(method, spec.path(h.ids), { auth: spec.auth, body: spec.body?.(h.ids) });
      const expected = capture.response;
      expect(answer.status, answer.text.slice(0, 300)).toBe(expected.status);
      const collection = Array.isArray(expected.body) && Array.isArray(answer.json);
      expect(shapeDiff(expected.body, answer.json, "$", collection ? COLLECTION_LENIENCY : undefined)).toEqual([]);
      if (expected.status >= 400) {
        expect({ code: answer.json.code, message: answer.json.message }).toEqual({ code: expected.body.code, message: expected.body.message });
      }
      const names = [...answer.headers.keys()];
      expect(headerNames(expected.headers).filter((n) => !names.includes(n))).toEqual([]);
      expect(answer.headers.get("content-type")).toBe(expected.headers["content-type"]);
    });
  }
});

// ---- webhook deliveries ----

interface DeliveryCapture {
  step: string;
  request: { headers: [string, string][] };
  raw_body: string;
  parsed_body: unknown;
}

const isPing = (body: string) => body.startsWith("webhook_id=");

describe("WooCommerce webhook deliveries vs the captures", () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = "rfm-heldout-webhook-secret";
  type Answer = Awaited<ReturnType<Harness["call"]>>;
  const answers = new Map<string, Answer>();
  const byStep = new Map<string, { topic: string; headers: Record<string, string | string[] | undefined>; rawBody: string; path: string }[]>();

  beforeAll(async () => {
    h = await captureLikeStore();
    receiver = await startReceiver((r) => (r.path.startsWith("/fail/") ? 500 : 200));
    const shop = h.sim.shop;
    let seen = 0;
    const step = async (name: string, run: () => unknown | Promise<unknown>) => {
      const result = await run();
      if (result && typeof result === "object" && "status" in result && "headers" in result) answers.set(name, result as Answer);
      await shop.settle();
      const got = receiver.received.slice(seen).map((r) => ({
        topic: isPing(r.rawBody) ? "ping" : String(r.headers["x-wc-webhook-topic"]),
        headers: r.headers,
        rawBody: r.rawBody,
        path: r.path,
      }));
      seen = receiver.received.length;
      byStep.set(name, got);
    };
    for (const topic of ["order.created", "order.updated", "order.deleted", "order.restored", "customer.created", "customer.updated"]) {
      await step(`01-create-webhook-${topic}`, () =>
        h.call("POST", "/wp-json/wc/v3/webhooks", { body: { name: `rfm ${topic}`, topic, delivery_url: `${receiver.url}/hooks/${topic}`, secret, status: "active" } })
      );
    }
    let created = 0;
    await step("02-rest-create-order", async () => {
      const res = await h.call("POST", "/wp-json/wc/v3/orders", {
        body: { customer_id: h.ids.mia, set_paid: true, status: "processing", billing: { email: "mia.garcia@example.test" }, line_items: [{ product_id: 11, quantity: 1 }], shipping_lines: [{ method_id: "flat_rate", method_title: "Flat rate", total: "5.00" }] },
      });
      created = res.json.id;
      return res;
    });
    await step("03-update-status-processing-to-completed", () => h.call("PUT", `/wp-json/wc/v3/orders/${created}`, { body: { status: "completed" } }));
    await step("04-update-order-meta-only", () => h.call("PUT", `/wp-json/wc/v3/orders/${created}`, { body: { meta_data: [{ key: "note", value: "x" }] } }));
    const p = shop.createOrder({ customerId: h.ids.ruby, lines: [{ productId: 11, quantity: 2 }], status: "completed" });
    const f = shop.createOrder({ customerId: h.ids.leo, lines: [{ productId: 15, quantity: 1 }], status: "completed" });
    const t1 = shop.createOrder({ customerId: h.ids.nora, lines: [{ productId: 11, quantity: 1 }], status: "completed" });
    const t2 = shop.createOrder({ customerId: h.ids.nora, lines: [{ productId: 11, quantity: 1 }], status: "completed" });
    const gone = shop.createOrder({ customerId: h.ids.emma, lines: [{ productId: 11, quantity: 1 }] });
    await shop.settle();
    seen = receiver.received.length;
    await step("05-partial-refund", () =>
      h.call("POST", `/wp-json/wc/v3/orders/${p.id}/refunds`, { body: { amount: "24.00", api_refund: false, line_items: [{ id: p.lines[0].id, quantity: 1, refund_total: 24 }] } })
    );
    await step("06-full-refund", () => h.call("POST", `/wp-json/wc/v3/orders/${f.id}/refunds`, { body: { amount: "89.00", api_refund: false } }));
    await step("07-trash-order", () => h.call("DELETE", `/wp-json/wc/v3/orders/${t1.id}`));
    await step("08-restore-from-trash-admin-ui", () => shop.restoreOrder(t1.id));
    await step("08b-trash-second-order", () => h.call("DELETE", `/wp-json/wc/v3/orders/${t2.id}`));
    await step("08c-rest-put-status-on-trashed-order", () => h.call("PUT", `/wp-json/wc/v3/orders/${t2.id}`, { body: { status: "processing" } }));
    await step("09-force-delete-order", () => h.call("DELETE", `/wp-json/wc/v3/orders/${gone.id}?force=true`));
    await step("10-customer-update", () => h.call("PUT", `/wp-json/wc/v3/customers/${h.ids.liam}`, { body: { first_name: "Liam" } }));
    await step("11-customers-batch-meta", () =>
      h.call("POST", "/wp-json/wc/v3/customers/batch", { body: { update: [h.ids.ava, h.ids.liam, h.ids.mia].map((id) => ({ id, meta_data: [{ key: "rfm_persona", value: "loyal" }] })) } })
    );
    await step("12-customer-create", () => h.call("POST", "/wp-json/wc/v3/customers", { body: { email: "new.person@example.test", first_name: "New" } }));
    await step("14-00-create-failing-webhook", () =>
      h.call("POST", "/wp-json/wc/v3/webhooks", { body: { name: "failing", topic: "order.updated", delivery_url: `${receiver.url}/fail/order.updated`, secret, status: "active" } })
    );
    for (let i = 1; i <= 9; i++) {
      await step(`14-0${i}-update-with-failing-receiver`, () => h.call("PUT", `/wp-json/wc/v3/orders/${created}`, { body: { meta_data: [{ key: "attempt", value: String(i) }] } }));
    }
    shop.setWebhookMode("async");
    await step("20-async-store-api-checkout-then-2-updates", () => {
      const o = shop.createOrder({ billing: { email: "async@example.test" }, createdVia: "store-api", status: "processing", firstTopic: "order.updated", lines: [{ productId: 11, quantity: 1 }] });
      shop.updateOrder(o.id, { status: "completed" });
      shop.updateOrder(o.id, { customerNote: "second note" });
    });
  });

  afterAll(async () => {
    await h?.sim.stop();
    await receiver?.close();
  });

  const steps = new Map<string, { file: string; capture: DeliveryCapture }[]>();
  for (const file of captureFiles("webhooks").filter((f) => f.includes("--"))) {
    const capture = readCapture<DeliveryCapture>(`webhooks/${file}`);
    if (capture.step.startsWith("13-")) continue; // Store API in sync mode: a WordPress artefact body, not simulated
    steps.set(capture.step, [...(steps.get(capture.step) ?? []), { file, capture }]);
  }
  const stepFiles = [...new Set(["08c-rest-put-status-on-trashed-order", ...steps.keys()])].sort();

  // The REST answers of those steps (webhooks/api-*.json), except the Store API checkouts (not simulated).
  const API_STEPS: Record<string, string> = {
    "api-02-rest-create-order.json": "02-rest-create-order",
    "api-03-update-status.json": "03-update-status-processing-to-completed",
    "api-04-update-meta.json": "04-update-order-meta-only",
    "api-07-trash-order.json": "07-trash-order",
    "api-08c-rest-put-status-on-trashed-order.json": "08c-rest-put-status-on-trashed-order",
    "api-09-force-delete-order.json": "09-force-delete-order",
    "api-10-customer-update.json": "10-customer-update",
    "api-12-customer-create.json": "12-customer-create",
    "api-create-webhook-failing.json": "14-00-create-failing-webhook",
    ...Object.fromEntries(
      ["order.created", "order.updated", "order.deleted", "order.restored", "customer.created", "customer.updated"].map((t) => [`api-create-webhook-${t}.json`, `01-create-webhook-${t}`])
    ),
  };

  it("covers every webhook-step REST capture but the Store API checkouts", () => {
    const apiFiles = captureFiles("webhooks").filter((f) => f.startsWith("api-") && !f.includes("store-api-checkout"));
    expect(apiFiles.filter((f) => !(f in API_STEPS))).toEqual([]);
  });

  for (const [file, stepName] of Object.entries(API_STEPS)) {
    it(`answers like webhooks/${file}`, () => {
      const expected = readCapture(`webhooks/${file}`).response;
      const answer = answers.get(stepName)!;
      expect(answer.status).toBe(expected.status);
      expect(shapeDiff(expected.body, answer.json)).toEqual([]);
      const names = [...answer.headers.keys()];
      expect(Object.keys(expected.headers).filter((n) => !names.includes(n.toLowerCase()))).toEqual([]);
    });
  }

  for (const name of stepFiles) {
    it(`delivers like webhooks/${name}`, () => {
      const expected = steps.get(name) ?? [];
      const got = byStep.get(name) ?? [];
      const topic = (c: DeliveryCapture) => (isPing(c.raw_body) ? "ping" : c.request.headers.find(([k]) => k === "X-WC-Webhook-Topic")![1]);
      expect(got.map((g) => g.topic).sort()).toEqual(expected.map((e) => topic(e.capture)).sort());
      for (const { capture } of expected) {
        const t = topic(capture);
        const candidates = got.filter((g) => g.topic === t);
        const names = capture.request.headers.map(([k]) => k.toLowerCase());
        for (const g of candidates) {
          expect(names.filter((n) => !(n in g.headers))).toEqual([]);
          expect(g.headers["content-type"]).toBe(capture.request.headers.find(([k]) => k === "Content-Type")![1]);
          expect(g.headers["user-agent"]).toBe(capture.request.headers.find(([k]) => k === "User-Agent")![1]);
          if (t === "ping") {
            expect(g.rawBody).toMatch(/^webhook_id=\d+$/);
            expect(g.headers["x-wc-webhook-signature"]).toBeUndefined();
            continue;
          }
          expect(g.headers["x-wc-webhook-signature"]).toBe(hmacBase64(g.rawBody, secret));
          expect(shapeDiff(capture.parsed_body, JSON.parse(g.rawBody))).toEqual([]);
          if (g.rawBody.includes("http")) expect(g.rawBody).toContain("http:\\/\\/");
          expect(g.headers["x-wc-webhook-delivery-id"]).toMatch(/^[0-9a-f]{32}$/);
        }
      }
    });
  }
});
