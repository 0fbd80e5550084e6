/**
 * WooCommerce orders → canonical orders, against the real WooCommerce 10.0.2 captures in
 * ../shared/woocommerce/captures (read in place, never copied).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { applyRules } from "~/rfm/rules";
import { countingRulesSchema } from "~/rfm/settings";
import {
  mapWooCommerceOrder,
  orderFromWooCommerce,
  orderIdOf,
  WooCommerceOrderError,
  wooCustomerIdOf,
  wooCustomerKey,
  WooOrderIdOnly,
  wooOrderIdOf,
} from "./orders";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const captures = path.resolve(root, "..", "shared", "woocommerce", "captures");
const readJson = (file: string) => JSON.parse(readFileSync(path.join(captures, file), "utf8"));
/** The order a REST capture answered with. */
const rest = (name: string): Record<string, unknown> => readJson(`rest/${name}.json`).response.body;
const withMeta = (order: Record<string, unknown>, meta: { key: string; value: unknown }[]) => ({
  ...order,
  meta_data: [...(order.meta_data as object[]), ...meta.map((m, i) => ({ id: 9000 + i, ...m }))],
});

const USD = "USD";

describe("WooCommerce order captures → canonical orders", () => {
  it("GIVEN every REST order capture and every order of every list capture WHEN mapped THEN each maps without error", () => {
    const files = readdirSync(path.join(captures, "rest")).filter((f) => /^orders?-.*\.json$/.test(f));
    let mapped = 0;
    for (const file of files) {
      const { response } = readJson(`rest/${file}`);
      if (response.status >= 400) continue; // error bodies (e.g. the 404 of a deleted order)
      const bodies: unknown[] = Array.isArray(response.body) ? response.body : [response.body];
      for (const body of bodies) {
        const order = orderFromWooCommerce(body, USD);
        expect(order.id).toBe(`woo:order:${orderIdOf(body)}`);
        expect(order.processedAt).toMatch(/Z$/);
        mapped++;
      }
    }
    expect(mapped).toBeGreaterThan(100);
  });

  it("GIVEN every order.* webhook delivery WHEN its raw body is read THEN it is an order, a bare id (trash) or a clear error for the Store API artefact", () => {
    const files = readdirSync(path.join(captures, "webhooks")).filter((f) => /--\d+-order\.\w+\.json$/.test(f));
    const kinds = { order: 0, id: 0, unreadable: 0 };
    for (const file of files) {
      const body = JSON.parse(readJson(`webhooks/${file}`).raw_body);
      if (WooOrderIdOnly.safeParse(body).success) {
        kinds.id++;
        continue;
      }
      if (orderIdOf(body) === null) {
        // Store API sync-mode artefact: {"code":"rest_no_route",…}
        expect(() => orderFromWooCommerce(body, USD)).toThrowError(WooCommerceOrderError);
        kinds.unreadable++;
        continue;
      }
      expect(orderFromWooCommerce(body, USD).platform).toBe("woocommerce");
      kinds.order++;
    }
    expect(kinds).toEqual({ order: 25, id: 2, unreadable: 2 });
  });

  it("GIVEN the partial-refund delivery WHEN mapped THEN it equals the REST read of the same order (one mapping for both)", () => {
    const body = JSON.parse(readJson("webhooks/05-partial-refund--01-order.updated.json").raw_body);
    const fromHook = orderFromWooCommerce(body, USD);
    expect(fromHook).toMatchObject({ id: "woo:order:87", refundedMinor: 2400, totalMinor: 7295, cancelled: false });
    const { updatedAt: _a, ...hook } = fromHook;
    const { updatedAt: _b, ...read } = orderFromWooCommerce(rest("order-partially-refunded"), USD);
    expect(hook).toEqual(read);
  });
});

