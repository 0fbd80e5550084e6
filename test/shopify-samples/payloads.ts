/**
 * Webhook bodies shaped after the sample payloads in Shopify's webhook reference
 * (shopify.dev/docs/api/webhooks, API 2026-10), for every topic the app subscribes to.
 * Written out here (trimmed of fields the app never reads, keeping every field it does)
 * with the facts that matter to us from those samples:
 * - ids are 64-bit: 820982911946154508 and friends do not survive a plain JSON.parse;
 * - order line items carry `selling_plan_id` from 2026-10 (Shopify changelog, 2026-10-01: null
 *   outside a subscription); the reference's samples from before 2026-10 have no selling-plan key;
 * - `processed_at` may be null in orders/create;
 * - money comes twice: presentment amounts, and `*_set` bags with `shop_money`;
 * - refund transactions are in the presentment currency; refund line subtotals are numbers;
 * - orders/delete carries only the id; customers/delete no email;
 * - compliance payloads name the shop in the body (`shop_domain`).
 * Bodies are raw JSON text, as Shopify sends and signs them.
 */

const money = (shop: string, presentment = shop, shopCurrency = "USD", presentmentCurrency = shopCurrency) =>
  `{"shop_money":{"amount":"${shop}","currency_code":"${shopCurrency}"},"presentment_money":{"amount":"${presentment}","currency_code":"${presentmentCurrency}"}}`;

const lineItem = (id: string, price: string) => `{
  "id": ${id},
  "admin_graphql_api_id": "gid://shopify/LineItem/${id}",
  "attributed_staffs": [{"id": "gid://shopify/StaffMember/902541635", "quantity": 1}],
  "current_quantity": 1,
  "fulfillable_quantity": 1,
  "fulfillment_service": "manual",
  "fulfillment_status": null,
  "gift_card": false,
  "grams": 567,
  "name": "IPod Nano - 8GB",
  "price": "${price}",
  "price_set": ${money(price)},
  "product_exists": true,
  "product_id": 632910392,
  "properties": [],
  "quantity": 1,
  "requires_shipping": true,
  "sales_line_item_group_id": null,
  "sku": "IPOD2008PINK",
  "taxable": true,
  "title": "IPod Nano - 8GB",
  "total_discount": "0.00",
  "total_discount_set": ${money("0.00")},
  "variant_id": 808950810,
  "variant_inventory_management": "shopify",
  "variant_title": null,
  "vendor": null,
  "tax_lines": [],
  "duties": [],
  "discount_allocations": [],
  "selling_plan_id": null
}`;

/** The keys of a REST line item in Shopify's documented order samples. */
export const SAMPLE_LINE_ITEM_KEYS = Object.keys(JSON.parse(lineItem("1", "1.00")) as object).sort();

const order = ({ cancelled, processedAt }: { cancelled: boolean; processedAt: string | null }) => `{
  "id": 820982911946154508,
  "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
  "app_id": null,
  "browser_ip": null,
  "buyer_accepts_marketing": true,
  "cancel_reason": ${cancelled ? '"customer"' : "null"},
  "cancelled_at": ${cancelled ? '"2021-12-31T19:00:00-05:00"' : "null"},
  "cart_token": null,
  "checkout_id": null,
  "checkout_token": null,
  "client_details": null,
  "closed_at": null,
  "confirmation_number": null,
  "confirmed": false,
  "contact_email": "jon@example.com",
  "created_at": "2021-12-31T19:00:00-05:00",
  "currency": "USD",
  "current_subtotal_price": "398.00",
  "current_subtotal_price_set": ${money("398.00")},
  "current_total_discounts": "0.00",
  "current_total_discounts_set": ${money("0.00")},
  "current_total_price": "398.00",
  "current_total_price_set": ${money("398.00")},
  "current_total_tax": "0.00",
  "current_total_tax_set": ${money("0.00")},
  "customer_locale": "en",
  "discount_codes": [],
  "email": "jon@example.com",
  "estimated_taxes": false,
  "financial_status": "${cancelled ? "voided" : "paid"}",
  "fulfillment_status": null,
  "name": "#9999",
  "note": null,
  "note_attributes": [],
  "number": 234,
  "order_number": 1234,
  "payment_gateway_names": ["visa", "bogus"],
  "phone": null,
  "presentment_currency": "USD",
  "processed_at": ${processedAt ? `"${processedAt}"` : "null"},
  "source_identifier": null,
  "source_name": "web",
  "subtotal_price": "388.00",
  "subtotal_price_set": ${money("388.00")},
  "tags": "tag1, tag2",
  "tax_exempt": false,
  "tax_lines": [],
  "taxes_included": false,
  "test": true,
  "token": "123456abcd",
  "total_discounts": "20.00",
  "total_discounts_set": ${money("20.00")},
  "total_line_items_price": "398.00",
  "total_line_items_price_set": ${money("398.00")},
  "total_outstanding": "398.00",
  "total_price": "388.00",
  "total_price_set": ${money("388.00")},
  "total_shipping_price_set": ${money("10.00")},
  "total_tax": "0.00",
  "total_tax_set": ${money("0.00")},
  "total_tip_received": "0.00",
  "total_weight": 0,
  "updated_at": "2021-12-31T19:00:00-05:00",
  "user_id": null,
  "customer": {
    "id": 115310627314723954,
    "email": "john@example.com",
    "created_at": null,
    "updated_at": null,
    "first_name": "John",
    "last_name": "Smith",
    "state": "disabled",
    "note": null,
    "verified_email": true,
    "multipass_identifier": null,
    "tax_exempt": false,
    "phone": null,
    "currency": "USD",
    "tax_exemptions": [],
    "admin_graphql_api_id": "gid://shopify/Customer/115310627314723954",
    "default_address": {"id": 715243470612851245, "customer_id": 115310627314723954, "city": "Ottawa", "country_code": "CA", "default": true}
  },
  "discount_applications": [],
  "fulfillments": [],
  "line_items": [${lineItem("866550311766439020", "199.00")}, ${lineItem("141249953214522974", "199.00")}],
  "payment_terms": null,
  "refunds": [],
  "shipping_lines": [{"id": 271878346596884015, "code": null, "discounted_price": "10.00", "discounted_price_set": ${money("10.00")}, "price": "10.00", "price_set": ${money("10.00")}, "source": "shopify", "title": "Generic Shipping", "tax_lines": [], "discount_allocations": []}],
  "returns": []
}`;

