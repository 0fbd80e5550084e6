import { gid } from "./ids";
import type { SimCustomer, SimLineItem, SimOrder, SimRefund } from "./model";
import { centsToDecimal } from "../kit/money";
import {
  currentSubtotalCents,
  currentTotalCents,
  financialStatus,
  lineCurrentQuantity,
  lineRefundValueCents,
  refundedCents,
  subtotalCents,
  totalCents,
  totalDiscountCents,
} from "./order-math";
import { zoneOffsetMinutes } from "../kit/time-zones";

/**
 * REST Admin API shapes (snake_case) as Shopify sends them in webhook bodies: numeric ids plus
 * `admin_graphql_api_id`, money as 2-decimal strings with `*_set` twins, timestamps in the shop's
 * UTC offset ("2024-01-10T11:00:00-05:00"), tags as one comma-separated string.
 */

export interface ShopInfo {
  id: number;
  domain: string;
  name: string;
  email: string;
  currencyCode: string;
  ianaTimezone: string;
  planName: string;
  createdAt: string;
  /** The API version webhook payloads are rendered in ("2026-10"). */
  webhookApiVersion: string;
}

/** Order webhooks' line items carry `selling_plan_id` from this API version on (Shopify changelog, 2026-10-01). */
export const SELLING_PLAN_ID_SINCE = "2026-10";

