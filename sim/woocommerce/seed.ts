import { createManualClock } from "../kit/clock";
import { DATASET_SHOPS, datasetDrafts, defaultDatasetsDir, placeDrafts, type Dataset } from "../kit/datasets";
import { createRandom } from "../kit/random";
import { buildTruth, DEFAULT_SHARES, type SeedShares, type SeedTruth, type TruthCustomer, type TruthOrder } from "../kit/truth";
import type { WcCustomer, WcOrder, WcOrderStatus } from "./model";
import { orderTotalCents, refundedCents } from "./payloads";
import { WooStore, type NewLine } from "./store";

/**
 * Seeded WooCommerce stores from real transaction data (sim/kit/datasets.ts). On top of the dataset a
 * seeded share of orders is made POS (both conventions: core `pos-rest-api`, and the WCPOS plugin's
 * `woocommerce-pos` + `_pos_user` meta), subscription (a customer's first is the parent checkout order,
 * later ones renewals: `created_via: subscription` + `_subscription_renewal`), gets a $0 line, is
 * unpaid (pending / failed / on-hold: the `test` share, WooCommerce has no test orders), cancelled,
 * refunded (partial or full) or in another currency; a share of dataset customers never register and
 * check out as guests (`customer_id: 0`, identity only in the billing email).
 * Same options + seed → identical store and truth.
 */

export interface WooSeedOptions {
  dataset: Dataset;
  maxCustomers?: number;
  shiftDatesTo?: string | Date;
  shares?: Partial<SeedShares & { guestCustomers: number }>;
  seed?: string | number;
  datasetsDir?: string;
}

/** Truth order with what WooCommerce adds: status and created_via. Amounts are in the order's currency. */
export type WooTruthOrder = TruthOrder & { status: WcOrderStatus; createdVia: string };

export interface WooSeedData {
  site: { name: string; currency: string; timeZone: string };
  customers: WcCustomer[];
  orders: WcOrder[];
  truth: SeedTruth & { orders: WooTruthOrder[] };
}

const FIRST = ["Ada", "Bea", "Cole", "Dina", "Eli", "Fay", "Gus", "Hana", "Ivo", "June", "Kai", "Lena", "Milo", "Nia", "Otto", "Pia", "Rey", "Sia", "Tom", "Vera"];
const LAST = ["Abbott", "Baker", "Costa", "Dubois", "Ekberg", "Ferrari", "Gomez", "Holm", "Iqbal", "Jones", "Kowalski", "Larsen", "Moreau", "Novak", "Ortiz", "Pereira", "Quinn", "Reyes", "Silva", "Walsh"];
const FOREIGN: Record<string, string[]> = { USD: ["EUR", "GBP"], GBP: ["EUR"], EUR: ["GBP"] };
const SUBSCRIPTION_PRODUCT = 17;
const FREE_SAMPLE = 18;

