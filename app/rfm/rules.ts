/**
 * Counting rules: which orders count for RFM, and how much each one is worth.
 *
 * `applyRules` turns canonical orders into counted orders — the compact
 * {customerKey, day, amountMinor} the scorer needs — and explains, rule by rule,
 * what was left out, so a merchant can see why a customer has no persona.
 *
 * Rules run in the fixed order of COUNTING_RULES; the first rule that removes an
 * order gets the credit for it, so every removed order is counted exactly once.
 */
import { windowStartDay } from "./days";
import { shopDayOf } from "./zoned-days";
import type { CanonicalOrder } from "./order";
import type { CountingRules } from "./settings";

/** An order that counts: who bought, on which day of the shop, for how much (net, minor units). */
export interface CountedOrder {
  customerKey: string;
  /** Day number in the shop's time zone (days since 1970-01-01), see zoned-days.ts. */
  day: number;
  amountMinor: number;
}

/** Every reason an order (or line item) does not count, in evaluation order. */
export const COUNTING_RULES = [
  { rule: "noCustomer", label: "No customer id or guest email" },
  { rule: "unreadableDate", label: "Order date unreadable" },
  { rule: "placedAfterAsOf", label: "Placed after the as-of day" },
  { rule: "test", label: "Test orders" },
  { rule: "cancelled", label: "Cancelled orders" },
  { rule: "unpaid", label: "Not a purchase (unpaid)" },
  { rule: "subscriptionOrder", label: "Subscription orders" },
  { rule: "pos", label: "Point-of-sale orders" },
  { rule: "excludedChannel", label: "Excluded sales channels" },
  { rule: "excludedTag", label: "Excluded order tags" },
  { rule: "noItems", label: "Orders without line items" },
  { rule: "subscriptionItems", label: "Subscription line items" },
  { rule: "zeroPriceItems", label: "$0 line items" },
  { rule: "refundedInFull", label: "Refunded in full" },
] as const;

export type CountingRuleId = (typeof COUNTING_RULES)[number]["rule"];

export interface RuleEffect {
  rule: CountingRuleId;
  label: string;
  /** False when the merchant turned the rule off (its figures are then 0). */
  applies: boolean;
  /** Orders this rule removed first. */
  orders: number;
  /** Line items removed from orders (line-level rules only). */
  lineItems: number;
  /** Customers who have no counted order left, every one of their orders removed by this rule. */
  customers: number;
  /** Line-item revenue removed (gross of refunds, minor units). */
  revenueMinor: number;
}

export interface RulesReport {
  asOfDay: number;
  /** Everything received. Revenue is the sum of line item totals (what was paid for items). */
  input: { orders: number; customers: number; revenueMinor: number };
  removed: RuleEffect[];
  /** Partial refunds netted out of orders that still count. */
  refunds: { orders: number; revenueMinor: number };
  /**
   * Counted orders whose amount is unknown in the shop currency (another currency, no rate):
   * counted for recency and frequency, not for spend.
   */
  amountUnknown: { orders: number };
  counted: { orders: number; customers: number; guestCustomers: number; revenueMinor: number };
  /** Customers left without any counted order: they get no persona. */
  customersWithoutCountedOrders: number;
  /** …of which no single rule is responsible (orders removed by two or more rules). */
  customersLostToSeveralRules: number;
  /**
   * Counted orders older than the lookback window. They stay counted: customers whose
   * counted orders all lie here are scored as Lost instead of being dropped.
   */
  lookbackWindow: {
    lookbackDays: number | null;
    startDay: number | null;
    ordersBefore: number;
    revenueBeforeMinor: number;
    customersOnlyBefore: number;
  };
}

export interface ApplyRulesResult {
  /** Counted orders, in input order, including those before the lookback window. */
  counted: CountedOrder[];
  report: RulesReport;
}

const RULE_INDEX = Object.fromEntries(COUNTING_RULES.map((r, i) => [r.rule, i])) as Record<CountingRuleId, number>;

interface CustomerTally {
  counted: number;
  countedInWindow: number;
  /** Bit i set when COUNTING_RULES[i] removed one of this customer's orders. */
  removedBy: number;
  guest: boolean;
}

