import { randomBytes } from "node:crypto";
import type { Clock } from "../kit/clock";
import type {
  KeyPermissions,
  WcAddress,
  WcApiKey,
  WcCustomer,
  WcLineItem,
  WcMeta,
  WcOrder,
  WcOrderStatus,
  WcProduct,
  WcRefund,
} from "./model";
import { orderTotalCents, refundedCents } from "./payloads";

/**
 * The store's data and every change to it, REST and merchant alike. Each change reports what
 * WooCommerce would fire (`emit`), which webhooks.ts turns into deliveries — or not, where WooCommerce
 * stays silent (force delete, REST untrash).
 */

export type StoreEvent =
  | "order.created"
  | "order.updated"
  | "order.deleted"
  | "order.restored"
  | "customer.created"
  | "customer.updated"
  | "customer.deleted";

export interface NewLine {
  productId?: number;
  name?: string;
  sku?: string;
  quantity: number;
  /** Unit price before coupons; defaults to the product's price. */
  unitPriceCents?: number;
  meta?: { key: string; value: unknown }[];
}

export interface NewOrder {
  customerId?: number;
  status?: WcOrderStatus;
  currency?: string;
  createdVia?: string;
  createdAt?: number | string | Date;
  billing?: Partial<WcAddress>;
  lines: NewLine[];
  shipping?: { methodId?: string; methodTitle?: string; totalCents: number }[];
  fees?: { name: string; totalCents: number }[];
  coupon?: { code: string; percent: number };
  meta?: { key: string; value: unknown }[];
  paymentMethod?: string;
  paymentMethodTitle?: string;
  parentId?: number;
  /** Paid now (date_paid set); defaults to true for processing / completed / refunded. */
  paid?: boolean;
  /** Which of order.created / order.updated WooCommerce fires first (REST: created; Store API checkout: updated). */
  firstTopic?: "order.created" | "order.updated";
}

export interface NewCustomer {
  email: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  createdAt?: number | string | Date;
  billing?: Partial<WcAddress>;
  meta?: { key: string; value: unknown }[];
}

export interface RefundInput {
  amountCents?: number;
  reason?: string;
  lines?: { lineItemId: number; quantity: number; totalCents?: number }[];
  at?: number | string | Date;
}

export const DEFAULT_PRODUCTS: WcProduct[] = [
  { id: 11, name: "Organic Coffee Beans 1kg", sku: "BEANS-1KG", priceCents: 2400, subscription: false },
  { id: 12, name: "Ceramic Pour-Over Dripper", sku: "DRIP-CER", priceCents: 2990, subscription: false },
  { id: 15, name: "Burr Grinder", sku: "GRIND-BURR", priceCents: 8900, subscription: false },
  { id: 17, name: "Coffee Subscription Box (monthly)", sku: "SUB-BOX-M", priceCents: 2900, subscription: true },
  { id: 18, name: "Free Sample", sku: "FREE-SAMPLE", priceCents: 0, subscription: false },
];

export const EMPTY_ADDRESS: WcAddress = {
  first_name: "",
  last_name: "",
  company: "",
  address_1: "",
  address_2: "",
  city: "",
  state: "",
  postcode: "",
  country: "US",
  phone: "",
};

