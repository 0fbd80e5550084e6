import type { Clock } from "../kit/clock";
import type {
  SimBulkOperation,
  SimCustomer,
  SimFlowTriggerCall,
  SimLineItem,
  SimMetafield,
  SimMetafieldDefinition,
  SimOrder,
  SimRefund,
  SimSegment,
  SimWebhookSubscription,
  MetafieldOwnerType,
} from "./model";
import { lineRefundValueCents, lineCurrentQuantity, netPaymentCents, refundedCents, totalCents } from "./order-math";
import { restCustomer, restOrder, restRefund, type ShopInfo } from "./rest-payloads";

/** A change Shopify would announce with a webhook: the topic and its REST-shaped body. */
export interface StoreEvent {
  topic: string;
  body: unknown;
  /** When the change happened (X-Shopify-Triggered-At). */
  at: string;
}

export type StoreListener = (event: StoreEvent) => void;

/**
 * Ids look like Shopify's (13 digits, beyond 32-bit), so code that stores them in an INT column breaks
 * here rather than in production. Each resource has its own range.
 */
export const ID_BASES: Record<string, number> = {
  Customer: 7_100_000_000_000,
  Order: 5_600_000_000_000,
  LineItem: 14_200_000_000_000,
  Refund: 980_000_000_000,
  Metafield: 31_000_000_000_000,
  MetafieldDefinition: 110_000_000,
  Segment: 520_000_000_000,
  WebhookSubscription: 1_400_000_000_000,
  BulkOperation: 4_400_000_000_000,
  SellingPlan: 690_000_000,
  SubscriptionContract: 25_000_000_000,
  Location: 78_000_000_000,
};

export interface NewLineItem {
  title?: string;
  sku?: string | null;
  quantity: number;
  /** Unit price in cents. */
  unitPriceCents: number;
  discountCents?: number;
  sellingPlan?: { id?: number; name: string } | null;
  contractId?: number | null;
}

export interface NewOrder {
  id?: number;
  customerId?: number | null;
  email?: string | null;
  processedAt?: string;
  createdAt?: string;
  test?: boolean;
  sourceName?: string;
  appName?: string;
  retailLocationId?: number | null;
  tags?: string[];
  presentmentCurrency?: string;
  presentmentRate?: number;
  shippingCents?: number;
  lineItems: NewLineItem[];
}

export interface NewCustomer {
  id?: number;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  tags?: string[];
  createdAt?: string;
  updatedAt?: string;
  rfmGroup?: string | null;
}

export interface RefundInput {
  /** Refund these quantities of line items (value = discounted unit price × quantity). */
  lines?: { lineItemId: number; quantity: number }[];
  /** Or refund a plain amount (cents); defaults to the whole remaining amount when neither is given. */
  amountCents?: number;
  note?: string | null;
  createdAt?: string;
}

export class StoreError extends Error {}

/** Shopify's DateTime format: UTC, whole seconds ("2026-10-01T12:00:00Z"). */
export function shopifyTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Tag rules shared by tagsAdd/tagsRemove and control calls: trimmed, comma-split, unique ignoring case. */
export function normaliseTags(input: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of input) {
    for (const part of raw.split(",")) {
      const tag = part.trim();
      if (tag && !out.some((t) => t.toLowerCase() === tag.toLowerCase())) out.push(tag);
    }
  }
  return out;
}

/**
 * The shop's metafields by id, also indexed by owner and by owner + namespace + key, so a lookup
 * stays O(1) at hundreds of thousands of metafields (a bulk metafieldsSet looks one up per input).
 * The identity fields of a metafield never change after it is stored; only value, type and times do.
 */
export class MetafieldMap extends Map<number, SimMetafield> {
  private readonly byIdentity = new Map<string, SimMetafield>();
  private readonly byOwner = new Map<string, Set<SimMetafield>>();

  private static owner(ownerType: string, ownerId: number): string {
    return `${ownerType}:${ownerId}`;
  }