describe("ids, dates and money", () => {
  it("GIVEN a renewal WHEN mapped THEN ids are prefixed, dates are the _gmt ones in UTC and money is in minor units", () => {
    const order = orderFromWooCommerce(rest("order-subscription-renewal"), USD);
    expect(order).toEqual({
      platform: "woocommerce",
      id: "woo:order:79",
      customerKey: "woo:customer:7",
      guest: false,
      processedAt: "2026-09-25T17:46:28.000Z", // date_created_gmt (local date_created is 13:46 New York)
      updatedAt: "2026-09-27T17:46:28.000Z",
      currency: "USD",
      totalMinor: 3400,
      refundedMinor: 0,
      lineItems: [{ id: "158", quantity: 1, unitPriceMinor: 2900, totalMinor: 2900, subscription: true }],
      channel: "subscription",
      pos: false,
      subscription: true,
      test: false,
      cancelled: false,
      unpaid: false,
      amountUnknown: false,
      tags: [],
      contact: { name: "Ethan Okafor", email: "ethan.okafor@example.test" },
    });
    expect(wooCustomerIdOf(order.customerKey!)).toBe(7);
    expect(wooOrderIdOf(order.id)).toBe(79);
    expect(wooCustomerIdOf("email:a@b.c")).toBeNull();
    expect(wooCustomerKey(12)).toBe("woo:customer:12");
  });

  it("GIVEN a coupon and a fee WHEN mapped THEN lines carry the pre-discount unit price and the discounted total, the fee is no line, the coupon is a tag", () => {
    const order = orderFromWooCommerce(rest("order-full-coupon-fee"), USD);
    expect(order.totalMinor).toBe(13230);
    expect(order.lineItems).toEqual([
      { id: "162", quantity: 1, unitPriceMinor: 8900, totalMinor: 8010, subscription: false },
      { id: "163", quantity: 2, unitPriceMinor: 2400, totalMinor: 4320, subscription: false },
    ]);
    expect(order.tags).toEqual(["welcome10"]);
  });

  it("GIVEN a zero-price line and a zero-total order WHEN mapped THEN the $0 lines are kept at 0 for the $0 rule", () => {
    expect(orderFromWooCommerce(rest("order-zero-price-item"), USD)).toMatchObject({
      totalMinor: 5300,
      lineItems: [
        { id: "144", quantity: 2, unitPriceMinor: 2400, totalMinor: 4800, subscription: false },
        { id: "145", quantity: 1, unitPriceMinor: 0, totalMinor: 0, subscription: false },
      ],
    });
    expect(orderFromWooCommerce(rest("order-zero-total"), USD)).toMatchObject({
      totalMinor: 0,
      lineItems: [{ id: "147", quantity: 1, unitPriceMinor: 0, totalMinor: 0, subscription: false }],
    });
  });

  it("GIVEN partial and full refunds WHEN mapped THEN the negative refund totals are netted and the order total stays", () => {
    expect(orderFromWooCommerce(rest("order-partially-refunded"), USD)).toMatchObject({ totalMinor: 7295, refundedMinor: 2400, cancelled: false });
    expect(orderFromWooCommerce(rest("order-fully-refunded"), USD)).toMatchObject({ totalMinor: 9400, refundedMinor: 9400, cancelled: false });
  });

  it("GIVEN status refunded with refunds[] short of the total WHEN mapped THEN it is netted to nothing", () => {
    const order = orderFromWooCommerce({ ...rest("order-fully-refunded"), refunds: [] }, USD);
    expect(order.refundedMinor).toBe(9400);
  });
});

describe("customers", () => {
  it("GIVEN guest orders WHEN mapped THEN they are keyed by the lower-cased billing email, even when it is a registered customer's", () => {
    expect(orderFromWooCommerce(rest("order-guest-registered-email"), USD)).toMatchObject({ customerKey: "email:mia.garcia@example.test", guest: true });
    expect(orderFromWooCommerce(rest("order-guest-unknown-email"), USD)).toMatchObject({ customerKey: "email:gina.guest@example.test", guest: true });
    const shouting = { ...rest("order-guest-unknown-email"), billing: { email: "  Gina.Guest@Example.TEST " } };
    expect(orderFromWooCommerce(shouting, USD).customerKey).toBe("email:gina.guest@example.test");
  });

  it("GIVEN a POS guest sale with an empty billing email WHEN mapped THEN it has no customer key", () => {
    expect(orderFromWooCommerce(rest("order-pos-core"), USD)).toMatchObject({ customerKey: null, guest: false });
  });
});