export function generateWooSeed(options: WooSeedOptions): WooSeedData {
  const seed = options.seed ?? 1;
  const shares = { ...DEFAULT_SHARES, guestCustomers: 0.05, ...options.shares };
  const random = createRandom(`woo-seed/${options.dataset}/${seed}`);
  const shop = DATASET_SHOPS[options.dataset];
  const site = { name: shop.name, currency: shop.currencyCode, timeZone: shop.ianaTimezone };
  const timed = placeDrafts(datasetDrafts(options.dataset, options.datasetsDir ?? defaultDatasetsDir(), options.maxCustomers, random), site.timeZone, options.shiftDatesTo);
  const latestAt = timed.length > 0 ? timed[timed.length - 1].at : 0;
  const store = new WooStore(createManualClock(latestAt), site.currency);

  const keys = [...new Set(timed.map((t) => t.draft.customerKey).filter((k): k is string => k !== null))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true })
  );
  const names = random.fork("names");
  const guestPick = random.fork("guests");
  const customers = new Map<string, WcCustomer>();
  const guestEmails = new Map<string, string>();
  const tag = options.dataset === "cdnow" ? "cd" : "gr";
  for (const key of keys) {
    const first = names.pick(FIRST);
    const last = names.pick(LAST);
    const email = `${first}.${last}.${tag}${key}@example.com`.toLowerCase();
    if (guestPick.chance(shares.guestCustomers)) {
      guestEmails.set(key, email);
      continue;
    }
    const c = store.createCustomer({ email, firstName: first, lastName: last, username: `${first}${last}${key}`.toLowerCase(), billing: { city: "Springfield", country: "US" } }, false);
    c.createdAt = Number.POSITIVE_INFINITY;
    c.modifiedAt = 0;
    customers.set(key, c);
  }

  const flags = random.fork("flags");
  const details = random.fork("details");
  const subscribed = new Map<number, number>();
  const sources = new Map<number, string>();
  let subscriptionIds = 9000;
  for (const { draft, at } of timed) {
    const customer = draft.customerKey !== null ? customers.get(draft.customerKey) : undefined;
    const guestEmail = draft.customerKey !== null ? guestEmails.get(draft.customerKey) : undefined;
    const unpaid = flags.chance(shares.test);
    const isPos = flags.chance(shares.pos);
    const isSubscription = !isPos && customer !== undefined && flags.chance(shares.subscription);
    const addFree = flags.chance(shares.zeroItem);
    const isCancelled = draft.cancelledSource || flags.chance(shares.cancelled);
    const isRefunded = !isCancelled && !unpaid && flags.chance(shares.refunded);
    const currency = flags.chance(shares.multiCurrency) ? details.pick(FOREIGN[site.currency] ?? ["EUR"]) : site.currency;
    const wcpos = isPos && details.chance(0.5);
    const lines: NewLine[] = draft.lines.map((l) =>
      isSubscription
        ? { productId: SUBSCRIPTION_PRODUCT, quantity: l.quantity, unitPriceCents: l.unitPriceCents }
        : { name: l.title, sku: l.sku ?? undefined, quantity: l.quantity, unitPriceCents: l.unitPriceCents }
    );
    if (addFree) lines.push({ productId: FREE_SAMPLE, quantity: 1, unitPriceCents: 0 });
    const meta: { key: string; value: unknown }[] = [];
    let createdVia = "checkout";
    if (isPos && wcpos) {
      createdVia = "woocommerce-pos";
      meta.push({ key: "_pos_store", value: "0" }, { key: "_pos_user", value: "1" }, { key: "_woocommerce_pos_uuid", value: `${details.int(1e7, 9e7).toString(16)}-sim` });
    } else if (isPos) {
      createdVia = "pos-rest-api";
    } else if (isSubscription) {
      const subscription = subscribed.get(customer!.id);
      if (subscription === undefined) subscribed.set(customer!.id, ++subscriptionIds);
      else {
        createdVia = "subscription";
        meta.push({ key: "_subscription_renewal", value: String(subscription) });
      }
    }
    const status: WcOrderStatus = isCancelled ? "cancelled" : unpaid ? details.pick(["pending", "failed", "on-hold"] as const) : "completed";
    const order = store.buildOrder({
      customerId: customer?.id,
      status,
      currency,
      createdVia,
      createdAt: at,
      billing: customer ? undefined : { email: guestEmail ?? (isPos ? "" : `guest.${draft.source.replace(/[^a-z0-9]/gi, "")}@example.com`.toLowerCase()) },
      lines,
      meta,
      paymentMethod: isPos ? "pos_cash" : details.chance(0.3) ? "cod" : "bacs",
      paymentMethodTitle: isPos ? "Cash" : undefined,
    });
    const capped = (ms: number) => Math.max(at + 60_000, Math.min(ms, latestAt));
    if (order.completedAt !== null) order.completedAt = capped(order.completedAt);
    if (order.paidAt !== null) order.paidAt = capped(order.paidAt);
    order.modifiedAt = Math.max(at, order.completedAt ?? at, order.paidAt ?? at);
    if (isCancelled) order.modifiedAt = capped(at + details.int(3600_000, 72 * 3600_000));
    if (isRefunded && orderTotalCents(order) > 0) {
      const refundAt = capped(at + details.int(86400_000, 30 * 86400_000));
      const paidLines = order.lines.filter((l) => l.totalCents > 0);
      store.insertOrder(order);
      if (details.chance(0.5) && paidLines.length > 0) {
        const line = details.pick(paidLines);
        store.refundOrder(order.id, { lines: [{ lineItemId: line.id, quantity: 1 }], reason: "Returned item", at: refundAt });
      } else {
        store.refundOrder(order.id, { amountCents: orderTotalCents(order), reason: "Full refund", at: refundAt });
      }
    }
    store.insertOrder(order);
    sources.set(order.id, draft.source);
    if (customer) {
      customer.createdAt = Math.min(customer.createdAt, at - details.int(60, 3600) * 1000);
      customer.modifiedAt = Math.max(customer.modifiedAt, order.modifiedAt);
      if (order.paidAt !== null) customer.isPayingCustomer = true;
    }
  }
  const orders = [...store.orders.values()].sort((a, b) => a.id - b.id);
  const customerList = [...store.customers.values()].sort((a, b) => a.id - b.id);
  return { site, customers: customerList, orders, truth: wooTruth(options.dataset, seed, shares, site.currency, customerList, orders, customers, sources) };
}

