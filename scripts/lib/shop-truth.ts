/**
 * What a Shopify simulator shop's personas must be, worked out without the app: its orders as
 * the simulator holds them (the truth, webhooks' orders included), read into canonical orders
 * here, scored by the pure engine (`app/rfm`) with the settings a new shop has. Benchmarks
 * compare the app's stored personas and the tags it wrote against this.
 *
 * The reading covers what the benchmarks' shops hold (plain web orders in the shop currency,
 * refunds, cancellations, test and POS orders); a seed with other features needs more here.
 */
import { guestKey, scoreCustomers, type CanonicalOrder } from "../../app/rfm";
import { DEFAULT_SHOP_SETTINGS, rfmPart } from "../../app/settings/shop-settings";
import type { SimShop, SimOrder } from "../../sim/shopify";
import { lineDiscountedTotalCents, refundedCents, totalCents } from "../../sim/shopify/order-math";

const TAG_PREFIX = DEFAULT_SHOP_SETTINGS.writeback.tagPrefix;

export function canonicalOrder(o: SimOrder, currency: string): CanonicalOrder {
  const customerKey = o.customerId != null ? `gid://shopify/Customer/${o.customerId}` : o.email ? guestKey(o.email) : null;
  return {
    platform: "shopify",
    id: `gid://shopify/Order/${o.id}`,
    customerKey,
    guest: o.customerId == null && customerKey != null,
    processedAt: o.processedAt,
    updatedAt: o.updatedAt,
    currency,
    totalMinor: totalCents(o),
    refundedMinor: refundedCents(o),
    lineItems: o.lineItems.map((l) => ({
      id: `gid://shopify/LineItem/${l.id}`,
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceCents,
      totalMinor: lineDiscountedTotalCents(l),
      subscription: l.sellingPlan != null || l.contractId != null,
    })),
    channel: o.sourceName,
    pos: o.sourceName === "pos" || o.retailLocationId != null,
    subscription: false,
    test: o.test,
    cancelled: o.cancelledAt != null,
    tags: o.tags,
  };
}

/** customerKey → persona slug, scored from the simulator's orders as of `asOf`. */
export function expectedPersonas(shop: SimShop, asOf = new Date()): Map<string, string> {
  const info = shop.store.shop;
  const orders = [...shop.store.orders.values()].map((o) => canonicalOrder(o, info.currencyCode));
  const { customers } = scoreCustomers(orders, rfmPart(DEFAULT_SHOP_SETTINGS), asOf, { timeZone: info.ianaTimezone });
  return new Map(customers.map((c) => [c.customerKey, c.persona]));
}

/** customerKey → the persona tags the customer carries in the simulator's store (normally one). */
export function personaTags(shop: SimShop): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const c of shop.store.customers.values()) {
    const ours = ourTags(c.tags);
    if (ours.length) tags.set(`gid://shopify/Customer/${c.id}`, ours);
  }
  return tags;
}

/** One customer's persona tags in the store (none for an unknown customer): for polling a few customers without scanning the shop. */
export function personaTagsOf(shop: SimShop, customerId: number): string[] {
  return ourTags(shop.store.customers.get(customerId)?.tags ?? []);
}

const ourTags = (tags: readonly string[]) => tags.filter((t) => t.startsWith(TAG_PREFIX)).map((t) => t.slice(TAG_PREFIX.length));

export interface PersonaCheck {
  /** Customers the engine gives a persona from the simulator's orders. */
  expected: number;
  /** Customers whose stored persona differs from the expected one (missing or extra included). */
  storedWrong: number;
  /** Customers whose tags in the store are not exactly their expected persona. */
  tagsWrong: number;
  /** A few differences, for the report. */
  examples: string[];
}

/** Expected (engine over the truth) against stored (the app's Customer rows) and written (store tags). */
export function checkPersonas(expected: Map<string, string>, stored: Map<string, string>, tags: Map<string, string[]>): PersonaCheck {
  let storedWrong = 0;
  let tagsWrong = 0;
  const examples: string[] = [];
  const note = (s: string) => examples.length < 5 && examples.push(s);
  for (const key of new Set([...expected.keys(), ...stored.keys(), ...tags.keys()])) {
    const want = expected.get(key);
    const got = stored.get(key);
    const tagged = tags.get(key) ?? [];
    if (got !== want) {
      storedWrong++;
      note(`${key}: expected ${want ?? "none"}, stored ${got ?? "none"}`);
    }
    // Guests cannot carry tags; everyone else carries exactly their persona.
    const wantTags = want && !key.startsWith("email:") ? [want] : [];
    if (tagged.length !== wantTags.length || tagged.some((t, i) => t !== wantTags[i])) {
      tagsWrong++;
      note(`${key}: expected tag ${wantTags[0] ?? "none"}, store has ${tagged.join(",") || "none"}`);
    }
  }
  return { expected: expected.size, storedWrong, tagsWrong, examples };
}
