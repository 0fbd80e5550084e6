import type { Dataset } from "./datasets";

/**
 * What a seeded store really holds, in platform-neutral terms: the answer a test compares the app's
 * stored orders, scores and personas against. Ids are the platform's own (Shopify: GIDs).
 */

/** The seeded share of each kind of order on top of the dataset. */
export interface SeedShares {
  pos: number;
  subscription: number;
  /** Orders that get an extra $0 line item (free sample) on top of the dataset's own $0 rows. */
  zeroItem: number;
  test: number;
  cancelled: number;
  refunded: number;
  /** Orders paid in another presentment currency (shop money stays the shop currency). */
  multiCurrency: number;
}

export const DEFAULT_SHARES: SeedShares = {
  pos: 0.06,
  subscription: 0.05,
  zeroItem: 0.03,
  test: 0.01,
  cancelled: 0.02,
  refunded: 0.05,
  multiCurrency: 0.05,
};

export interface TruthLineItem {
  id: string;
  title: string;
  quantity: number;
  currentQuantity: number;
  unitPriceCents: number;
  discountedTotalCents: number;
  zeroPrice: boolean;
  subscription: boolean;
}

export interface TruthOrder {
  id: string;
  legacyId: number;
  name: string;
  customerId: string | null;
  email: string | null;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  pos: boolean;
  subscription: boolean;
  sourceName: string;
  currency: string;
  presentmentCurrency: string;
  totalCents: number;
  refundedCents: number;
  /** What the shop kept: total − refunds, in shop currency. */
  netCents: number;
  currentTotalCents: number;
  lineItems: TruthLineItem[];
  refunds: { id: string; createdAt: string; amountCents: number }[];
  /** Where the order came from: CDNOW customer id and date, or the retail invoice number. */
  source: string;
}

export interface TruthCustomer {
  id: string;
  legacyId: number;
  sourceId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: string;
  orderIds: string[];
}

export interface TruthCounts {
  customers: number;
  orders: number;
  guestOrders: number;
  lineItems: number;
  pos: number;
  subscription: number;
  test: number;
  cancelled: number;
  refunded: number;
  zeroPriceLineItems: number;
  multiCurrency: number;
}

export interface SeedTruth {
  dataset: Dataset;
  seed: string | number;
  shares: SeedShares;
  customers: TruthCustomer[];
  orders: TruthOrder[];
  counts: TruthCounts;
  /** Sum of order totals in cents (before refunds). */
  totalCents: number;
}

/** Assembles the truth, summing its orders up. */
export function buildTruth(
  dataset: Dataset,
  seed: string | number,
  shares: SeedShares,
  customers: TruthCustomer[],
  orders: TruthOrder[]
): SeedTruth {
  return {
    dataset,
    seed,
    shares,
    customers,
    orders,
    counts: {
      customers: customers.length,
      orders: orders.length,
      guestOrders: orders.filter((o) => o.customerId === null).length,
      lineItems: orders.reduce((n, o) => n + o.lineItems.length, 0),
      pos: orders.filter((o) => o.pos).length,
      subscription: orders.filter((o) => o.subscription).length,
      test: orders.filter((o) => o.test).length,
      cancelled: orders.filter((o) => o.cancelledAt !== null).length,
      refunded: orders.filter((o) => o.refundedCents > 0).length,
      zeroPriceLineItems: orders.reduce((n, o) => n + o.lineItems.filter((l) => l.zeroPrice).length, 0),
      multiCurrency: orders.filter((o) => o.presentmentCurrency !== o.currency).length,
    },
    totalCents: orders.reduce((n, o) => n + o.totalCents, 0),
  };
}
