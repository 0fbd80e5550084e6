/**
 * The counting rules over stored order columns: the same decisions and the same rules
 * report as `applyRules` (rules.ts), fed one stored order at a time as plain numbers —
 * no canonical order object, no line item objects — and producing counted-order columns
 * directly. This is what a database recompute runs on a million orders; `applyRules`
 * stays the readable statement of the rules, and an equivalence test holds the two
 * together (app/scoring/read-path.equivalence.test.ts).
 *
 * Line items are summarised per order: an order whose lines no line rule can drop is
 * described by its line count and items total alone; the others carry `LineStats`.
 */
import { utcDay } from "./days";
import { float64s, int32s } from "./growing";
import { KeyTable } from "./key-table";
import type { CountedOrderColumns } from "./metrics";
import { COUNTING_RULES, refundShare, startRules, type CountingRuleId, type RulesReport } from "./rules";
import type { CountingRules } from "./settings";

/** Whole-order flags of a stored order, as bits. */
export const ORDER_FLAG = {
  test: 1,
  cancelled: 2,
  subscription: 4,
  pos: 8,
  unpaid: 16,
  amountUnknown: 32,
  /** Refunded at least its whole total (in the order's own figures). */
  refundedWholeTotal: 64,
  /** Its customer key is a guest's (read on the order that first names the customer). */
  guestKey: 256,
} as const;

/**
 * An order's line items by what a line rule can do with them. Sums are of line totals.
 * "zero" lines are lines with a total ≤ 0.
 */
export interface LineStats {
  subscriptionLines: number;
  subscriptionMinor: number;
  /** Subscription lines that are also zero lines (the $0 rule sees them when subscriptions count). */
  subscriptionZeroLines: number;
  subscriptionZeroMinor: number;
  /** Zero lines that are not subscription lines. */
  zeroLines: number;
  zeroMinor: number;
}

/** One stored order, as the rules read it. Reused between calls: nothing is kept. */
export interface StoredOrderRow {
  /**
   * The customer key's index in the rules' `keys` table, or -1 when the order has no
   * customer key. Rows come in the order their keys were added, so a new customer's index
   * is the next one.
   */
  customer: number;
  /** Epoch milliseconds; NaN when unreadable. Days are the caller's `dayOf` (the shop's days). */
  processedAtMs: number;
  flags: number;
  refundedMinor: number;
  itemsTotalMinor: number;
  lineCount: number;
  /** Only read when an excluded-channel rule applies. */
  channel: string | null;
  /** Only read when an excluded-tag rule applies. */
  tags: readonly string[];
  /** Only read when a line rule applies; null = every line is a positive, non-subscription line. */
  lines: LineStats | null;
}

const RULE_INDEX = Object.fromEntries(COUNTING_RULES.map((r, i) => [r.rule, i])) as Record<CountingRuleId, number>;

export interface ColumnRulesResult {
  /** Counted orders; customer i is customerKeys[i], indexed in order of first counted order. */
  columns: CountedOrderColumns;
  customerKeys: string[];
  /** Index in `columns` of a customer key; -1 when the customer has no counted order. */
  indexOf: (customerKey: string) => number;
  /** indexOf for a key held in bytes[start, end) as UTF-8 (a page of rows: no string made). */
  indexOfBytes: (bytes: Uint8Array, start: number, end: number) => number;
  /** Customers who ordered but have no counted order (every order left out by a rule), with their guest flag. */
  uncounted: { key: string; guest: boolean }[];
  report: RulesReport;
}

/**
 * Applies the merchant's rules to stored orders fed in the order the object path reads
 * them (order id), so customers and their guest flag are first seen on the same order.
 */
