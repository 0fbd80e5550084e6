import { DATASET_SHOPS, datasetDrafts, defaultDatasetsDir, placeDrafts, type Dataset } from "../kit/datasets";
import { createRandom } from "../kit/random";
import { buildTruth, DEFAULT_SHARES, type SeedShares, type SeedTruth, type TruthCustomer, type TruthOrder } from "../kit/truth";
import { gid } from "./ids";
import type { SimCustomer, SimLineItem, SimOrder, SimRefund } from "./model";
import {
  currentTotalCents,
  lineCurrentQuantity,
  lineDiscountedTotalCents,
  lineRefundValueCents,
  netPaymentCents,
  refundedCents,
  totalCents,
} from "./order-math";
import { ID_BASES, shopifyTime } from "./store";

/**
 * Seeded Shopify shops from real transaction data (sim/kit/datasets.ts reads it into draft orders).
 * On top, a seeded share of orders becomes POS, subscription, test, cancelled, refunded, foreign-currency
 * or gets an extra free item. Same options + seed → byte-identical shops and truth.
 */

export interface SeedOptions {
  dataset: Dataset;
  /** Keep the first N customers (by dataset id); guest orders are kept in the same proportion. */
  maxCustomers?: number;
  /** Shift all dates by whole days so the latest order falls on this day (shop time zone), never after this instant. */
  shiftDatesTo?: string | Date;
  shares?: Partial<SeedShares>;
  seed?: string | number;
  /** Defaults to ../shared/datasets beside the repository (or $RFM_DATASETS_DIR). */
  datasetsDir?: string;
}

export interface SeedData {
  shop: { name: string; currencyCode: string; ianaTimezone: string };
  customers: SimCustomer[];
  orders: SimOrder[];
  truth: SeedTruth;
}

// ---- generation ----

const FIRST_NAMES = [
  "Ava",
  "Ben",
  "Chloe",
  "Daniel",
  "Emma",
  "Felix",
  "Grace",
  "Hugo",
  "Isla",
  "Jack",
  "Kira",
  "Liam",
  "Maya",
  "Noah",
  "Olivia",
  "Paul",
  "Quinn",
  "Rosa",
  "Sam",
  "Tara",
  "Uma",
  "Victor",
  "Wren",
  "Yusuf",
  "Zoe",
];
const LAST_NAMES = [
  "Adams",
  "Brown",
  "Chen",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Hughes",
  "Ito",
  "Jensen",
  "Khan",
  "Lopez",
  "Martin",
  "Nguyen",
  "Okafor",
  "Patel",
  "Quist",
  "Rossi",
  "Smith",
  "Tanaka",
  "Usman",
  "Vargas",
  "Weber",
  "Young",
  "Zhang",
];
const CANCEL_REASONS = ["CUSTOMER", "CUSTOMER", "CUSTOMER", "INVENTORY", "DECLINED", "FRAUD", "OTHER"];
const SUBSCRIPTION_PLANS = [
  { id: ID_BASES.SellingPlan + 1, name: "Deliver every month" },
  { id: ID_BASES.SellingPlan + 2, name: "Deliver every 2 months" },
];
const RETAIL_LOCATIONS = [ID_BASES.Location + 1, ID_BASES.Location + 2, ID_BASES.Location + 3];
const FOREIGN: Record<string, { currency: string; rate: number }> = {
  USD: { currency: "EUR", rate: 0.92 },
  GBP: { currency: "EUR", rate: 1.17 },
};

const iso = shopifyTime;