function wooTruth(
  dataset: Dataset,
  seed: string | number,
  shares: SeedShares,
  currency: string,
  customers: WcCustomer[],
  orders: WcOrder[],
  byKey: Map<string, WcCustomer>,
  sources: Map<number, string>
): SeedTruth & { orders: WooTruthOrder[] } {
  const iso = (ms: number) => new Date(ms).toISOString();
  const sourceOf = new Map([...byKey].map(([key, c]) => [c.id, key]));
  const truthOrders: WooTruthOrder[] = orders.map((o) => {
    const total = orderTotalCents(o);
    const refunded = refundedCents(o);
    return {
      id: String(o.id),
      legacyId: o.id,
      name: `#${o.id}`,
      customerId: o.customerId === 0 ? null : String(o.customerId),
      email: o.billing.email || null,
      createdAt: iso(o.createdAt),
      processedAt: iso(o.createdAt),
      updatedAt: iso(o.modifiedAt),
      cancelledAt: o.status === "cancelled" ? iso(o.modifiedAt) : null,
      test: false,
      pos: o.createdVia === "pos-rest-api" || o.createdVia === "woocommerce-pos",
      subscription: o.lines.some((l) => l.productId === SUBSCRIPTION_PRODUCT),
      sourceName: o.createdVia,
      currency,
      presentmentCurrency: o.currency,
      totalCents: total,
      refundedCents: refunded,
      netCents: total - refunded,
      currentTotalCents: total - refunded,
      lineItems: o.lines.map((l) => {
        const refundedQty = o.refunds.reduce((n, r) => n + r.lines.filter((rl) => rl.lineItemId === l.id).reduce((m, rl) => m + rl.quantity, 0), 0);
        return {
          id: String(l.id),
          title: l.name,
          quantity: l.quantity,
          currentQuantity: l.quantity - refundedQty,
          unitPriceCents: l.quantity === 0 ? 0 : Math.round(l.subtotalCents / l.quantity),
          discountedTotalCents: l.totalCents,
          zeroPrice: l.subtotalCents === 0,
          subscription: l.productId === SUBSCRIPTION_PRODUCT,
        };
      }),
      refunds: o.refunds.map((r) => ({ id: String(r.id), createdAt: iso(r.createdAt), amountCents: r.amountCents })),
      source: sources.get(o.id) ?? "",
      status: o.status,
      createdVia: o.createdVia,
    };
  });
  const ordersByCustomer = new Map<number, string[]>();
  for (const o of orders) {
    if (o.customerId === 0) continue;
    ordersByCustomer.set(o.customerId, [...(ordersByCustomer.get(o.customerId) ?? []), String(o.id)]);
  }
  const truthCustomers: TruthCustomer[] = customers.map((c) => ({
    id: String(c.id),
    legacyId: c.id,
    sourceId: sourceOf.get(c.id) ?? "",
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    createdAt: iso(c.createdAt),
    orderIds: ordersByCustomer.get(c.id) ?? [],
  }));
  const truth = buildTruth(dataset, seed, shares, truthCustomers, truthOrders);
  return { ...truth, orders: truthOrders };
}