/** ISO instant → local time with offset, the way REST payloads print timestamps. */
export function formatInZone(iso: string | null, timeZone: string): string | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  const offset = zoneOffsetMinutes(timeZone, ms);
  const local = new Date(ms + offset * 60000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function priceSet(cents: number, shop: ShopInfo, order: SimOrder) {
  return {
    shop_money: { amount: centsToDecimal(cents), currency_code: shop.currencyCode },
    presentment_money: {
      amount: centsToDecimal(Math.round(cents * order.presentmentRate)),
      currency_code: order.presentmentCurrency,
    },
  };
}

export function restCustomer(customer: SimCustomer, shop: ShopInfo) {
  const t = (iso: string | null) => formatInZone(iso, shop.ianaTimezone);
  return {
    id: customer.id,
    email: customer.email,
    created_at: t(customer.createdAt),
    updated_at: t(customer.updatedAt),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.email !== null,
    multipass_identifier: null,
    tax_exempt: false,
    phone: customer.phone,
    email_marketing_consent: customer.email ? { state: "not_subscribed", opt_in_level: "single_opt_in", consent_updated_at: null } : null,
    sms_marketing_consent: null,
    tags: customer.tags.join(", "),
    currency: shop.currencyCode,
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", customer.id),
    default_address: null,
  };
}

function restLineItem(order: SimOrder, line: SimLineItem, shop: ShopInfo) {
  return {
    id: line.id,
    admin_graphql_api_id: gid("LineItem", line.id),
    attributed_staffs: [],
    current_quantity: lineCurrentQuantity(order, line),
    fulfillable_quantity: lineCurrentQuantity(order, line),
    fulfillment_service: "manual",
    fulfillment_status: null,
    gift_card: false,
    grams: 0,
    name: line.title,
    price: centsToDecimal(line.unitPriceCents),
    price_set: priceSet(line.unitPriceCents, shop, order),
    product_exists: line.productId !== null,
    product_id: line.productId,
    properties: [],
    quantity: line.quantity,
    requires_shipping: true,
    sku: line.sku,
    taxable: true,
    title: line.title,
    total_discount: centsToDecimal(line.discountCents),
    total_discount_set: priceSet(line.discountCents, shop, order),
    variant_id: line.variantId,
    variant_inventory_management: null,
    variant_title: null,
    vendor: null,
    tax_lines: [],
    duties: [],
    discount_allocations: [],
    // API 2026-10 and later: the line's selling plan, null outside a subscription. Before
    // 2026-10 order webhooks carried no selling-plan key at all.
    ...(shop.webhookApiVersion >= SELLING_PLAN_ID_SINCE ? { selling_plan_id: line.sellingPlan?.id ?? null } : {}),
  };
}

export function restRefund(order: SimOrder, refund: SimRefund, shop: ShopInfo) {
  const t = (iso: string | null) => formatInZone(iso, shop.ianaTimezone);
  return {
    id: refund.id,
    admin_graphql_api_id: gid("Refund", refund.id),
    created_at: t(refund.createdAt),
    note: refund.note,
    order_id: order.id,
    processed_at: t(refund.createdAt),
    restock: false,
    total_duties_set: priceSet(0, shop, order),
    user_id: null,
    order_adjustments: [],
    transactions: [
      {
        id: refund.id + 1,
        admin_graphql_api_id: gid("OrderTransaction", refund.id + 1),
        // Transactions are in the presentment currency (what the buyer paid in).
        amount: centsToDecimal(Math.round(refund.amountCents * order.presentmentRate)),
        authorization: null,
        created_at: t(refund.createdAt),
        currency: order.presentmentCurrency,
        gateway: "bogus",
        kind: "refund",
        order_id: order.id,
        parent_id: null,
        processed_at: t(refund.createdAt),
        source_name: "web",
        status: "success",
        test: order.test,
      },
    ],
    refund_line_items: refund.lines.map((r, i) => {
      const line = order.lineItems.find((l) => l.id === r.lineItemId);
      const subtotal = line ? lineRefundValueCents(line, r.quantity) : 0;
      return {
        id: refund.id * 10 + i,
        line_item_id: r.lineItemId,
        location_id: null,
        quantity: r.quantity,
        restock_type: "no_restock",
        subtotal: centsToDecimal(subtotal),
        subtotal_set: priceSet(subtotal, shop, order),
        total_tax: "0.00",
        total_tax_set: priceSet(0, shop, order),
        line_item: line ? restLineItem(order, line, shop) : null,
      };
    }),
    duties: [],
  };
}

export function restOrder(order: SimOrder, customer: SimCustomer | null, shop: ShopInfo) {
  const t = (iso: string | null) => formatInZone(iso, shop.ianaTimezone);
  const total = totalCents(order);
  const money = (cents: number) => centsToDecimal(cents);
  return {
    id: order.id,
    admin_graphql_api_id: gid("Order", order.id),
    app_id: order.sourceName === "pos" ? 129785 : 580111,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: order.cancelReason ? order.cancelReason.toLowerCase() : null,
    cancelled_at: t(order.cancelledAt),
    cart_token: null,
    checkout_id: null,
    checkout_token: null,
    client_details: null,
    closed_at: t(order.closedAt),
    confirmation_number: `SIM${order.number}`,
    confirmed: true,
    contact_email: order.email,
    created_at: t(order.createdAt),
    currency: shop.currencyCode,
    current_subtotal_price: money(currentSubtotalCents(order)),
    current_subtotal_price_set: priceSet(currentSubtotalCents(order), shop, order),
    current_total_discounts: money(totalDiscountCents(order)),
    current_total_discounts_set: priceSet(totalDiscountCents(order), shop, order),
    current_total_duties_set: null,
    current_total_price: money(currentTotalCents(order)),
    current_total_price_set: priceSet(currentTotalCents(order), shop, order),
    current_total_tax: "0.00",
    current_total_tax_set: priceSet(0, shop, order),
    customer_locale: "en",
    device_id: null,
    discount_codes: [],
    email: order.email,
    estimated_taxes: false,
    financial_status: financialStatus(order).toLowerCase(),
    fulfillment_status: null,
    landing_site: null,
    location_id: order.retailLocationId,
    name: `#${order.number}`,
    note: null,
    note_attributes: [],
    number: order.number - 1000,
    order_number: order.number,
    order_status_url: `https://${shop.domain}/${shop.id}/orders/${order.id.toString(16)}/authenticate`,
    payment_gateway_names: [order.sourceName === "pos" ? "cash" : "bogus"],
    phone: null,
    po_number: null,
    presentment_currency: order.presentmentCurrency,
    processed_at: t(order.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: order.sourceName,
    source_url: null,
    subtotal_price: money(subtotalCents(order)),
    subtotal_price_set: priceSet(subtotalCents(order), shop, order),
    tags: order.tags.join(", "),
    tax_exempt: false,
    tax_lines: [],
    taxes_included: false,
    test: order.test,
    token: `sim${order.id.toString(16)}`,
    total_discounts: money(totalDiscountCents(order)),
    total_discounts_set: priceSet(totalDiscountCents(order), shop, order),
    total_line_items_price: money(order.lineItems.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0)),
    total_line_items_price_set: priceSet(
      order.lineItems.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0),
      shop,
      order
    ),
    total_outstanding: "0.00",
    total_price: money(total),
    total_price_set: priceSet(total, shop, order),
    total_refunded: money(refundedCents(order)),
    total_shipping_price_set: priceSet(order.shippingCents, shop, order),
    total_tax: "0.00",
    total_tax_set: priceSet(0, shop, order),
    total_tip_received: "0.00",
    total_weight: 0,
    updated_at: t(order.updatedAt),
    user_id: null,
    billing_address: null,
    customer: customer ? restCustomer(customer, shop) : null,
    discount_applications: [],
    fulfillments: [],
    line_items: order.lineItems.map((line) => restLineItem(order, line, shop)),
    payment_terms: null,
    refunds: order.refunds.map((refund) => restRefund(order, refund, shop)),
    shipping_address: null,
    shipping_lines: [],
  };
}

export function restShop(shop: ShopInfo) {
  return {
    id: shop.id,
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    province: null,
    country: "US",
    address1: null,
    zip: null,
    city: null,
    source: null,
    phone: null,
    latitude: null,
    longitude: null,
    primary_locale: "en",
    address2: null,
    created_at: formatInZone(shop.createdAt, shop.ianaTimezone),
    updated_at: formatInZone(shop.createdAt, shop.ianaTimezone),
    country_code: "US",
    country_name: "United States",
    currency: shop.currencyCode,
    customer_email: shop.email,
    timezone: `(GMT) ${shop.ianaTimezone}`,
    iana_timezone: shop.ianaTimezone,
    shop_owner: "Simulated Owner",
    money_format: "${{amount}}",
    money_with_currency_format: `\${{amount}} ${shop.currencyCode}`,
    weight_unit: "kg",
    province_code: null,
    taxes_included: false,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: shop.planName,
    plan_name: shop.planName.toLowerCase(),
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: shop.domain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: "${{amount}}",
    money_with_currency_in_emails_format: `\${{amount}} ${shop.currencyCode}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: null,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [shop.currencyCode],
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}