export const SAMPLE_ORDER_ID = "820982911946154508";
export const SAMPLE_CUSTOMER_ID = "115310627314723954";

/** Raw bodies by topic. */
export const SAMPLES = {
  "orders/create": order({ cancelled: false, processedAt: null }),
  "orders/updated": order({ cancelled: false, processedAt: "2021-12-31T19:00:00-05:00" }),
  "orders/cancelled": order({ cancelled: true, processedAt: "2021-12-31T19:00:00-05:00" }),
  "orders/delete": `{"id": 820982911946154508}`,
  "refunds/create": `{
  "id": 890088186047892319,
  "order_id": 820982911946154508,
  "created_at": "2021-12-31T19:00:00-05:00",
  "note": "Things were damaged",
  "user_id": 548380009,
  "processed_at": "2021-12-31T19:00:00-05:00",
  "duties": [],
  "total_duties_set": ${money("0.00")},
  "return": null,
  "restock": false,
  "refund_shipping_lines": [],
  "admin_graphql_api_id": "gid://shopify/Refund/890088186047892319",
  "order_adjustments": [],
  "refund_line_items": [{
    "id": 487817672276298554,
    "line_item_id": 487817672276298554,
    "location_id": null,
    "quantity": 1,
    "restock_type": "no_restock",
    "subtotal": 199.0,
    "subtotal_set": ${money("199.00")},
    "total_tax": 0.0,
    "total_tax_set": ${money("0.00")},
    "line_item": ${lineItem("487817672276298554", "199.00")}
  }],
  "transactions": []
}`,
  "customers/update": `{
  "id": 706405506930370084,
  "email": "bob@biller.com",
  "created_at": null,
  "updated_at": null,
  "first_name": "Bob",
  "last_name": "Biller",
  "state": "disabled",
  "note": "This customer loves ice cream",
  "verified_email": true,
  "multipass_identifier": null,
  "tax_exempt": false,
  "phone": null,
  "currency": "USD",
  "addresses": [],
  "tax_exemptions": [],
  "email_marketing_consent": null,
  "sms_marketing_consent": null,
  "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084"
}`,
  "customers/delete": `{
  "id": 706405506930370084,
  "phone": null,
  "addresses": [],
  "tax_exemptions": [],
  "email_marketing_consent": null,
  "sms_marketing_consent": null,
  "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084"
}`,
  "app/uninstalled": `{
  "id": 548380009,
  "name": "Super Toys",
  "email": "super@supertoys.com",
  "domain": null,
  "province": "Tennessee",
  "country": "US",
  "address1": "190 MacLaren Street",
  "zip": "37178",
  "city": "Houston",
  "source": null,
  "phone": "3213213210",
  "latitude": null,
  "longitude": null,
  "primary_locale": "en",
  "address2": null,
  "created_at": null,
  "updated_at": null,
  "country_code": "US",
  "country_name": "United States",
  "currency": "USD",
  "customer_email": "super@supertoys.com",
  "timezone": "(GMT-05:00) Eastern Time (US & Canada)",
  "iana_timezone": null,
  "shop_owner": "John Smith",
  "money_format": "\${{amount}}",
  "plan_display_name": "Shopify Plus",
  "plan_name": "enterprise",
  "myshopify_domain": null,
  "has_storefront": true
}`,
  "bulk_operations/finish": `{
  "admin_graphql_api_id": "gid://shopify/BulkOperation/147595010",
  "completed_at": "2024-01-01T07:34:56-05:00",
  "created_at": "2024-01-01T07:34:56-05:00",
  "error_code": null,
  "status": "completed",
  "type": "query"
}`,
  "customers/data_request": `{
  "shop_id": 954889,
  "shop_domain": "{shop}",
  "orders_requested": [299938, 280263, 220458],
  "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
  "data_request": {"id": 9999}
}`,
  "customers/redact": `{
  "shop_id": 954889,
  "shop_domain": "{shop}",
  "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
  "orders_to_redact": [299938, 280263, 220458]
}`,
  "shop/redact": `{
  "shop_id": 954889,
  "shop_domain": "{shop}"
}`,
} as const;

export type SampleTopic = keyof typeof SAMPLES;

/** A sample body addressed to our test shop (compliance samples name the shop in the body). */
export function sampleBody(topic: SampleTopic, shopDomain: string): string {
  return SAMPLES[topic].replaceAll("{shop}", shopDomain);
}