export function createColumnRules(rules: CountingRules, asOfDay: number, dayOf: (epochMs: number) => number = utcDay) {
  const { startDay, excludedChannels, excludedTags, applies, removed, report } = startRules(rules, asOfDay);

  // Per customer (index in keys): tallies as in rules.ts, in growing typed arrays.
  const keys = new KeyTable();
  const guest = int32s();
  const countedOrders = int32s();
  const countedInWindow = int32s();
  const removedBy = int32s();

  const outCustomer = int32s();
  const outDay = int32s();
  const outAmount = float64s();

  const channelVerdicts = new Map<string, boolean>();
  const channelExcluded = (channel: string | null) => {
    if (channel === null) return false;
    let verdict = channelVerdicts.get(channel);
    if (verdict === undefined) channelVerdicts.set(channel, (verdict = excludedChannels.has(channel.toLowerCase())));
    return verdict;
  };

  /** A customer first named by this order: its tallies, the guest flag taken from the order. */
  function firstSeen(c: number, flags: number): void {
    if (c !== guest.length || c >= keys.size) throw new Error(`rules: customer ${c} came out of key order`);
    guest.push(flags & ORDER_FLAG.guestKey ? 1 : 0);
    countedOrders.push(0);
    countedInWindow.push(0);
    removedBy.push(0);
  }

  function wholeOrderRule(o: StoredOrderRow, day: number): CountingRuleId | null {
    const f = o.flags;
    if (o.customer < 0) return "noCustomer";
    if (!Number.isFinite(day)) return "unreadableDate";
    if (day > asOfDay) return "placedAfterAsOf";
    if (applies.test && f & ORDER_FLAG.test) return "test";
    if (applies.cancelled && f & ORDER_FLAG.cancelled) return "cancelled";
    if (f & ORDER_FLAG.unpaid) return "unpaid";
    if (applies.subscriptionOrder && f & ORDER_FLAG.subscription) return "subscriptionOrder";
    if (applies.pos && f & ORDER_FLAG.pos) return "pos";
    if (applies.excludedChannel && channelExcluded(o.channel)) return "excludedChannel";
    if (applies.excludedTag && o.tags.some((tag) => excludedTags.has(tag.toLowerCase()))) return "excludedTag";
    if (o.lineCount === 0) return "noItems";
    return null;
  }

  function removeOrder(c: number, rule: CountingRuleId, revenueMinor: number): void {
    const effect = removed[RULE_INDEX[rule]];
    effect.orders++;
    effect.revenueMinor += revenueMinor;
    if (c >= 0) removedBy.data[c] |= 1 << RULE_INDEX[rule];
  }

  function add(o: StoredOrderRow): void {
    const itemsTotal = o.itemsTotalMinor;
    const c = o.customer;
    if (c >= guest.length) firstSeen(c, o.flags);
    report.input.orders++;
    report.input.revenueMinor += itemsTotal;

    const day = dayOf(o.processedAtMs);
    const orderRule = wholeOrderRule(o, day);
    if (orderRule) return removeOrder(c, orderRule, itemsTotal);

    // Line-level rules: subscription items first, then $0 items (never on an order of
    // unknown amount, whose zeros mean "unknown").
    const amountUnknown = (o.flags & ORDER_FLAG.amountUnknown) !== 0;
    let countedLines = o.lineCount;
    let countedMinor = itemsTotal;
    let afterSubscriptionRule = o.lineCount;
    const lines = o.lines;
    if (lines !== null) {
      const dropSubscriptions = applies.subscriptionItems;
      if (dropSubscriptions && lines.subscriptionLines > 0) {
        const effect = removed[RULE_INDEX.subscriptionItems];
        effect.lineItems += lines.subscriptionLines;
        effect.revenueMinor += lines.subscriptionMinor;
        countedLines -= lines.subscriptionLines;
        countedMinor -= lines.subscriptionMinor;
        afterSubscriptionRule -= lines.subscriptionLines;
      }
      if (applies.zeroPriceItems && !amountUnknown) {
        const zeroLines = lines.zeroLines + (dropSubscriptions ? 0 : lines.subscriptionZeroLines);
        const zeroMinor = lines.zeroMinor + (dropSubscriptions ? 0 : lines.subscriptionZeroMinor);
        removed[RULE_INDEX.zeroPriceItems].lineItems += zeroLines;
        countedLines -= zeroLines;
        countedMinor -= zeroMinor;
      }
    }
    if (countedLines === 0) {
      // Revenue of the removed lines is already credited line by line.
      return removeOrder(c, afterSubscriptionRule === 0 ? "subscriptionItems" : "zeroPriceItems", 0);
    }

    let amountMinor = countedMinor;
    if (amountUnknown) {
      if (applies.refundedInFull && o.flags & ORDER_FLAG.refundedWholeTotal) return removeOrder(c, "refundedInFull", 0);
      report.amountUnknown.orders++;
    } else if (applies.refundedInFull) {
      const share = refundShare(o.refundedMinor, countedMinor, itemsTotal);
      if (share > 0 && share >= countedMinor) return removeOrder(c, "refundedInFull", countedMinor);
      if (share > 0) {
        report.refunds.orders++;
        report.refunds.revenueMinor += share;
        amountMinor -= share;
      }
    }

    outCustomer.push(c);
    outDay.push(day);
    outAmount.push(amountMinor);
    report.counted.orders++;
    report.counted.revenueMinor += amountMinor;
    countedOrders.data[c]++;
    if (startDay !== null && day < startDay) {
      report.lookbackWindow.ordersBefore++;
      report.lookbackWindow.revenueBeforeMinor += amountMinor;
    } else {
      countedInWindow.data[c]++;
    }
  }

  function finish(): ColumnRulesResult {
    if (keys.size !== guest.length) throw new Error(`rules: ${keys.size - guest.length} customer keys came without an order`);
    report.input.customers = keys.size;
    // Customers with a counted order, renumbered in order of their first counted order
    // (as countedOrderColumns numbers them), so customers without one cost nothing later.
    const renumber = new Int32Array(keys.size).fill(-1);
    const customerKeys: string[] = [];
    const n = outCustomer.length;
    const customerIndex = outCustomer.data.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const old = customerIndex[i];
      let c = renumber[old];
      if (c < 0) {
        c = renumber[old] = customerKeys.length;
        customerKeys.push(keys.key(old));
      }
      customerIndex[i] = c;
    }
    const uncounted: ColumnRulesResult["uncounted"] = [];
    for (let c = 0; c < keys.size; c++) {
      if (countedOrders.data[c] > 0) {
        report.counted.customers++;
        if (guest.data[c] === 1) report.counted.guestCustomers++;
        if (countedInWindow.data[c] === 0) report.lookbackWindow.customersOnlyBefore++;
        continue;
      }
      report.customersWithoutCountedOrders++;
      uncounted.push({ key: keys.key(c), guest: guest.data[c] === 1 });
      const mask = removedBy.data[c];
      if (mask !== 0 && (mask & (mask - 1)) === 0) removed[31 - Math.clz32(mask)].customers++;
      else report.customersLostToSeveralRules++;
    }
    return {
      columns: {
        customerCount: customerKeys.length,
        customerIndex: customerIndex.slice(),
        day: outDay.data.slice(0, n),
        amountMinor: outAmount.data.slice(0, n),
      },
      customerKeys,
      indexOf: (key) => {
        const old = keys.indexOf(key);
        return old < 0 ? -1 : renumber[old];
      },
      indexOfBytes: (bytes, start, end) => {
        const old = keys.indexOfBytes(bytes, start, end);
        return old < 0 ? -1 : renumber[old];
      },
      uncounted,
      report,
    };
  }

  /** Which parts of a row the rules will read, so the reader can skip the rest. */
  const reads = {
    channel: applies.excludedChannel,
    tags: applies.excludedTag,
    lines: applies.subscriptionItems || applies.zeroPriceItems,
  };

  return { keys, add, finish, reads };
}
