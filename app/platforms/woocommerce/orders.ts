/**
 * WooCommerce orders → canonical orders. The only place that knows a wc/v3 order's fields
 * (the REST resource, which is also every `order.*` webhook body). Pure: no I/O.
 *
 * Every decision below (ids, dates, statuses, POS, subscriptions, currencies, tags) and the
 * capture that shows it is in docs/decisions/015-woocommerce-orders.md.
 */
import { z } from "zod";
import { currencyExponent, toMinorUnits } from "~/money";
import { guestKey } from "~/rfm/customer-key";
import type { CanonicalLineItem, CanonicalOrder } from "~/rfm/order";

// ---- Ids ------------------------------------------------------------------------------
// Prefixed, so a WooCommerce key is never mistaken for another platform's bare number and
// reads for what it is in logs and exports. Neutral code treats both as opaque.

const CUSTOMER_PREFIX = "woo:customer:";
const ORDER_PREFIX = "woo:order:";

export const wooCustomerKey = (customerId: number | string) => `${CUSTOMER_PREFIX}${customerId}`;
export const wooOrderId = (orderId: number | string) => `${ORDER_PREFIX}${orderId}`;

/** The WooCommerce customer id in a customer key, or null (guests, other keys). */
export function wooCustomerIdOf(customerKey: string): number | null {
  return numericSuffix(customerKey, CUSTOMER_PREFIX);
}

/** The WooCommerce order id in a canonical order id, or null. */
export function wooOrderIdOf(orderId: string): number | null {
  return numericSuffix(orderId, ORDER_PREFIX);
}

function numericSuffix(value: string, prefix: string): number | null {
  if (!value.startsWith(prefix)) return null;
  const rest = value.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) && Number.isSafeInteger(Number(rest)) ? Number(rest) : null;
}

// ---- The wc/v3 order, validated --------------------------------------------------------
// Only what the mapping reads is declared; everything else passes through untouched.

/** Money comes as strings with the store's decimals ("132.30", refunds "-24.00"). */
const Decimal = z.string().trim().regex(/^-?\d+(\.\d+)?$/, "must be a decimal amount such as 12.50");
const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code");
/** `_gmt` dates: `YYYY-MM-DDTHH:MM:SS`, no zone (they are UTC by name) → ISO 8601 UTC. */
const GmtDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, "must be a date such as 2026-09-25T17:46:28 (UTC, no zone)")
  .refine((t) => !Number.isNaN(Date.parse(`${t}Z`)), "must be a real date")
  .transform((t) => new Date(`${t}Z`).toISOString());
const Id = z.number().int().positive();
const Meta = z.array(z.object({ id: z.number().int().optional(), key: z.string(), value: z.unknown() }).passthrough()).default([]);

const WooLineItem = z
  .object({
    id: Id,
    product_id: z.number().int().nonnegative().default(0),
    variation_id: z.number().int().nonnegative().default(0),
    quantity: z.number().int().nonnegative(),
    /** Before discounts. */
    subtotal: Decimal,
    /** After discounts, before tax. */
    total: Decimal,
    /** A JSON number: `total / quantity`, i.e. after discounts (80.1 for an 89.00 line with a 10% coupon). */
    price: z.number().finite(),
    meta_data: Meta,
  })
  .passthrough();

