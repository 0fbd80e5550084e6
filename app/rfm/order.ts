/**
 * The canonical order: the one shape every platform's order is normalised into
 * before any rule or score sees it. Nothing here knows a Shopify or WooCommerce
 * field name; `app/platforms/<platform>/` maps into this.
 *
 * Money is in the shop's currency, as integer minor units (cents, pence, yen),
 * so sums over millions of orders never drift.
 */

export type Platform = "shopify" | "woocommerce";

export interface CanonicalLineItem {
  /** Platform line item id (stable within the order). */
  id: string;
  quantity: number;
  /** Unit price before discounts, shop currency, minor units. */
  unitPriceMinor: number;
  /** What the customer paid for the line after line/order discounts, minor units (≥ 0). */
  totalMinor: number;
  /** Sold under a subscription (selling plan / subscription contract). */
  subscription: boolean;
}

export interface CanonicalOrder {
  platform: Platform;
  /** Platform order id (Shopify GID, WooCommerce numeric id as string). */
  id: string;
  /**
   * Who the order belongs to, as the RFM engine sees it: the platform customer id,
   * or `email:<lower-cased email>` for a guest; null when neither is known
   * (such an order can never be attributed and never counts).
   */
  customerKey: string | null;
  /** True when customerKey comes from a guest email (scored, but cannot be written back). */
  guest: boolean;
  /** When the order was placed/processed (ISO 8601, UTC). */
  processedAt: string;
  /** Last change on the platform (ISO 8601, UTC): an older update never overwrites a newer one. */
  updatedAt: string;
  /** Shop currency (ISO 4217); the order's own currency when `amountUnknown`. */
  currency: string;
  /**
   * Order total in shop currency after discounts, before refunds, minor units. When
   * `amountUnknown`: in the order's own currency (`currency`), read only against refundedMinor.
   */
  totalMinor: number;
  /** Refunded so far, minor units (≥ 0), in the same currency as totalMinor. */
  refundedMinor: number;
  lineItems: CanonicalLineItem[];
  /** Sales channel / source as the platform names it (e.g. "web", "pos", "checkout"). */
  channel: string | null;
  /** Sold at a point of sale. */
  pos: boolean;
  /** A subscription order (renewal / recurring billing), as a whole. */
  subscription: boolean;
  test: boolean;
  cancelled: boolean;
  /**
   * Not a purchase: the customer never paid (abandoned or failed payment, checkout draft).
   * Distinct from cancelled so the rules report can tell them apart. Absent = false.
   */
  unpaid?: boolean;
  /**
   * The order's amounts could not be expressed in the shop currency (another currency and
   * no rate on the order): its line amounts are 0 and mean "unknown", not "free". Such an
   * order counts for recency and frequency and adds nothing to spend. Absent = false.
   * Its line totals are 0; its totalMinor/refundedMinor are in its own currency, so a
   * full refund still removes it.
   */
  amountUnknown?: boolean;
  tags: string[];
  /**
   * How the merchant knows the customer, as this order names them: for the customer list and
   * export only, never for scoring. Absent or null when the platform withholds it.
   */
  contact?: { name: string | null; email: string | null };
}