describe("POS and subscriptions", () => {
  it("GIVEN both POS conventions WHEN mapped THEN both are POS", () => {
    expect(orderFromWooCommerce(rest("order-pos-core"), USD)).toMatchObject({ pos: true, channel: "pos-rest-api", totalMinor: 4395 });
    expect(orderFromWooCommerce(rest("order-pos-wcpos-plugin"), USD)).toMatchObject({ pos: true, channel: "woocommerce-pos", customerKey: "woo:customer:6" });
    // The WCPOS meta alone is enough (created_via is client-settable and may be rewritten).
    const metaOnly = { ...rest("order-pos-wcpos-plugin"), created_via: "rest-api" };
    expect(orderFromWooCommerce(metaOnly, USD).pos).toBe(true);
    expect(orderFromWooCommerce({ ...rest("order-pos-core"), created_via: "wepos" }, USD).pos).toBe(true);
    expect(orderFromWooCommerce(rest("order-store-api-checkout"), USD)).toMatchObject({ pos: false, channel: "store-api" });
  });

  it("GIVEN a renewal marked only by meta, or only by created_via, and switch/resubscribe orders WHEN mapped THEN each is a subscription order", () => {
    const renewal = rest("order-subscription-renewal");
    expect(orderFromWooCommerce({ ...renewal, created_via: "checkout" }, USD).subscription).toBe(true);
    expect(orderFromWooCommerce({ ...renewal, meta_data: [] }, USD).subscription).toBe(true);
    const parent = rest("order-subscription-parent");
    expect(orderFromWooCommerce(withMeta(parent, [{ key: "_subscription_switch", value: "9001" }]), USD).subscription).toBe(true);
    expect(orderFromWooCommerce(withMeta(parent, [{ key: "_subscription_resubscribe", value: "9001" }]), USD).subscription).toBe(true);
  });

  it("GIVEN a subscription parent order WHEN mapped THEN the order is not a subscription; its line is one only when the product is known or the line carries Subscriptions meta", () => {
    const parent = rest("order-subscription-parent");
    expect(orderFromWooCommerce(parent, USD)).toMatchObject({
      subscription: false,
      channel: "checkout",
      lineItems: [{ id: "156", subscription: false }],
    });
    expect(orderFromWooCommerce(parent, USD, { subscriptionProductIds: [17] }).lineItems[0].subscription).toBe(true);
    const lines = (parent.line_items as Record<string, unknown>[]).map((li) => ({
      ...li,
      meta_data: [{ id: 1, key: "_has_trial", value: "true", display_key: "_has_trial", display_value: "true" }],
    }));
    expect(orderFromWooCommerce({ ...parent, line_items: lines }, USD).lineItems[0].subscription).toBe(true);
  });
});