export const WooOrder = z
  .object({
    id: Id,
    status: z.string().min(1),
    currency: CurrencyCode,
    total: Decimal,
    customer_id: z.number().int().nonnegative(),
    billing: z
      .object({
        email: z.string().nullable().optional(),
        first_name: z.string().nullable().optional(),
        last_name: z.string().nullable().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    created_via: z.string().nullable().optional(),
    date_created_gmt: GmtDate,
    date_modified_gmt: GmtDate,
    date_paid_gmt: GmtDate.nullable().optional(),
    meta_data: Meta,
    line_items: z.array(WooLineItem),
    coupon_lines: z.array(z.object({ code: z.string() }).passthrough()).default([]),
    refunds: z.array(z.object({ id: Id, total: Decimal }).passthrough()).default([]),
  })
  .passthrough();
export type WooOrder = z.infer<typeof WooOrder>;

/** `order.deleted` (trash) carries only the id. */
export const WooOrderIdOnly = z.object({ id: Id }).strict();

/** A payload that is not a readable wc/v3 order: says which field and why, never crashes. */
export class WooCommerceOrderError extends Error {
  constructor(
    message: string,
    readonly orderId: number | null,
  ) {
    super(message);
    this.name = "WooCommerceOrderError";
  }
}

export function parseWooCommerceOrder(payload: unknown): WooOrder {
  const parsed = WooOrder.safeParse(payload);
  if (parsed.success) return parsed.data;
  const id = orderIdOf(payload);
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(order)"}: ${i.message}`)
    .join("; ");
  throw new WooCommerceOrderError(`WooCommerce order ${id ?? "(no id)"} is unreadable: ${problems}`, id);
}

/** The order id of any payload, read as leniently as possible (for re-reading an unreadable one). */
export function orderIdOf(payload: unknown): number | null {
  if (!payload || typeof payload !== "object") return null;
  const id = (payload as { id?: unknown }).id;
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : null;
}

// ---- What WooCommerce's signals mean ----------------------------------------------------

const metaValue = (meta: WooOrder["meta_data"], key: string): unknown => meta.find((m) => m.key === key)?.value;
const hasMeta = (meta: WooOrder["meta_data"], key: string) => {
  const v = metaValue(meta, key);
  return v !== undefined && v !== null && v !== "";
};

/** `created_via` values of POS plugins: WooCommerce's own POS, WCPOS, WePOS. */
const POS_CREATED_VIA = new Set(["pos-rest-api", "woocommerce-pos", "wepos"]);

/**
 * WooCommerce Subscriptions: a renewal is created with `created_via: subscription` and meta
 * `_subscription_renewal` (the subscription id); switch and resubscribe orders carry
 * `_subscription_switch` / `_subscription_resubscribe`. A parent (first) order carries nothing:
 * the subscription points at it, not the other way round.
 */
const SUBSCRIPTION_ORDER_META = ["_subscription_renewal", "_subscription_switch", "_subscription_resubscribe"];

/** Line meta WooCommerce Subscriptions writes on lines sold as a subscription. */
const isSubscriptionLineMeta = (key: string) =>
  key === "_has_trial" || key === "_synced_sign_up_fee" || key.startsWith("_subscription_") || key.startsWith("_switched_subscription_");

/** Statuses of an order the merchant called off (trash: deleted, restorable). */
const CANCELLED = new Set(["cancelled", "trash"]);
/**
 * Statuses of an order never paid: an abandoned or pending payment, a failed one, a block
 * checkout draft. Not a purchase, and not a cancellation either. (`on-hold` counts: see 015.)
 */
const UNPAID = new Set(["pending", "failed", "checkout-draft"]);

/** How an order's money reached the store currency. */
export type OrderMoney =
  | { basis: "store" }
  | { basis: "converted"; currency: string; rate: number; rateFrom: string }
  /**
   * In another currency with no rate on the order: the canonical order is `amountUnknown`
   * (line amounts 0, never summed as store money); here are the order's own figures, in its
   * own minor units.
   */
  | { basis: "unconverted"; currency: string; totalMinor: number; refundedMinor: number };

export interface WooOrderMapping {
  order: CanonicalOrder;
  /** The WooCommerce status as sent (e.g. "trash": the adapter may treat it as a deletion). */
  status: string;
  money: OrderMoney;
}

export interface WooOrderOptions {
  /**
   * Product (or variation) ids of subscription products, when the caller knows them (wc/v3
   * line items do not say a product's type). Their lines are subscription lines.
   */
  subscriptionProductIds?: Iterable<number>;
}

/**
 * The rate that turns an amount in the order's currency into the store's, when a
 * multi-currency plugin recorded one on the order; null when none did.
 */
function rateToStore(order: WooOrder, storeCurrency: string): { rate: number; rateFrom: string } | null {
  const num = (key: string) => {
    const v = metaValue(order.meta_data, key);
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    return Number.isFinite(n) && n > 0 ? n : null;
  };
  // WooPayments Multi-Currency: store→order rate, plus the store currency it was taken against;
  // the processor's own order→store rate wins when it recorded one (as WooCommerce Analytics does).
  const wcpayDefault = metaValue(order.meta_data, "_wcpay_multi_currency_order_default_currency");
  if (wcpayDefault === storeCurrency) {
    const stripe = num("_wcpay_multi_currency_stripe_exchange_rate");
    if (stripe) return { rate: stripe, rateFrom: "_wcpay_multi_currency_stripe_exchange_rate" };
    const orderRate = num("_wcpay_multi_currency_order_exchange_rate");
    if (orderRate) return { rate: 1 / orderRate, rateFrom: "_wcpay_multi_currency_order_exchange_rate" };
  }
  // Aelia Currency Switcher: order→base currency rate (its base is the store currency).
  const aelia = num("_base_currency_exchange_rate");
  if (aelia) return { rate: aelia, rateFrom: "_base_currency_exchange_rate" };
  return null;
}

/** A wc/v3 order (REST resource or webhook body) → canonical order, with how its money was read. */
export function mapWooCommerceOrder(payload: unknown, storeCurrency: string, options: WooOrderOptions = {}): WooOrderMapping {
  const order = parseWooCommerceOrder(payload);
  const own = (amount: string) => toMinorUnits(amount, order.currency);
  const totalOwn = own(order.total);
  // Refunds are listed with negative totals; the order keeps its original total.
  let refundedOwn = order.refunds.reduce((sum, r) => sum + Math.abs(own(r.total)), 0);
  // "refunded" is WooCommerce's fully refunded: net it to nothing even if refunds[] falls short.
  if (order.status === "refunded") refundedOwn = Math.max(refundedOwn, totalOwn);

  let money: OrderMoney;
  let toStore: (ownMinor: number) => number;
  const rate = order.currency === storeCurrency ? null : rateToStore(order, storeCurrency);
  if (order.currency === storeCurrency) {
    money = { basis: "store" };
    toStore = (m) => m;
  } else if (rate) {
    const scale = 10 ** (currencyExponent(storeCurrency) - currencyExponent(order.currency));
    money = { basis: "converted", currency: order.currency, ...rate };
    toStore = (m) => Math.round(m * rate.rate * scale);
  } else {
    money = { basis: "unconverted", currency: order.currency, totalMinor: totalOwn, refundedMinor: refundedOwn };
    toStore = () => 0;
  }
  const amountUnknown = money.basis === "unconverted";

  const customerKey = order.customer_id > 0 ? wooCustomerKey(order.customer_id) : guestKey(order.billing?.email);
  const channel = order.created_via?.trim() || null;
  const subscription =
    channel === "subscription" || SUBSCRIPTION_ORDER_META.some((key) => hasMeta(order.meta_data, key));
  const subscriptionProducts = new Set(options.subscriptionProductIds ?? []);

  const lineItems: CanonicalLineItem[] = order.line_items.map((li) => {
    const quantity = li.quantity;
    return {
      id: String(li.id),
      quantity,
      unitPriceMinor: toStore(quantity > 0 ? Math.round(own(li.subtotal) / quantity) : own(li.subtotal)),
      totalMinor: Math.max(0, toStore(own(li.total))),
      subscription:
        subscription ||
        subscriptionProducts.has(li.product_id) ||
        (li.variation_id > 0 && subscriptionProducts.has(li.variation_id)) ||
        li.meta_data.some((m) => isSubscriptionLineMeta(m.key)),
    };
  });

  return {
    status: order.status,
    money,
    order: {
      platform: "woocommerce",
      id: wooOrderId(order.id),
      customerKey,
      guest: order.customer_id === 0 && customerKey !== null,
      // When the customer bought: set once, read-only over REST, present for every status.
      processedAt: order.date_created_gmt,
      updatedAt: order.date_modified_gmt,
      // Unknown in store money: the header keeps the order's own figures (a full refund
      // still shows), the lines carry nothing that could be summed as store money.
      currency: amountUnknown ? order.currency : storeCurrency,
      totalMinor: amountUnknown ? totalOwn : toStore(totalOwn),
      refundedMinor: amountUnknown ? refundedOwn : toStore(refundedOwn),
      amountUnknown,
      lineItems,
      channel,
      // created_via is settable by any REST client since WooCommerce 9.9: a claim, not proof.
      pos: (channel !== null && POS_CREATED_VIA.has(channel)) || hasMeta(order.meta_data, "_pos_user"),
      subscription,
      // WooCommerce has no test orders; WooPayments marks its test-mode payments (and
      // WooCommerce Analytics leaves them out on that mark).
      test: metaValue(order.meta_data, "_wcpay_mode") === "test",
      cancelled: CANCELLED.has(order.status),
      unpaid: UNPAID.has(order.status),
      // Orders have no tags; coupon codes are the labels a merchant puts on them.
      tags: [...new Set(order.coupon_lines.map((c) => c.code.trim().toLowerCase()).filter(Boolean))],
      // The billing name and email: what WooCommerce's own customer list shows for an order.
      contact: {
        name: [order.billing?.first_name, order.billing?.last_name].map((p) => p?.trim()).filter(Boolean).join(" ") || null,
        email: order.billing?.email?.trim() || null,
      },
    },
  };
}

/** A wc/v3 order → canonical order in the store currency. */
export function orderFromWooCommerce(payload: unknown, storeCurrency: string, options?: WooOrderOptions): CanonicalOrder {
  return mapWooCommerceOrder(payload, storeCurrency, options).order;
}
