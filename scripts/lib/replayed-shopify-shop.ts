/**
 * A Shopify simulator shop of any number of customers, built straight into the simulator's
 * model (no HTTP, no per-order control call): the CDNOW purchase log replayed (scripts/lib/cdnow.ts)
 * until N distinct customers have ordered, every order a plain online order of 1–3 lines,
 * dates shifted so the newest falls on yesterday (noon UTC) — a 100k-customer shop loads in
 * seconds. generateSeed stops at CDNOW's 23,570 customers; this keeps its shape past that.
 */
import type { SeedData, SimCustomer, SimOrder } from "../../sim/shopify";
import { buildTruth, DEFAULT_SHARES } from "../../sim/kit/truth";
import { ID_BASES, shopifyTime } from "../../sim/shopify/store";
import { readCdnow, replayCdnow, splitIntoLines, type CdnowRow } from "./cdnow";

const DAY = 86_400_000;
const NAMES = ["Ava", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jack", "Kira", "Liam"];

export function replayedShopifyShop(customers: number, rows: CdnowRow[] = readCdnow(), now = new Date()): SeedData {
  // Take orders until the (N+1)-th customer would appear; every order of those N customers is kept.
  const taken: { customer: string; day: number; cents: number; n: number }[] = [];
  const ids = new Map<string, number>();
  const total = rows.length * (Math.ceil(customers / 20_000) + 2);
  for (const o of replayCdnow(rows, total)) {
    if (!ids.has(o.customer)) {
      if (ids.size === customers) continue;
      ids.set(o.customer, ID_BASES.Customer + ids.size + 1);
    }
    taken.push({ customer: o.customer, day: Math.floor(Date.parse(o.at) / DAY), cents: o.cents, n: o.n });
  }
  if (ids.size < customers) throw new Error(`the replayed log yields only ${ids.size} customers`);
  const newest = taken.reduce((m, o) => Math.max(m, o.day), 0);
  const shift = Math.floor(now.getTime() / DAY) - 1 - newest;
  taken.sort((a, b) => a.day - b.day || a.n - b.n);

  const firstAt = new Map<string, string>();
  const orders: SimOrder[] = [];
  let lineId = ID_BASES.LineItem;
  for (const [i, o] of taken.entries()) {
    const at = shopifyTime((o.day + shift) * DAY + 43_200_000);
    if (!firstAt.has(o.customer)) firstAt.set(o.customer, at);
    orders.push({
      __typename: "Order",
      id: ID_BASES.Order + i + 1,
      number: 1001 + i,
      customerId: ids.get(o.customer)!,
      email: null,
      createdAt: at,
      updatedAt: at,
      processedAt: at,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      test: false,
      sourceName: "web",
      appName: "Online Store",
      retailLocationId: null,
      tags: [],
      presentmentCurrency: "USD",
      presentmentRate: 1,
      shippingCents: 0,
      lineItems: splitIntoLines(o.n, o.cents).map((cents, p) => ({
        id: ++lineId,
        title: `Album ${(o.n + p) % 500}`,
        sku: `CD-${(o.n + p) % 500}`,
        quantity: 1,
        unitPriceCents: cents,
        discountCents: 0,
        sellingPlan: null,
        contractId: null,
        productId: null,
        variantId: null,
      })),
      refunds: [],
    });
  }
  const customerList: SimCustomer[] = [...ids].map(([key, id], i) => ({
    __typename: "Customer",
    id,
    email: `c${key}@example.com`,
    firstName: NAMES[i % NAMES.length],
    lastName: `Replay${i}`,
    phone: null,
    note: null,
    state: "DISABLED",
    tags: [],
    createdAt: firstAt.get(key)!,
    updatedAt: firstAt.get(key)!,
    rfmGroup: null,
  }));
  for (const o of orders) o.email = customerList[o.customerId! - ID_BASES.Customer - 1].email;
  return {
    shop: { name: "Replayed CDNOW Store", currencyCode: "USD", ianaTimezone: "UTC" },
    customers: customerList,
    orders,
    // The truth's per-order detail is for seeds with rule flags; these orders are all plain.
    truth: buildTruth("cdnow", "replayed", { ...DEFAULT_SHARES, pos: 0, subscription: 0, zeroItem: 0, test: 0, cancelled: 0, refunded: 0, multiCurrency: 0 }, [], []),
  };
}