/**
 * How refunds are netted: refundedMinor is spread over the order's line items in
 * proportion to their totals, and only the counted items' share is subtracted.
 * When every item counts this is exactly `counted − refunded`; when some items were
 * removed (say a subscription item) they take their share of the refund with them.
 * Never below 0. Canonical orders carry no per-line refunds; this is the fair split.
 */
export function refundShare(refundedMinor: number, countedMinor: number, itemsTotalMinor: number): number {
  // Stryker disable next-line EqualityOperator,ConditionalExpression,LogicalOperator: with amounts ≥ 0, a 0 refund or a 0 counted amount comes out 0 from the lines below too
  if (refundedMinor <= 0 || countedMinor <= 0) return 0;
  // Stryker disable next-line EqualityOperator,ConditionalExpression: counted never exceeds the items' total, and at equality both lines give min(refunded, counted) in whole minor units
  if (countedMinor >= itemsTotalMinor) return Math.min(refundedMinor, countedMinor);
  return Math.min(countedMinor, Math.round((refundedMinor * countedMinor) / itemsTotalMinor));
}

/** Which rules apply under the merchant's settings, and an empty report to fill (shared by rules-columns.ts). */
export function startRules(rules: CountingRules, asOfDay: number) {
  const startDay = windowStartDay(asOfDay, rules.lookbackDays);
  const excludedTags = new Set(rules.excludedTags.map((t) => t.toLowerCase()));
  const excludedChannels = new Set(rules.excludedChannels.map((c) => c.toLowerCase()));
  const applies: Record<CountingRuleId, boolean> = {
    noCustomer: true,
    unreadableDate: true,
    placedAfterAsOf: true,
    test: rules.excludeTest,
    cancelled: rules.excludeCancelled,
    // Never paid is never a purchase, whatever the merchant decides about cancellations.
    unpaid: true,
    subscriptionOrder: rules.excludeSubscriptions,
    pos: rules.excludePos,
    excludedChannel: excludedChannels.size > 0,
    excludedTag: excludedTags.size > 0,
    noItems: true,
    subscriptionItems: rules.excludeSubscriptions,
    zeroPriceItems: rules.excludeZeroPriceItems,
    refundedInFull: rules.netRefunds,
  };
  const removed: RuleEffect[] = COUNTING_RULES.map(({ rule, label }) => ({
    rule,
    label,
    applies: applies[rule],
    orders: 0,
    lineItems: 0,
    customers: 0,
    revenueMinor: 0,
  }));
  const report: RulesReport = {
    asOfDay,
    input: { orders: 0, customers: 0, revenueMinor: 0 },
    removed,
    refunds: { orders: 0, revenueMinor: 0 },
    amountUnknown: { orders: 0 },
    counted: { orders: 0, customers: 0, guestCustomers: 0, revenueMinor: 0 },
    customersWithoutCountedOrders: 0,
    customersLostToSeveralRules: 0,
    lookbackWindow: {
      lookbackDays: rules.lookbackDays,
      startDay,
      ordersBefore: 0,
      revenueBeforeMinor: 0,
      customersOnlyBefore: 0,
    },
  };
  return { startDay, excludedTags, excludedChannels, applies, removed, report };
}

export interface ApplyRulesOptions {
  /** The shop's time zone: orders and the as-of instant fall on its days (UTC when absent). */
  timeZone?: string | null;
}