export function generateSeed(options: SeedOptions): SeedData {
  const seed = options.seed ?? 1;
  const shares: SeedShares = { ...DEFAULT_SHARES, ...options.shares };
  const random = createRandom(`seed/${options.dataset}/${seed}`);
  const dir = options.datasetsDir ?? defaultDatasetsDir();
  const shop = { ...DATASET_SHOPS[options.dataset] };
  // Ids and order numbers grow with time, as on Shopify: placeDrafts returns them oldest first.
  const timed = placeDrafts(datasetDrafts(options.dataset, dir, options.maxCustomers, random), shop.ianaTimezone, options.shiftDatesTo);
  const latestAt = timed.length > 0 ? timed[timed.length - 1].at : 0;

  const counters = new Map<string, number>();
  const nextId = (type: string) => {
    const n = (counters.get(type) ?? 0) + 1;
    counters.set(type, n);
    return ID_BASES[type] + n;
  };

  // Customers are numbered by dataset id.
  const customerKeys = [...new Set(timed.map((t) => t.draft.customerKey).filter((k): k is string => k !== null))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true })
  );
  const names = random.fork("names");
  const customers = new Map<string, SimCustomer>();
  for (const key of customerKeys) {
    const firstName = names.pick(FIRST_NAMES);
    const lastName = names.pick(LAST_NAMES);
    customers.set(key, {
      __typename: "Customer",
      id: nextId("Customer"),
      email: `${firstName}.${lastName}.${options.dataset === "cdnow" ? "cd" : "gr"}${key}@example.com`.toLowerCase(),
      firstName,
      lastName,
      phone: null,
      note: null,
      state: "DISABLED",
      tags: [],
      createdAt: "",
      updatedAt: "",
      rfmGroup: null,
    });
  }

  const flags = random.fork("flags");
  const details = random.fork("details");
  const orders: SimOrder[] = [];
  const sources = new Map<number, string>();
  let number = 1000;
  for (const { draft, at } of timed) {
    const customer = draft.customerKey !== null ? customers.get(draft.customerKey)! : null;
    const processedAt = iso(at);
    const isTest = flags.chance(shares.test);
    const isPos = flags.chance(shares.pos);
    const isSubscription = !isPos && flags.chance(shares.subscription);
    const addFree = flags.chance(shares.zeroItem);
    const isCancelled = draft.cancelledSource || flags.chance(shares.cancelled);
    const isRefunded = !isCancelled && flags.chance(shares.refunded);
    const foreign = flags.chance(shares.multiCurrency) ? FOREIGN[shop.currencyCode] : undefined;
    const plan = isSubscription ? details.pick(SUBSCRIPTION_PLANS) : null;
    const contractId = isSubscription ? nextId("SubscriptionContract") : null;
    const lineItems: SimLineItem[] = draft.lines.map((line) => ({
      id: nextId("LineItem"),
      title: line.title,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      discountCents: 0,
      sellingPlan: plan,
      contractId,
      productId: null,
      variantId: null,
    }));
    if (addFree) {
      lineItems.push({
        id: nextId("LineItem"),
        title: "Free sample",
        sku: "FREE-SAMPLE",
        quantity: 1,
        unitPriceCents: 0,
        discountCents: 0,
        sellingPlan: null,
        contractId: null,
        productId: null,
        variantId: null,
      });
    }
    const order: SimOrder = {
      __typename: "Order",
      id: nextId("Order"),
      number: ++number,
      customerId: customer?.id ?? null,
      email: customer?.email ?? null,
      createdAt: processedAt,
      updatedAt: processedAt,
      processedAt,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      test: isTest,
      sourceName: isPos ? "pos" : isSubscription && details.chance(0.6) ? "subscription_contract" : "web",
      appName: isPos ? "Point of Sale" : isSubscription ? "Shopify Subscriptions" : "Online Store",
      retailLocationId: isPos ? details.pick(RETAIL_LOCATIONS) : null,
      tags: [],
      presentmentCurrency: foreign?.currency ?? shop.currencyCode,
      presentmentRate: foreign?.rate ?? 1,
      shippingCents: 0,
      lineItems,
      refunds: [],
    };
    // Later events never run past the latest order, so nothing lies in the future of a shifted shop.
    const after = (minMs: number, maxMs: number) => iso(Math.max(at + 60_000, Math.min(at + details.int(minMs, maxMs), latestAt)));
    const refund = (createdAt: string, lines: SimRefund["lines"], amountCents: number, note: string | null) => {
      if (amountCents <= 0 && lines.length === 0) return;
      order.refunds.push({ id: nextId("Refund"), createdAt, note, amountCents, lines });
      if (createdAt > order.updatedAt) order.updatedAt = createdAt;
    };
    if (isCancelled) {
      const cancelledAt = after(3600_000, 72 * 3600_000);
      order.cancelledAt = cancelledAt;
      order.closedAt = cancelledAt;
      order.cancelReason = details.pick(CANCEL_REASONS);
      order.updatedAt = cancelledAt;
      refund(
        cancelledAt,
        lineItems.map((l) => ({ lineItemId: l.id, quantity: l.quantity })),
        totalCents(order),
        "Order cancelled"
      );
    } else if (isRefunded && totalCents(order) > 0) {
      const refundAt = after(86400_000, 30 * 86400_000);
      const paid = lineItems.filter((l) => l.unitPriceCents > 0);
      if (details.chance(0.5) && paid.length > 0) {
        const line = details.pick(paid);
        refund(refundAt, [{ lineItemId: line.id, quantity: 1 }], lineRefundValueCents(line, 1), "Returned item");
      } else {
        refund(
          refundAt,
          lineItems.map((l) => ({ lineItemId: l.id, quantity: l.quantity })),
          totalCents(order),
          "Full refund"
        );
      }
    }
    orders.push(order);
    sources.set(order.id, draft.source);
    if (customer) {
      if (!customer.createdAt || processedAt < customer.createdAt) customer.createdAt = iso(at - details.int(60, 3600) * 1000);
      if (order.updatedAt > customer.updatedAt) customer.updatedAt = order.updatedAt;
    }
  }
  const customerList = [...customers.values()].sort((a, b) => a.id - b.id);
  return {
    shop,
    customers: customerList,
    orders,
    truth: shopifyTruth(options.dataset, seed, shares, shop.currencyCode, customerList, orders, customers, sources),
  };
}