describe("statuses", () => {
  it.each([
    ["order-cancelled", "cancelled", true, false],
    ["order-failed", "failed", false, true],
    ["order-pending", "pending", false, true],
    ["order-on-hold", "on-hold", false, false],
    ["order-store-api-checkout", "processing", false, false],
    ["order-after-restore", "completed", false, false],
    ["order-get-trashed", "trash", true, false],
  ])("GIVEN %s WHEN mapped THEN status %s is cancelled: %s, unpaid: %s", (capture, status, cancelled, unpaid) => {
    const mapped = mapWooCommerceOrder(rest(capture), USD);
    expect(mapped.status).toBe(status);
    expect(mapped.order.cancelled).toBe(cancelled);
    expect(mapped.order.unpaid).toBe(unpaid);
  });

  it("GIVEN a checkout draft or a plugin's own status WHEN mapped THEN the draft is unpaid and the custom status counts", () => {
    expect(orderFromWooCommerce({ ...rest("order-pending"), status: "checkout-draft" }, USD)).toMatchObject({ cancelled: false, unpaid: true });
    expect(orderFromWooCommerce({ ...rest("order-pending"), status: "shipped" }, USD)).toMatchObject({ cancelled: false, unpaid: false });
  });

  it("GIVEN WooCommerce has no test orders WHEN an order was paid in WooPayments test mode THEN that mark makes it a test order", () => {
    const order = rest("order-guest-unknown-email");
    expect(orderFromWooCommerce(order, USD).test).toBe(false);
    expect(orderFromWooCommerce(withMeta(order, [{ key: "_wcpay_mode", value: "test" }]), USD).test).toBe(true);
    expect(orderFromWooCommerce(withMeta(order, [{ key: "_wcpay_mode", value: "prod" }]), USD).test).toBe(false);
  });
});

describe("orders in another currency than the store's", () => {
  it("GIVEN EUR and GBP orders without a rate WHEN mapped for a USD store THEN their amount is unknown: no line is worth dollars, the header keeps its own currency's figures", () => {
    const eur = mapWooCommerceOrder(rest("order-eur"), USD);
    expect(eur.money).toEqual({ basis: "unconverted", currency: "EUR", totalMinor: 3740, refundedMinor: 0 });
    expect(eur.order).toMatchObject({
      amountUnknown: true,
      currency: "EUR",
      totalMinor: 3740,
      refundedMinor: 0,
      customerKey: "woo:customer:21",
      processedAt: "2026-11-12T09:21:28.000Z",
      lineItems: [{ id: "175", quantity: 1, unitPriceMinor: 0, totalMinor: 0, subscription: false }],
    });
    const gbp = mapWooCommerceOrder(rest("order-gbp"), USD);
    expect(gbp.money).toEqual({ basis: "unconverted", currency: "GBP", totalMinor: 8750, refundedMinor: 0 });
    expect(gbp.order.lineItems.map((l) => l.totalMinor)).toEqual([0, 0]);
    expect(mapWooCommerceOrder(rest("order-eur"), "EUR").order.amountUnknown).toBe(false);
  });

  it("GIVEN a EUR store WHEN its EUR order is mapped THEN it is store money", () => {
    const eur = mapWooCommerceOrder(rest("order-eur"), "EUR");
    expect(eur.money).toEqual({ basis: "store" });
    expect(eur.order).toMatchObject({ currency: "EUR", totalMinor: 3740, lineItems: [{ unitPriceMinor: 2990, totalMinor: 2990 }] });
  });

  it("GIVEN WooPayments Multi-Currency's rate on the order WHEN mapped THEN amounts are converted with it (the processor's rate first)", () => {
    const eur = withMeta(rest("order-eur"), [
      { key: "_wcpay_multi_currency_order_exchange_rate", value: "0.8" }, // 1 USD = 0.8 EUR
      { key: "_wcpay_multi_currency_order_default_currency", value: "USD" },
    ]);
    const converted = mapWooCommerceOrder(eur, USD);
    expect(converted.money).toEqual({ basis: "converted", currency: "EUR", rate: 1.25, rateFrom: "_wcpay_multi_currency_order_exchange_rate" });
    expect(converted.order).toMatchObject({ currency: "USD", totalMinor: 4675, lineItems: [{ unitPriceMinor: 3738, totalMinor: 3738 }] });

    const withStripe = withMeta(eur, [{ key: "_wcpay_multi_currency_stripe_exchange_rate", value: 1.1 }]);
    expect(mapWooCommerceOrder(withStripe, USD).order.totalMinor).toBe(4114);

    // A rate taken against another store currency is no rate for this one.
    expect(mapWooCommerceOrder(eur, "GBP").money.basis).toBe("unconverted");
  });

  it("GIVEN Aelia's order→base rate WHEN mapped THEN amounts and refunds are converted, across currencies with other decimals", () => {
    const gbp = withMeta({ ...rest("order-gbp"), refunds: [{ id: 1, reason: "", total: "-10.00" }] }, [
      { key: "_base_currency_exchange_rate", value: "1.25" },
    ]);
    expect(orderFromWooCommerce(gbp, USD)).toMatchObject({ totalMinor: 10938, refundedMinor: 1250 });
    const yen = withMeta({ ...rest("order-gbp"), currency: "JPY", total: "1000" }, [{ key: "_base_currency_exchange_rate", value: "0.0067" }]);
    expect(orderFromWooCommerce(yen, USD).totalMinor).toBe(670);
  });
});