export function applyRules(orders: Iterable<CanonicalOrder>, rules: CountingRules, asOf: Date, options: ApplyRulesOptions = {}): ApplyRulesResult {
  const dayOf = shopDayOf(options.timeZone);
  const asOfDay = dayOf(asOf);
  const { startDay, excludedTags, excludedChannels, applies, removed, report } = startRules(rules, asOfDay);
  const customers = new Map<string, CustomerTally>();
  const counted: CountedOrder[] = [];

  for (const order of orders) {
    let itemsTotal = 0;
    for (const line of order.lineItems) itemsTotal += line.totalMinor;
    report.input.orders++;
    report.input.revenueMinor += itemsTotal;

    const key = order.customerKey;
    let tally: CustomerTally | undefined;
    if (key !== null) {
      tally = customers.get(key);
      if (!tally) customers.set(key, (tally = { counted: 0, countedInWindow: 0, removedBy: 0, guest: order.guest }));
    }
    const removeOrder = (rule: CountingRuleId, revenueMinor: number) => {
      const effect = removed[RULE_INDEX[rule]];
      effect.orders++;
      effect.revenueMinor += revenueMinor;
      if (tally) tally.removedBy |= 1 << RULE_INDEX[rule];
    };

    const day = dayOf(order.processedAt);
    const orderRule = wholeOrderRule(order, day, asOfDay, applies, excludedChannels, excludedTags);
    if (orderRule) {
      removeOrder(orderRule, itemsTotal);
      continue;
    }

    // Line-level rules: subscription items first, then $0 items. An order of unknown amount
    // has no money on its lines (0 means unknown, not free): the $0 rule does not read them.
    const amountUnknown = order.amountUnknown === true;
    let countedMinor = 0;
    let countedLines = 0;
    let afterSubscriptionRule = 0;
    for (const line of order.lineItems) {
      if (applies.subscriptionItems && line.subscription) {
        const effect = removed[RULE_INDEX.subscriptionItems];
        effect.lineItems++;
        effect.revenueMinor += line.totalMinor;
        continue;
      }
      afterSubscriptionRule++;
      if (applies.zeroPriceItems && !amountUnknown && line.totalMinor <= 0) {
        removed[RULE_INDEX.zeroPriceItems].lineItems++;
        continue;
      }
      countedLines++;
      countedMinor += line.totalMinor;
    }
    if (countedLines === 0) {
      // Revenue of the removed lines is already credited line by line.
      removeOrder(afterSubscriptionRule === 0 ? "subscriptionItems" : "zeroPriceItems", 0);
      continue;
    }

    let amountMinor = countedMinor;
    if (amountUnknown) {
      // Its total and refunds are in the order's own currency: only their ratio is read.
      if (applies.refundedInFull && order.refundedMinor > 0 && order.refundedMinor >= order.totalMinor) {
        removeOrder("refundedInFull", 0);
        continue;
      }
      report.amountUnknown.orders++;
    } else if (applies.refundedInFull) {
      const share = refundShare(order.refundedMinor, countedMinor, itemsTotal);
      if (share > 0 && share >= countedMinor) {
        removeOrder("refundedInFull", countedMinor);
        continue;
      }
      if (share > 0) {
        report.refunds.orders++;
        report.refunds.revenueMinor += share;
        amountMinor -= share;
      }
    }

    const customerKey = key!; // orders without a key were removed above
    counted.push({ customerKey, day, amountMinor });
    report.counted.orders++;
    report.counted.revenueMinor += amountMinor;
    tally!.counted++;
    if (startDay !== null && day < startDay) {
      report.lookbackWindow.ordersBefore++;
      report.lookbackWindow.revenueBeforeMinor += amountMinor;
    } else {
      tally!.countedInWindow++;
    }
  }

  report.input.customers = customers.size;
  for (const tally of customers.values()) {
    if (tally.counted > 0) {
      report.counted.customers++;
      if (tally.guest) report.counted.guestCustomers++;
      if (tally.countedInWindow === 0) report.lookbackWindow.customersOnlyBefore++;
      continue;
    }
    report.customersWithoutCountedOrders++;
    const mask = tally.removedBy;
    if (mask !== 0 && (mask & (mask - 1)) === 0) removed[31 - Math.clz32(mask)].customers++;
    else report.customersLostToSeveralRules++;
  }
  return { counted, report };
}

function wholeOrderRule(
  order: CanonicalOrder,
  day: number,
  asOfDay: number,
  applies: Record<CountingRuleId, boolean>,
  excludedChannels: ReadonlySet<string>,
  excludedTags: ReadonlySet<string>,
): CountingRuleId | null {
  if (order.customerKey === null) return "noCustomer";
  if (!Number.isFinite(day)) return "unreadableDate";
  if (day > asOfDay) return "placedAfterAsOf";
  if (applies.test && order.test) return "test";
  if (applies.cancelled && order.cancelled) return "cancelled";
  if (applies.unpaid && order.unpaid === true) return "unpaid";
  if (applies.subscriptionOrder && order.subscription) return "subscriptionOrder";
  if (applies.pos && order.pos) return "pos";
  if (applies.excludedChannel && order.channel !== null && excludedChannels.has(order.channel.toLowerCase())) {
    return "excludedChannel";
  }
  if (applies.excludedTag && order.tags.some((tag) => excludedTags.has(tag.toLowerCase()))) return "excludedTag";
  if (order.lineItems.length === 0) return "noItems";
  return null;
}