  private static identity(ownerType: string, ownerId: number, namespace: string, key: string): string {
    return `${ownerType}:${ownerId}:${namespace}\u0000${key}`;
  }

  override set(id: number, mf: SimMetafield): this {
    const previous = super.get(id);
    if (previous) this.unindex(previous);
    super.set(id, mf);
    this.byIdentity.set(MetafieldMap.identity(mf.ownerType, mf.ownerId, mf.namespace, mf.key), mf);
    const owner = MetafieldMap.owner(mf.ownerType, mf.ownerId);
    let owned = this.byOwner.get(owner);
    if (!owned) this.byOwner.set(owner, (owned = new Set()));
    owned.add(mf);
    return this;
  }

  override delete(id: number): boolean {
    const mf = super.get(id);
    if (mf) this.unindex(mf);
    return super.delete(id);
  }

  override clear(): void {
    this.byIdentity.clear();
    this.byOwner.clear();
    super.clear();
  }

  private unindex(mf: SimMetafield): void {
    this.byIdentity.delete(MetafieldMap.identity(mf.ownerType, mf.ownerId, mf.namespace, mf.key));
    const owner = MetafieldMap.owner(mf.ownerType, mf.ownerId);
    const owned = this.byOwner.get(owner);
    owned?.delete(mf);
    if (owned?.size === 0) this.byOwner.delete(owner);
  }

  find(ownerType: MetafieldOwnerType, ownerId: number, namespace: string, key: string): SimMetafield | undefined {
    return this.byIdentity.get(MetafieldMap.identity(ownerType, ownerId, namespace, key));
  }

  /** In creation order (ids ascend), as a scan of the map would list them. */
  ofOwner(ownerType: MetafieldOwnerType, ownerId: number): SimMetafield[] {
    return [...(this.byOwner.get(MetafieldMap.owner(ownerType, ownerId)) ?? [])].sort((a, b) => a.id - b.id);
  }
}

/** One shop's data. Mutating methods bump `updatedAt` and announce the change to listeners (webhooks). */
export class ShopStore {
  readonly customers = new Map<number, SimCustomer>();
  readonly orders = new Map<number, SimOrder>();
  readonly metafields = new MetafieldMap();
  readonly metafieldDefinitions = new Map<number, SimMetafieldDefinition>();
  readonly segments = new Map<number, SimSegment>();
  readonly webhookSubscriptions = new Map<number, SimWebhookSubscription>();
  readonly bulkOperations = new Map<number, SimBulkOperation>();
  readonly flowTriggerCalls: SimFlowTriggerCall[] = [];
  private readonly sequences = new Map<string, number>();
  private readonly listeners: StoreListener[] = [];
  private nextOrderNumber = 1001;

  constructor(readonly shop: ShopInfo, private readonly clock: Clock) {}

  now(): string {
    return shopifyTime(this.clock.now());
  }

  nextId(type: string): number {
    const next = (this.sequences.get(type) ?? 0) + 1;
    this.sequences.set(type, next);
    return (ID_BASES[type] ?? 1_000_000) + next;
  }

  /** Keep generated ids above ones supplied explicitly (seeded data). */
  private reserveId(type: string, id: number): void {
    const offset = id - (ID_BASES[type] ?? 1_000_000);
    if (offset > (this.sequences.get(type) ?? 0)) this.sequences.set(type, offset);
  }