/** The truth in Shopify terms: GIDs, order names, selling plans mark subscriptions, sourceName "pos" marks POS. */
function shopifyTruth(
  dataset: Dataset,
  seed: string | number,
  shares: SeedShares,
  currency: string,
  customers: SimCustomer[],
  orders: SimOrder[],
  byKey: Map<string, SimCustomer>,
  sources: Map<number, string>
): SeedTruth {
  const sourceOf = new Map([...byKey].map(([key, c]) => [c.id, key]));
  const truthOrders: TruthOrder[] = orders.map((o) => ({
    id: gid("Order", o.id),
    legacyId: o.id,
    name: `#${o.number}`,
    customerId: o.customerId !== null ? gid("Customer", o.customerId) : null,
    email: o.email,
    createdAt: o.createdAt,
    processedAt: o.processedAt,
    updatedAt: o.updatedAt,
    cancelledAt: o.cancelledAt,
    test: o.test,
    pos: o.sourceName === "pos",
    subscription: o.lineItems.some((l) => l.sellingPlan !== null),
    sourceName: o.sourceName,
    currency,
    presentmentCurrency: o.presentmentCurrency,
    totalCents: totalCents(o),
    refundedCents: refundedCents(o),
    netCents: netPaymentCents(o),
    currentTotalCents: currentTotalCents(o),
    lineItems: o.lineItems.map((l) => ({
      id: gid("LineItem", l.id),
      title: l.title,
      quantity: l.quantity,
      currentQuantity: lineCurrentQuantity(o, l),
      unitPriceCents: l.unitPriceCents,
      discountedTotalCents: lineDiscountedTotalCents(l),
      zeroPrice: l.unitPriceCents === 0,
      subscription: l.sellingPlan !== null,
    })),
    refunds: o.refunds.map((r) => ({ id: gid("Refund", r.id), createdAt: r.createdAt, amountCents: r.amountCents })),
    source: sources.get(o.id) ?? "",
  }));
  const ordersByCustomer = new Map<number, string[]>();
  for (const o of orders) {
    if (o.customerId === null) continue;
    const list = ordersByCustomer.get(o.customerId) ?? [];
    list.push(gid("Order", o.id));
    ordersByCustomer.set(o.customerId, list);
  }
  const truthCustomers: TruthCustomer[] = customers.map((c) => ({
    id: gid("Customer", c.id),
    legacyId: c.id,
    sourceId: sourceOf.get(c.id) ?? "",
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    createdAt: c.createdAt,
    orderIds: ordersByCustomer.get(c.id) ?? [],
  }));
  return buildTruth(dataset, seed, shares, truthCustomers, truthOrders);
}
