import { createHash } from "node:crypto";
import { centsToDecimal } from "../kit/money";
import { siteOffsetMinutes } from "./site-index";
import type { WcAddress, WcCustomer, WcMeta, WcOrder, WcRefund, WcWebhook } from "./model";

/**
 * wc/v3 resources rendered exactly as WooCommerce 10.0.2 returns them (see the captures in
 * ../shared/woocommerce): money as strings except line `price` (a number), dates as local and `_gmt`
 * pairs without a zone, `_links` with absolute URLs.
 */

export interface SiteInfo {
  /** Home URL without trailing slash, e.g. http://127.0.0.1:8080 */
  home: string;
  /** An IANA zone, or a WordPress manual offset spelled "UTC+2" / "UTC-5.5" (see site-index.ts). */
  timeZone: string;
  currency: string;
}

const SYMBOLS: Record<string, string> = { USD: "$", EUR: "€", GBP: "£" };

/** `YYYY-MM-DDTHH:MM:SS`, no zone, in UTC (`gmt`) or the site's zone. */
export function wcDate(ms: number | null, site: SiteInfo, gmt: boolean): string | null {
  if (ms === null) return null;
  const shifted = gmt ? ms : ms + siteOffsetMinutes(site.timeZone, ms) * 60000;
  return new Date(Math.floor(shifted / 1000) * 1000).toISOString().slice(0, 19);
}

/** PHP's json_encode: slashes escaped as `\/` and non-ASCII as \uXXXX — the bytes a webhook is signed over. */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const money = centsToDecimal;

function metaOut(meta: WcMeta[]) {
  return meta.map((m) => ({ id: m.id, key: m.key, value: m.value }));
}

function displayMeta(meta: WcMeta[]) {
  return meta.map((m) => ({ id: m.id, key: m.key, value: m.value, display_key: m.key, display_value: m.value }));
}

function selfLinks(site: SiteInfo, path: string, collection: string, allow = ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
  return {
    self: [{ href: `${site.home}/wp-json/wc/v3/${path}`, targetHints: { allow } }],
    collection: [{ href: `${site.home}/wp-json/wc/v3/${collection}` }],
  };
}

export function orderTotalCents(o: WcOrder): number {
  return (
    o.lines.reduce((n, l) => n + l.totalCents, 0) +
    o.shippingLines.reduce((n, s) => n + s.totalCents, 0) +
    o.feeLines.reduce((n, f) => n + f.totalCents, 0)
  );
}

export function refundedCents(o: WcOrder): number {
  return o.refunds.reduce((n, r) => n + r.amountCents, 0);
}

/** Price as WooCommerce computes it (total / quantity) — a JSON number, not a string. */
function unitPrice(totalCents: number, quantity: number): number {
  return quantity === 0 ? 0 : Math.round((totalCents / quantity) * 1e6) / 1e8;
}

function lineOut(l: { id: number; name: string; productId: number; sku: string; quantity: number; subtotalCents: number; totalCents: number }, meta: unknown[]) {
  return {
    id: l.id,
    name: l.name,
    product_id: l.productId,
    variation_id: 0,
    quantity: l.quantity,
    tax_class: "",
    subtotal: money(l.subtotalCents),
    subtotal_tax: "0.00",
    total: money(l.totalCents),
    total_tax: "0.00",
    taxes: [],
    meta_data: meta,
    sku: l.sku,
    price: unitPrice(Math.abs(l.totalCents), Math.abs(l.quantity)),
    image: { id: "", src: "" },
    parent_name: null,
  };
}