  onEvent(listener: StoreListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(topic: string, body: unknown): void {
    const event: StoreEvent = { topic, body, at: this.now() };
    for (const listener of this.listeners) listener(event);
  }

  /** Loads seeded records as they are (no webhooks); later ids and order numbers continue after them. */
  load(data: { customers: readonly SimCustomer[]; orders: readonly SimOrder[] }): void {
    for (const customer of data.customers) {
      this.customers.set(customer.id, structuredClone(customer));
      this.reserveId("Customer", customer.id);
    }
    for (const source of data.orders) {
      const order = structuredClone(source);
      this.orders.set(order.id, order);
      this.reserveId("Order", order.id);
      this.nextOrderNumber = Math.max(this.nextOrderNumber, order.number + 1);
      if (order.retailLocationId !== null) this.reserveId("Location", order.retailLocationId);
      for (const line of order.lineItems) {
        this.reserveId("LineItem", line.id);
        if (line.sellingPlan) this.reserveId("SellingPlan", line.sellingPlan.id);
        if (line.contractId !== null) this.reserveId("SubscriptionContract", line.contractId);
      }
      for (const refund of order.refunds) this.reserveId("Refund", refund.id);
    }
  }

  // ---- customers ----

  addCustomer(input: NewCustomer, options: { silent?: boolean } = {}): SimCustomer {
    const now = this.now();
    const id = input.id ?? this.nextId("Customer");
    if (input.id !== undefined) this.reserveId("Customer", input.id);
    if (this.customers.has(id)) throw new StoreError(`customer ${id} already exists`);
    const customer: SimCustomer = {
      __typename: "Customer",
      id,
      email: input.email ?? null,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phone: input.phone ?? null,
      note: null,
      state: "DISABLED",
      tags: normaliseTags(input.tags ?? []),
      createdAt: input.createdAt ?? now,
      updatedAt: input.updatedAt ?? input.createdAt ?? now,
      rfmGroup: input.rfmGroup ?? null,
    };
    this.customers.set(id, customer);
    if (!options.silent) this.emit("customers/create", restCustomer(customer, this.shop));
    return customer;
  }

  requireCustomer(id: number): SimCustomer {
    const customer = this.customers.get(id);
    if (!customer) throw new StoreError(`customer ${id} not found`);
    return customer;
  }

  updateCustomer(id: number, patch: Partial<Omit<NewCustomer, "id" | "createdAt">>): SimCustomer {
    const customer = this.requireCustomer(id);
    if (patch.email !== undefined) customer.email = patch.email;
    if (patch.firstName !== undefined) customer.firstName = patch.firstName;
    if (patch.lastName !== undefined) customer.lastName = patch.lastName;
    if (patch.phone !== undefined) customer.phone = patch.phone;
    if (patch.tags !== undefined) customer.tags = normaliseTags(patch.tags);
    if (patch.rfmGroup !== undefined) customer.rfmGroup = patch.rfmGroup;
    this.touchCustomer(customer);
    return customer;
  }

  /** Announces a customer change (customers/update), as Shopify does for tag edits too. */
  touchCustomer(customer: SimCustomer): void {
    customer.updatedAt = this.later(customer.updatedAt);
    this.emit("customers/update", restCustomer(customer, this.shop));
  }

  /**
   * Shopify refuses to delete customers who have orders; `force` detaches the orders first
   * (what a redaction leaves behind).
   */
  deleteCustomer(id: number, options: { force?: boolean } = {}): void {
    const customer = this.requireCustomer(id);
    const orders = this.ordersOf(id);
    if (orders.length > 0 && !options.force) {
      throw new StoreError(`customer ${id} has ${orders.length} orders and can't be deleted`);
    }
    for (const order of orders) order.customerId = null;
    this.customers.delete(id);
    for (const mf of this.metafields.ofOwner("CUSTOMER", id)) this.metafields.delete(mf.id);
    this.emit("customers/delete", {
      id: customer.id,
      phone: null,
      addresses: [],
      tax_exemptions: [],
      email_marketing_consent: null,
      sms_marketing_consent: null,
      admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
    });
  }

  ordersOf(customerId: number): SimOrder[] {
    return [...this.orders.values()].filter((o) => o.customerId === customerId);
  }

  customerStats(customerId: number): { numberOfOrders: number; amountSpentCents: number; lastOrder: SimOrder | null } {
    let count = 0;
    let spent = 0;
    let last: SimOrder | null = null;
    for (const order of this.orders.values()) {
      if (order.customerId !== customerId) continue;
      count++;
      if (!order.test) spent += netPaymentCents(order);
      if (!last || order.processedAt > last.processedAt) last = order;
    }
    return { numberOfOrders: count, amountSpentCents: spent, lastOrder: last };
  }

  // ---- orders ----

  addOrder(input: NewOrder, options: { silent?: boolean } = {}): SimOrder {
    const now = this.now();
    if (input.customerId != null) this.requireCustomer(input.customerId);
    const id = input.id ?? this.nextId("Order");
    if (input.id !== undefined) this.reserveId("Order", input.id);
    if (this.orders.has(id)) throw new StoreError(`order ${id} already exists`);
    const processedAt = input.processedAt ?? input.createdAt ?? now;
    const customer = input.customerId != null ? this.customers.get(input.customerId) : undefined;
    const order: SimOrder = {
      __typename: "Order",
      id,
      number: this.nextOrderNumber++,
      customerId: input.customerId ?? null,
      email: input.email !== undefined ? input.email : customer?.email ?? null,
      createdAt: input.createdAt ?? processedAt,
      updatedAt: input.createdAt ?? processedAt,
      processedAt,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      test: input.test ?? false,
      sourceName: input.sourceName ?? "web",
      appName: input.appName ?? (input.sourceName === "pos" ? "Point of Sale" : "Online Store"),
      retailLocationId: input.retailLocationId ?? null,
      tags: normaliseTags(input.tags ?? []),
      presentmentCurrency: input.presentmentCurrency ?? this.shop.currencyCode,
      presentmentRate: input.presentmentRate ?? 1,
      shippingCents: input.shippingCents ?? 0,
      lineItems: input.lineItems.map((line) => this.newLineItem(line)),
      refunds: [],
    };
    this.orders.set(id, order);
    if (!options.silent) this.emit("orders/create", this.restOrder(order));
    return order;
  }

  private newLineItem(line: NewLineItem): SimLineItem {
    const id = this.nextId("LineItem");
    return {
      id,
      title: line.title ?? "Item",
      sku: line.sku ?? null,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      discountCents: line.discountCents ?? 0,
      sellingPlan: line.sellingPlan ? { id: line.sellingPlan.id ?? this.nextId("SellingPlan"), name: line.sellingPlan.name } : null,
      contractId: line.contractId ?? null,
      productId: null,
      variantId: null,
    };
  }

  requireOrder(id: number): SimOrder {
    const order = this.orders.get(id);
    if (!order) throw new StoreError(`order ${id} not found`);
    return order;
  }

  restOrder(order: SimOrder) {
    const customer = order.customerId !== null ? this.customers.get(order.customerId) ?? null : null;
    return restOrder(order, customer, this.shop);
  }

  /** Next timestamp after `previous`, so updatedAt always moves forward even when the clock stands still. */
  private later(previous: string): string {
    const now = Math.floor(this.clock.now() / 1000) * 1000;
    const prev = Date.parse(previous);
    return shopifyTime(now > prev ? now : prev + 1000);
  }

  updateOrder(
    id: number,
    patch: Partial<Pick<SimOrder, "email" | "tags" | "test" | "sourceName" | "customerId" | "processedAt">> & {
      lineItems?: NewLineItem[];
    }
  ): SimOrder {
    const order = this.requireOrder(id);
    if (patch.customerId != null) this.requireCustomer(patch.customerId);
    if (patch.email !== undefined) order.email = patch.email;
    if (patch.tags !== undefined) order.tags = normaliseTags(patch.tags);
    if (patch.test !== undefined) order.test = patch.test;
    if (patch.sourceName !== undefined) order.sourceName = patch.sourceName;
    if (patch.customerId !== undefined) order.customerId = patch.customerId;
    if (patch.processedAt !== undefined) order.processedAt = patch.processedAt;
    if (patch.lineItems !== undefined) order.lineItems = patch.lineItems.map((line) => this.newLineItem(line));
    this.touchOrder(order);
    return order;
  }

  touchOrder(order: SimOrder): void {
    order.updatedAt = this.later(order.updatedAt);
    this.emit("orders/updated", this.restOrder(order));
  }

  /** Cancels like the admin's "Cancel order": by default refunding what is left, as a merchant usually does. */
  cancelOrder(id: number, options: { reason?: string; refund?: boolean; at?: string } = {}): SimOrder {
    const order = this.requireOrder(id);
    if (order.cancelledAt) throw new StoreError(`order ${id} is already cancelled`);
    const at = options.at ?? this.later(order.updatedAt);
    order.cancelledAt = at;
    order.closedAt = at;
    order.cancelReason = (options.reason ?? "customer").toUpperCase();
    if (options.refund !== false && totalCents(order) - refundedCents(order) > 0) {
      this.refundOrder(id, { createdAt: at, note: "Order cancelled" }, { silentOrderUpdate: true });
    }
    order.updatedAt = this.later(order.updatedAt);
    this.emit("orders/cancelled", this.restOrder(order));
    this.emit("orders/updated", this.restOrder(order));
    return order;
  }

  refundOrder(id: number, input: RefundInput = {}, options: { silentOrderUpdate?: boolean } = {}): SimRefund {
    const order = this.requireOrder(id);
    const createdAt = input.createdAt ?? this.later(order.updatedAt);
    let lines = input.lines ?? [];
    let amount = input.amountCents;
    if (amount === undefined && lines.length === 0) {
      // Full refund of what remains: every remaining quantity plus shipping.
      lines = order.lineItems
        .map((line) => ({ lineItemId: line.id, quantity: lineCurrentQuantity(order, line) }))
        .filter((l) => l.quantity > 0);
      amount = totalCents(order) - refundedCents(order);
    }
    for (const l of lines) {
      const line = order.lineItems.find((x) => x.id === l.lineItemId);
      if (!line) throw new StoreError(`line item ${l.lineItemId} is not on order ${id}`);
      if (l.quantity > lineCurrentQuantity(order, line)) throw new StoreError(`cannot refund ${l.quantity} of line ${l.lineItemId}`);
    }
    if (amount === undefined) {
      amount = lines.reduce((sum, l) => {
        const line = order.lineItems.find((x) => x.id === l.lineItemId)!;
        return sum + lineRefundValueCents(line, l.quantity);
      }, 0);
    }
    if (amount > totalCents(order) - refundedCents(order)) throw new StoreError(`refund exceeds what was paid on order ${id}`);
    const refund: SimRefund = { id: this.nextId("Refund"), createdAt, note: input.note ?? null, amountCents: amount, lines };
    order.refunds.push(refund);
    order.updatedAt = this.later(order.updatedAt);
    this.emit("refunds/create", restRefund(order, refund, this.shop));
    if (!options.silentOrderUpdate) this.emit("orders/updated", this.restOrder(order));
    return refund;
  }

  deleteOrder(id: number): void {
    this.requireOrder(id);
    this.orders.delete(id);
    for (const mf of this.metafields.ofOwner("ORDER", id)) this.metafields.delete(mf.id);
    this.emit("orders/delete", { id });
  }

  // ---- metafields ----

  findMetafield(ownerType: MetafieldOwnerType, ownerId: number, namespace: string, key: string): SimMetafield | undefined {
    return this.metafields.find(ownerType, ownerId, namespace, key);
  }

  metafieldsOf(ownerType: MetafieldOwnerType, ownerId: number): SimMetafield[] {
    return this.metafields.ofOwner(ownerType, ownerId);
  }

  findDefinition(ownerType: MetafieldOwnerType, namespace: string, key: string): SimMetafieldDefinition | undefined {
    for (const d of this.metafieldDefinitions.values()) {
      if (d.ownerType === ownerType && d.namespace === namespace && d.key === key) return d;
    }
    return undefined;
  }
}