export class WcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data: unknown = { status }
  ) {
    super(message);
  }
  body() {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export const orderNotFound = () => new WcError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.");
export const customerNotFound = () => new WcError(404, "wc_user_invalid_id", "Invalid user ID.");

function toMs(at: number | string | Date | undefined, fallback: number): number {
  if (at === undefined) return fallback;
  return typeof at === "number" ? at : new Date(at).getTime();
}

export class WooStore {
  readonly orders = new Map<number, WcOrder>();
  readonly customers = new Map<number, WcCustomer>();
  readonly products = new Map<number, WcProduct>();
  readonly keys = new Map<string, WcApiKey>();
  /** Guests are users too in WordPress: ids below are taken by the admin (1). */
  private nextUserId = 2;
  private nextPostId = 10;
  private nextItemId = 100;
  private nextMetaId = 1000;
  private nextKeyId = 1;
  /** Listeners get every change WooCommerce fires a webhook hook for. */
  private readonly listeners: ((event: StoreEvent, id: number) => void)[] = [];

  constructor(
    readonly clock: Clock,
    readonly currency: string
  ) {
    for (const p of DEFAULT_PRODUCTS) this.products.set(p.id, p);
  }

  onEvent(listener: (event: StoreEvent, id: number) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: StoreEvent, id: number): void {
    for (const l of this.listeners) l(event, id);
  }

  now(): number {
    return this.clock.now();
  }

  metaId(): number {
    return this.nextMetaId++;
  }

  itemId(): number {
    return this.nextItemId++;
  }

  postId(): number {
    return this.nextPostId++;
  }

  /** Product for a line: the catalogue's, or one made up for a named line (dataset titles). */
  productFor(line: NewLine): WcProduct {
    if (line.productId !== undefined) {
      const found = this.products.get(line.productId);
      if (found) return found;
    }
    const name = line.name ?? "Product";
    const existing = [...this.products.values()].find((p) => p.name === name && (line.sku === undefined || p.sku === line.sku));
    if (existing) return existing;
    const product: WcProduct = {
      id: line.productId ?? this.postId(),
      name,
      sku: line.sku ?? "",
      priceCents: line.unitPriceCents ?? 0,
      subscription: false,
    };
    this.products.set(product.id, product);
    return product;
  }

  // ---- keys ----

  createKey(userId: number, permissions: KeyPermissions, description = "simulated key"): WcApiKey {
    const key: WcApiKey = {
      keyId: this.nextKeyId++,
      userId,
      description,
      consumerKey: `ck_${randomBytes(20).toString("hex")}`,
      consumerSecret: `cs_${randomBytes(20).toString("hex")}`,
      permissions,
      nonces: new Map(),
    };
    this.keys.set(key.consumerKey, key);
    return key;
  }

  deleteKey(keyId: number): void {
    for (const [ck, k] of this.keys) if (k.keyId === keyId) this.keys.delete(ck);
  }

  // ---- orders ----

  /** Builds an order without announcing it (seeding, and the first half of createOrder). */
  buildOrder(input: NewOrder, id = this.postId()): WcOrder {
    const at = toMs(input.createdAt, this.now());
    const customer = input.customerId ? this.customers.get(input.customerId) : undefined;
    if (input.customerId && !customer) throw new WcError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.", { status: 400 });
    const billing: WcAddress = {
      ...EMPTY_ADDRESS,
      ...(customer ? { ...customer.billing } : {}),
      email: customer?.email ?? "",
      ...input.billing,
    };
    const lines: WcLineItem[] = input.lines.map((l) => {
      const product = this.productFor(l);
      const unit = l.unitPriceCents ?? product.priceCents;
      const subtotal = unit * l.quantity;
      return {
        id: this.itemId(),
        name: l.name ?? product.name,
        productId: product.id,
        sku: l.sku ?? product.sku,
        quantity: l.quantity,
        subtotalCents: subtotal,
        totalCents: subtotal,
        meta: (l.meta ?? []).map((m) => ({ id: this.metaId(), key: m.key, value: m.value })),
      };
    });
    const couponLines = [];
    if (input.coupon) {
      let discount = 0;
      for (const line of lines) {
        const d = Math.round((line.subtotalCents * input.coupon.percent) / 100);
        line.totalCents = line.subtotalCents - d;
        discount += d;
      }
      couponLines.push({ id: 0, code: input.coupon.code, percent: input.coupon.percent, discountCents: discount, metaId: 0 });
    }
    const status = input.status ?? "processing";
    const paid = input.paid ?? ["processing", "completed", "refunded"].includes(status);
    const order: WcOrder = {
      id,
      parentId: input.parentId ?? 0,
      status,
      currency: input.currency ?? this.currency,
      createdAt: at,
      modifiedAt: at,
      paidAt: paid ? at + 5 * 60_000 : null,
      completedAt: status === "completed" || status === "refunded" ? at + 2 * 86400_000 : null,
      customerId: customer?.id ?? 0,
      orderKey: `wc_order_${randomBytes(7).toString("base64url").slice(0, 13)}`,
      billing,
      shipping: { ...EMPTY_ADDRESS, first_name: billing.first_name, last_name: billing.last_name },
      paymentMethod: input.paymentMethod ?? "bacs",
      paymentMethodTitle: input.paymentMethodTitle ?? (input.paymentMethod ? input.paymentMethod : "Direct bank transfer"),
      createdVia: input.createdVia ?? "checkout",
      customerNote: "",
      meta: (input.meta ?? []).map((m) => ({ id: this.metaId(), key: m.key, value: m.value })),
      lines,
      shippingLines: (input.shipping ?? []).map((s) => ({
        id: this.itemId(),
        methodId: s.methodId ?? "flat_rate",
        methodTitle: s.methodTitle ?? "Flat rate",
        totalCents: s.totalCents,
      })),
      feeLines: (input.fees ?? []).map((f) => ({ id: this.itemId(), name: f.name, totalCents: f.totalCents })),
      couponLines: couponLines.map((c) => ({ ...c, id: this.itemId(), metaId: this.metaId() })),
      refunds: [],
    };
    delete (order.shipping as Partial<WcAddress>).email;
    return order;
  }

  /** A new order, announced as WooCommerce does: order.created and order.updated (either order). */
  createOrder(input: NewOrder): WcOrder {
    const order = this.buildOrder(input);
    this.orders.set(order.id, order);
    if (order.customerId) this.touchPaying(order.customerId);
    const topics: StoreEvent[] = input.firstTopic === "order.updated" ? ["order.updated", "order.created"] : ["order.created", "order.updated"];
    for (const t of topics) this.emit(t, order.id);
    return order;
  }

  /** Adds a seeded order without announcing it. */
  insertOrder(order: WcOrder): void {
    this.orders.set(order.id, order);
    this.nextPostId = Math.max(this.nextPostId, order.id + 1);
  }

  insertCustomer(customer: WcCustomer): void {
    this.customers.set(customer.id, customer);
    this.nextUserId = Math.max(this.nextUserId, customer.id + 1);
  }

  getOrder(id: number): WcOrder {
    const order = this.orders.get(id);
    if (!order) throw orderNotFound();
    return order;
  }

  private touchPaying(customerId: number): void {
    const c = this.customers.get(customerId);
    if (c && !c.isPayingCustomer) c.isPayingCustomer = true;
  }

  /**
   * A status / meta / billing change. On a trashed order it untrashes silently, as REST PUT does on
   * WooCommerce (no order.updated, no order.restored, and the `_wp_trash_meta_*` keys stay).
   */
  updateOrder(id: number, changes: { status?: WcOrderStatus; meta?: { key: string; value: unknown }[]; customerNote?: string; billing?: Partial<WcAddress> }): WcOrder {
    const order = this.getOrder(id);
    const wasTrash = order.status === "trash";
    const now = this.now();
    if (changes.status && changes.status !== order.status) {
      order.status = changes.status;
      if (["processing", "completed"].includes(changes.status) && order.paidAt === null) order.paidAt = now;
      if (changes.status === "completed") order.completedAt = now;
    }
    if (changes.meta) upsertMeta(order.meta, changes.meta, () => this.metaId());
    if (changes.customerNote !== undefined) order.customerNote = changes.customerNote;
    if (changes.billing) order.billing = { ...order.billing, ...changes.billing };
    order.modifiedAt = now;
    if (!wasTrash && order.status !== "trash") this.emit("order.updated", id);
    return order;
  }

  /** DELETE without force: to the trash, announced as order.deleted `{id}`. */
  trashOrder(id: number): WcOrder {
    const order = this.getOrder(id);
    if (order.status === "trash") throw new WcError(410, "woocommerce_rest_already_trashed", "The order has already been deleted.", { status: 410 });
    const now = this.now();
    order.meta.push(
      { id: this.metaId(), key: "_wp_trash_meta_status", value: `wc-${order.status}` },
      { id: this.metaId(), key: "_wp_trash_meta_time", value: String(Math.floor(now / 1000)) }
    );
    order.status = "trash";
    order.modifiedAt = now;
    this.emit("order.deleted", id);
    return order;
  }

  /** Restore from the trash in wp-admin: announced as order.restored. */
  restoreOrder(id: number): WcOrder {
    const order = this.getOrder(id);
    if (order.status !== "trash") return order;
    const previous = order.meta.find((m) => m.key === "_wp_trash_meta_status")?.value;
    order.status = (typeof previous === "string" ? previous.replace(/^wc-/, "") : "pending") as WcOrderStatus;
    order.meta = order.meta.filter((m) => !m.key.startsWith("_wp_trash_meta_"));
    order.modifiedAt = this.now();
    this.emit("order.restored", id);
    return order;
  }

  /** DELETE ?force=true: gone, and no order topic at all — only its customer is updated. */
  deleteOrder(id: number): WcOrder {
    const order = this.getOrder(id);
    this.orders.delete(id);
    if (order.customerId && this.customers.has(order.customerId)) {
      this.customers.get(order.customerId)!.modifiedAt = this.now();
      this.emit("customer.updated", order.customerId);
    }
    return order;
  }

  /** A manual refund: negative refund lines, the order total unchanged, status refunded when full. */
  refundOrder(id: number, input: RefundInput): WcRefund {
    const order = this.getOrder(id);
    const at = toMs(input.at, this.now());
    const lines = (input.lines ?? []).map((rl) => {
      const line = order.lines.find((l) => l.id === rl.lineItemId);
      if (!line) throw new WcError(400, "woocommerce_rest_invalid_line_item", "Invalid line item ID.", { status: 400 });
      const total = rl.totalCents ?? Math.round((line.totalCents / line.quantity) * rl.quantity);
      return { id: this.itemId(), lineItemId: line.id, quantity: rl.quantity, totalCents: total, metaId: this.metaId() };
    });
    const amount = input.amountCents ?? lines.reduce((n, l) => n + l.totalCents, 0);
    const remaining = orderTotalCents(order) - refundedCents(order);
    if (amount <= 0 || amount > remaining) {
      throw new WcError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500);
    }
    const refund: WcRefund = { id: this.postId(), createdAt: at, amountCents: amount, reason: input.reason ?? "", refundedBy: 1, refundedPayment: false, lines };
    order.refunds.unshift(refund);
    if (refundedCents(order) >= orderTotalCents(order)) order.status = "refunded";
    order.modifiedAt = Math.max(order.modifiedAt, at);
    this.emit("order.updated", id);
    return refund;
  }

  // ---- customers ----

  createCustomer(input: NewCustomer, announce = true): WcCustomer {
    if ([...this.customers.values()].some((c) => c.email.toLowerCase() === input.email.toLowerCase())) {
      throw new WcError(400, "registration-error-email-exists", "An account is already registered with your email address.", { status: 400 });
    }
    const at = toMs(input.createdAt, this.now());
    const firstName = input.firstName ?? "";
    const lastName = input.lastName ?? "";
    const customer: WcCustomer = {
      id: this.nextUserId++,
      createdAt: at,
      modifiedAt: at,
      email: input.email,
      firstName,
      lastName,
      username: input.username ?? input.email.split("@")[0].replace(/[^a-z0-9]/gi, "").toLowerCase(),
      role: "customer",
      billing: { ...EMPTY_ADDRESS, first_name: firstName, last_name: lastName, email: input.email, ...input.billing },
      shipping: { ...EMPTY_ADDRESS, first_name: firstName, last_name: lastName },
      isPayingCustomer: false,
      meta: (input.meta ?? []).map((m) => ({ id: this.metaId(), key: m.key, value: m.value })),
    };
    delete (customer.shipping as Partial<WcAddress>).email;
    this.customers.set(customer.id, customer);
    if (announce) {
      this.emit("customer.created", customer.id);
      this.emit("customer.updated", customer.id);
    }
    return customer;
  }

  getCustomer(id: number): WcCustomer {
    const c = this.customers.get(id);
    if (!c) throw customerNotFound();
    return c;
  }

  /** Names, billing and meta (`value: null` deletes the key, as WooCommerce does). */
  updateCustomer(
    id: number,
    changes: { firstName?: string; lastName?: string; email?: string; billing?: Partial<WcAddress>; meta?: { key: string; value: unknown }[] }
  ): WcCustomer {
    const c = this.getCustomer(id);
    if (changes.firstName !== undefined) c.firstName = changes.firstName;
    if (changes.lastName !== undefined) c.lastName = changes.lastName;
    if (changes.email !== undefined) c.email = changes.email;
    if (changes.billing) c.billing = { ...c.billing, ...changes.billing };
    if (changes.meta) upsertMeta(c.meta, changes.meta, () => this.metaId());
    c.modifiedAt = this.now();
    this.emit("customer.updated", id);
    return c;
  }

  deleteCustomer(id: number): WcCustomer {
    const c = this.getCustomer(id);
    this.customers.delete(id);
    this.emit("customer.deleted", id);
    return c;
  }
}

/** Upserts meta by key; `null` (or undefined) deletes it. */
export function upsertMeta(meta: WcMeta[], changes: { key: string; value: unknown; id?: number }[], nextId: () => number): void {
  for (const change of changes) {
    const i = meta.findIndex((m) => (change.id !== undefined ? m.id === change.id : m.key === change.key));
    if (change.value === null || change.value === undefined) {
      if (i >= 0) meta.splice(i, 1);
    } else if (i >= 0) {
      meta[i].value = change.value;
    } else {
      meta.push({ id: nextId(), key: change.key, value: change.value });
    }
  }
}