describe("unreadable payloads", () => {
  it.each([
    ["a bad amount", { total: "12,50" }, /order 79 is unreadable: total: must be a decimal amount/],
    ["an impossible date", { date_created_gmt: "2026-13-45T00:00:00" }, /date_created_gmt: must be a real date/],
    ["a date with a zone", { date_modified_gmt: "2026-09-27T17:46:28+00:00" }, /date_modified_gmt: must be a date such as/],
    ["a line price as a string", { line_items: [{ ...(rest("order-subscription-renewal").line_items as object[])[0], price: "29" }] }, /line_items\.0\.price/],
    ["a refund without a total", { refunds: [{ id: 3 }] }, /refunds\.0\.total/],
  ])("GIVEN %s WHEN mapped THEN a WooCommerceOrderError names the field", (_what, patch, message) => {
    const bad = { ...rest("order-subscription-renewal"), ...patch };
    expect(() => orderFromWooCommerce(bad, USD)).toThrowError(message);
  });

  it("GIVEN things that are not orders WHEN mapped THEN a WooCommerceOrderError, never a crash", () => {
    for (const junk of [null, "x", 42, [], {}, { id: "79" }]) {
      expect(() => orderFromWooCommerce(junk, USD)).toThrowError(WooCommerceOrderError);
    }
    try {
      orderFromWooCommerce({ id: 5 }, USD);
    } catch (e) {
      expect((e as WooCommerceOrderError).orderId).toBe(5);
    }
  });
});

describe("the merchant's rules over mapped WooCommerce orders", () => {
  it("GIVEN the special captures WHEN the default rules run THEN each is removed by the rule a merchant expects", () => {
    const names = [
      "order-pos-core",
      "order-pos-wcpos-plugin",
      "order-subscription-renewal",
      "order-subscription-parent",
      "order-zero-price-item",
      "order-zero-total",
      "order-partially-refunded",
      "order-fully-refunded",
      "order-cancelled",
      "order-failed",
      "order-pending",
      "order-on-hold",
      "order-eur",
    ];
    const orders = names.map((n) => orderFromWooCommerce(rest(n), USD));
    const { counted, report } = applyRules(orders, countingRulesSchema.parse({ lookbackDays: null }), new Date("2026-12-01T00:00:00Z"));
    const removed = Object.fromEntries(report.removed.filter((r) => r.orders > 0).map((r) => [r.rule, r.orders]));
    expect(removed).toEqual({
      noCustomer: 1, // POS guest sale with no email
      cancelled: 1,
      unpaid: 2, // failed, pending
      subscriptionOrder: 1,
      pos: 1, // WCPOS
      zeroPriceItems: 1, // the zero-total order
      refundedInFull: 1,
    });
    expect(report.amountUnknown.orders).toBe(1); // the EUR order with no rate
    expect(counted.map((c) => [c.customerKey, c.amountMinor])).toEqual([
      ["woo:customer:7", 2900], // parent order (its product is not known as a subscription here)
      ["woo:customer:2", 4800], // the $0 sample dropped
      ["woo:customer:12", 4395], // 67.95 − 24.00 refunded
      ["woo:customer:11", 7200], // on-hold counts
      ["woo:customer:21", 0], // EUR, no rate: counted without spend
    ]);
  });
});