export function orderPayload(o: WcOrder, site: SiteInfo): Record<string, unknown> {
  const paid = o.paidAt !== null;
  const editable = ["pending", "on-hold", "auto-draft", "checkout-draft"].includes(o.status);
  const links: Record<string, unknown> = {
    ...selfLinks(site, `orders/${o.id}`, "orders"),
    email_templates: [{ embeddable: true, href: `${site.home}/wp-json/wc/v3/orders/${o.id}/actions/email_templates` }],
  };
  if (o.customerId !== 0) links.customer = [{ href: `${site.home}/wp-json/wc/v3/customers/${o.customerId}` }];
  return {
    id: o.id,
    parent_id: o.parentId,
    status: o.status,
    currency: o.currency,
    version: "10.0.2",
    prices_include_tax: false,
    date_created: wcDate(o.createdAt, site, false),
    date_modified: wcDate(o.modifiedAt, site, false),
    discount_total: money(o.couponLines.reduce((n, c) => n + c.discountCents, 0)),
    discount_tax: "0.00",
    shipping_total: money(o.shippingLines.reduce((n, s) => n + s.totalCents, 0)),
    shipping_tax: "0.00",
    cart_tax: "0.00",
    total: money(orderTotalCents(o)),
    total_tax: "0.00",
    customer_id: o.customerId,
    order_key: o.orderKey,
    billing: { ...o.billing },
    shipping: { ...o.shipping },
    payment_method: o.paymentMethod,
    payment_method_title: o.paymentMethodTitle,
    transaction_id: "",
    customer_ip_address: "",
    customer_user_agent: "",
    created_via: o.createdVia,
    customer_note: o.customerNote,
    date_completed: wcDate(o.completedAt, site, false),
    date_paid: wcDate(o.paidAt, site, false),
    cart_hash: "",
    number: String(o.id),
    meta_data: metaOut(o.meta),
    line_items: o.lines.map((l) => lineOut(l, displayMeta(l.meta))),
    tax_lines: [],
    shipping_lines: o.shippingLines.map((s) => ({
      id: s.id,
      method_title: s.methodTitle,
      method_id: s.methodId,
      instance_id: "",
      total: money(s.totalCents),
      total_tax: "0.00",
      taxes: [],
      tax_status: "taxable",
      meta_data: [],
    })),
    fee_lines: o.feeLines.map((f) => ({
      id: f.id,
      name: f.name,
      tax_class: "",
      tax_status: "none",
      amount: "",
      total: money(f.totalCents),
      total_tax: "0.00",
      taxes: [],
      meta_data: [],
    })),
    coupon_lines: o.couponLines.map((c) => {
      const info = JSON.stringify([c.metaId, c.code, "percent", c.percent]);
      return {
        id: c.id,
        code: c.code,
        // WooCommerce leaves this one unformatted ("13.7").
        discount: String(c.discountCents / 100),
        discount_tax: "0",
        meta_data: [{ id: c.metaId, key: "coupon_info", value: info, display_key: "coupon_info", display_value: info }],
        discount_type: "percent",
        nominal_amount: c.percent,
        free_shipping: false,
      };
    }),
    refunds: o.refunds.map((r) => ({ id: r.id, reason: r.reason, total: money(-r.amountCents) })),
    payment_url: `${site.home}/checkout/order-pay/${o.id}/?pay_for_order=true&key=${o.orderKey}`,
    is_editable: editable,
    needs_payment: !paid && ["pending", "failed"].includes(o.status),
    needs_processing: true,
    date_created_gmt: wcDate(o.createdAt, site, true),
    date_modified_gmt: wcDate(o.modifiedAt, site, true),
    date_completed_gmt: wcDate(o.completedAt, site, true),
    date_paid_gmt: wcDate(o.paidAt, site, true),
    currency_symbol: SYMBOLS[o.currency] ?? o.currency,
    _links: links,
  };
}

export function refundPayload(o: WcOrder, r: WcRefund, site: SiteInfo): Record<string, unknown> {
  return {
    id: r.id,
    date_created: wcDate(r.createdAt, site, false),
    date_created_gmt: wcDate(r.createdAt, site, true),
    amount: money(r.amountCents),
    reason: r.reason,
    refunded_by: r.refundedBy,
    refunded_payment: r.refundedPayment,
    meta_data: [],
    line_items: r.lines.map((rl) => {
      const line = o.lines.find((l) => l.id === rl.lineItemId);
      const value = String(rl.lineItemId);
      return lineOut(
        {
          id: rl.id,
          name: line?.name ?? "",
          productId: line?.productId ?? 0,
          sku: line?.sku ?? "",
          quantity: -rl.quantity,
          subtotalCents: -rl.totalCents,
          totalCents: -rl.totalCents,
        },
        [{ id: rl.metaId, key: "_refunded_item_id", value, display_key: "_refunded_item_id", display_value: value }]
      );
    }),
    shipping_lines: [],
    tax_lines: [],
    fee_lines: [],
    _links: {
      ...selfLinks(site, `orders/${o.id}/refunds/${r.id}`, `orders/${o.id}/refunds`, ["GET", "DELETE"]),
      up: [{ href: `${site.home}/wp-json/wc/v3/orders/${o.id}` }],
    },
  };
}

function gravatar(email: string): string {
  const hash = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
  return `https://secure.gravatar.com/avatar/${hash}?s=96&d=mm&r=g`;
}

function customerAddress(a: WcAddress, withEmail: boolean) {
  const out: Record<string, string> = {
    first_name: a.first_name,
    last_name: a.last_name,
    company: a.company,
    address_1: a.address_1,
    address_2: a.address_2,
    city: a.city,
    postcode: a.postcode,
    country: a.country,
    state: a.state,
  };
  if (withEmail) out.email = a.email ?? "";
  out.phone = a.phone;
  return out;
}

