/**
 * The simulated store's records, in WooCommerce's terms (wc/v3). Money is integer cents; instants are
 * UTC milliseconds — payloads.ts renders them the way WooCommerce does.
 */

export interface WcMeta {
  id: number;
  key: string;
  value: unknown;
}

export interface WcAddress {
  first_name: string;
  last_name: string;
  company: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  email?: string;
  phone: string;
}

export interface WcLineItem {
  id: number;
  name: string;
  productId: number;
  sku: string;
  quantity: number;
  /** Before coupons. */
  subtotalCents: number;
  /** After coupons. */
  totalCents: number;
  meta: WcMeta[];
}

export interface WcShippingLine {
  id: number;
  methodTitle: string;
  methodId: string;
  totalCents: number;
}

export interface WcFeeLine {
  id: number;
  name: string;
  totalCents: number;
}

export interface WcCouponLine {
  id: number;
  code: string;
  percent: number;
  discountCents: number;
  metaId: number;
}

export interface WcRefundLine {
  id: number;
  lineItemId: number;
  quantity: number;
  totalCents: number;
  metaId: number;
}

export interface WcRefund {
  id: number;
  createdAt: number;
  amountCents: number;
  reason: string;
  refundedBy: number;
  refundedPayment: boolean;
  lines: WcRefundLine[];
}

export type WcOrderStatus =
  | "pending"
  | "processing"
  | "on-hold"
  | "completed"
  | "cancelled"
  | "refunded"
  | "failed"
  | "trash"
  | "checkout-draft";

export const ORDER_STATUSES = [
  "any",
  "trash",
  "auto-draft",
  "pending",
  "processing",
  "on-hold",
  "completed",
  "cancelled",
  "refunded",
  "failed",
  "checkout-draft",
] as const;

export interface WcOrder {
  id: number;
  parentId: number;
  status: WcOrderStatus;
  currency: string;
  createdAt: number;
  modifiedAt: number;
  paidAt: number | null;
  completedAt: number | null;
  /** 0 for a guest. */
  customerId: number;
  orderKey: string;
  billing: WcAddress;
  shipping: WcAddress;
  paymentMethod: string;
  paymentMethodTitle: string;
  createdVia: string;
  customerNote: string;
  meta: WcMeta[];
  lines: WcLineItem[];
  shippingLines: WcShippingLine[];
  feeLines: WcFeeLine[];
  couponLines: WcCouponLine[];
  refunds: WcRefund[];
}

export interface WcCustomer {
  id: number;
  createdAt: number;
  modifiedAt: number;
  email: string;
  firstName: string;
  lastName: string;
  username: string;
  role: string;
  billing: WcAddress;
  shipping: WcAddress;
  isPayingCustomer: boolean;
  meta: WcMeta[];
}

export type WebhookStatus = "active" | "paused" | "disabled";

export interface WcWebhook {
  id: number;
  name: string;
  status: WebhookStatus;
  topic: string;
  deliveryUrl: string;
  secret: string;
  createdAt: number;
  modifiedAt: number | null;
  /** Consecutive failed deliveries (never returned by the API, as on WooCommerce). */
  failureCount: number;
  /** Set at creation; cleared only when the ping is answered 200. */
  pendingDelivery: boolean;
}

export type KeyPermissions = "read" | "write" | "read_write";

export interface WcApiKey {
  keyId: number;
  userId: number;
  description: string;
  consumerKey: string;
  consumerSecret: string;
  permissions: KeyPermissions;
  /** Used OAuth nonces by timestamp, as WooCommerce keeps them (one per timestamp). */
  nonces: Map<number, string>;
}

export interface WcProduct {
  id: number;
  name: string;
  sku: string;
  priceCents: number;
  subscription: boolean;
}

export const WEBHOOK_HOOKS: Record<string, string[]> = {
  "order.created": ["woocommerce_new_order"],
  "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
  "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
  "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
  "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
  "customer.updated": ["profile_update", "woocommerce_update_customer"],
  "customer.deleted": ["delete_user"],
};