export function customerPayload(c: WcCustomer, site: SiteInfo): Record<string, unknown> {
  return {
    id: c.id,
    date_created: wcDate(c.createdAt, site, false),
    date_created_gmt: wcDate(c.createdAt, site, true),
    date_modified: wcDate(c.modifiedAt, site, false),
    date_modified_gmt: wcDate(c.modifiedAt, site, true),
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    role: c.role,
    username: c.username,
    billing: customerAddress(c.billing, true),
    shipping: customerAddress(c.shipping, false),
    is_paying_customer: c.isPayingCustomer,
    avatar_url: gravatar(c.email),
    meta_data: metaOut(c.meta),
    _links: selfLinks(site, `customers/${c.id}`, "customers"),
  };
}

export function webhookPayload(w: WcWebhook, site: SiteInfo, hooks: string[]): Record<string, unknown> {
  const [resource, event] = w.topic.split(".");
  return {
    id: w.id,
    name: w.name,
    status: w.status,
    topic: w.topic,
    resource,
    event,
    hooks,
    delivery_url: w.deliveryUrl,
    date_created: wcDate(w.createdAt, site, false),
    date_created_gmt: wcDate(w.createdAt, site, true),
    date_modified: wcDate(w.modifiedAt, site, false),
    date_modified_gmt: wcDate(w.modifiedAt, site, true),
    _links: selfLinks(site, `webhooks/${w.id}`, "webhooks"),
  };
}

export function systemStatusPayload(site: SiteInfo, storeId: string): Record<string, unknown> {
  return {
    environment: {
      home_url: site.home,
      site_url: site.home,
      store_id: storeId,
      version: "10.0.2",
      log_directory: "/var/www/html/wp-content/uploads/wc-logs/",
      log_directory_writable: true,
      wp_version: "6.8.8",
      wp_multisite: false,
      wp_memory_limit: 268435456,
      wp_debug_mode: false,
      wp_cron: true,
      language: "en_US",
      external_object_cache: null,
      server_info: "Simulator",
      server_architecture: "Linux 6 x86_64",
      php_version: "8.2.36",
      php_post_max_size: 8388608,
      php_max_execution_time: 30,
      php_max_input_vars: 1000,
      curl_version: "8.5.0, OpenSSL/3.0.13",
      suhosin_installed: false,
      max_upload_size: 2097152,
      mysql_version: "10.11.0",
      mysql_version_string: "10.11.0-MariaDB",
      default_timezone: "UTC",
      fsockopen_or_curl_enabled: true,
      soapclient_enabled: false,
      domdocument_enabled: true,
      gzip_enabled: true,
      mbstring_enabled: true,
      // As on the captured loopback store: it cannot reach itself.
      remote_post_successful: false,
      remote_post_response: "",
      remote_get_successful: false,
      remote_get_response: "",
    },
    database: { wc_database_version: "10.0.2", database_prefix: "wp_" },
    active_plugins: [
      {
        plugin: "woocommerce/woocommerce.php",
        name: "WooCommerce",
        version: "10.0.2",
        version_latest: "10.0.2",
        url: "https://woocommerce.com/",
        author_name: "Automattic",
        author_url: "https://woocommerce.com",
        network_activated: false,
      },
    ],
    settings: {
      api_enabled: true,
      force_ssl: false,
      currency: site.currency,
      currency_symbol: { USD: "&#36;", EUR: "&euro;", GBP: "&pound;" }[site.currency] ?? site.currency,
      currency_position: "left",
      thousand_separator: ",",
      decimal_separator: ".",
      number_of_decimals: 2,
      geolocation_enabled: false,
      taxonomies: { external: "external", grouped: "grouped", simple: "simple", variable: "variable" },
      product_visibility_terms: {
        "exclude-from-catalog": "exclude-from-catalog",
        "exclude-from-search": "exclude-from-search",
        featured: "featured",
        outofstock: "outofstock",
        "rated-1": "rated-1",
        "rated-2": "rated-2",
        "rated-3": "rated-3",
        "rated-4": "rated-4",
        "rated-5": "rated-5",
      },
      woocommerce_com_connected: "no",
      enforce_approved_download_dirs: true,
      order_datastore: "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
      HPOS_enabled: true,
      HPOS_sync_enabled: false,
      enabled_features: ["analytics", "marketplace", "order_attribution", "point_of_sale", "custom_order_tables"],
    },
  };
}
