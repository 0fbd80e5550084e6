/**
 * Per-customer RFM metrics from counted orders, in columns.
 *
 * Built for ~1M customers / ~3M orders per shop: one pass over typed arrays, no
 * object per order or per customer. The object view (`customerMetrics`) is for the
 * few places that want one customer at a time.
 */
import { isoDate } from "./days";

/**
 * Counted orders in columns: order i belongs to customer customerIndex[i]
 * (0 … customerCount − 1), was placed on UTC day day[i] and is worth amountMinor[i]
 * (net, shop currency, minor units). This is what a recompute job loads from the
 * database; `applyRules` + `countedOrderColumns` produce it from canonical orders.
 */
export interface CountedOrderColumns {
  customerCount: number;
  customerIndex: Int32Array;
  day: Int32Array;
  amountMinor: Float64Array;
}

/**
 * Per-customer arrays lent to successive scoring runs over the same customers (the weekly
 * history scores a shop 51 times in a row), so those runs allocate nothing per customer:
 * each run's arrays were garbage as soon as the next began, and a 338k-customer shop's
 * history held ~60 MB of them at a time before a collection (decision 048). What a run
 * returns is valid only until the next run given the same buffers.
 */
export class ScoringBuffers {
  private readonly arrays = new Map<string, Int32Array | Float64Array | Uint8Array>();
  int32(name: string, length: number): Int32Array {
    return this.take(name, length, (n) => new Int32Array(n));
  }
  float64(name: string, length: number): Float64Array {
    return this.take(name, length, (n) => new Float64Array(n));
  }
  uint8(name: string, length: number): Uint8Array {
    return this.take(name, length, (n) => new Uint8Array(n));
  }
  /** The named array, zeroed, `length` long (a view when the one kept is longer). */
  private take<T extends Int32Array | Float64Array | Uint8Array>(name: string, length: number, make: (n: number) => T): T {
    const kept = this.arrays.get(name) as T | undefined;
    if (kept === undefined || kept.length < length) {
      const made = make(length);
      this.arrays.set(name, made);
      return made;
    }
    const view = (kept.length === length ? kept : kept.subarray(0, length)) as T;
    view.fill(0);
    return view;
  }
}

export interface CustomerMetricColumns {
  customerCount: number;
  /**
   * 1 when the customer has a counted order inside the lookback window (metrics then
   * cover only window orders); 0 otherwise — then, if frequency > 0, every counted
   * order lies before the window and the metrics describe that older history.
   */
  inWindow: Uint8Array;
  /** Counted orders; 0 = no counted order (all other fields then mean nothing). */
  frequency: Int32Array;
  monetaryMinor: Float64Array;
  firstDay: Int32Array;
  lastDay: Int32Array;
  /** Whole UTC days from the last counted order to the as-of day. */
  recencyDays: Int32Array;
  orders: { inWindow: number; beforeWindow: number; afterAsOf: number };
}

/** One customer's metrics, in the shape an API or UI wants. */
export interface CustomerMetrics {
  recencyDays: number;
  frequency: number;
  monetaryMinor: number;
  /** UTC date of the first / last counted order, "YYYY-MM-DD". */
  firstOrderAt: string;
  lastOrderAt: string;
  /** Average order value: monetary / frequency, rounded to a minor unit. */
  aovMinor: number;
  /** Days between first and last counted order (0 for a one-day customer). */
  lifetimeDays: number;
}

/**
 * Aggregates counted orders per customer. Orders after the as-of day are ignored
 * (counted in `orders.afterAsOf`): a recompute "as of" a past day must not see the future.
 */
export function computeMetrics(
  columns: CountedOrderColumns,
  asOfDay: number,
  windowStartDay: number | null,
  buffers?: ScoringBuffers,
): CustomerMetricColumns {
  const { customerCount, customerIndex, day, amountMinor } = columns;
  const orderCount = customerIndex.length;
  if (day.length !== orderCount || amountMinor.length !== orderCount) {
    throw new RangeError("customerIndex, day and amountMinor must have the same length");
  }
  const start = windowStartDay ?? -2_147_483_648;
  const window = new Aggregates(customerCount, buffers, "window");
  let before: Aggregates | null = null; // allocated only if some order lies before the window
  let ordersInWindow = 0;
  let ordersBeforeWindow = 0;
  let ordersAfterAsOf = 0;
  for (let i = 0; i < orderCount; i++) {
    const c = customerIndex[i];
    if (c < 0 || c >= customerCount) throw new RangeError(`order ${i}: customer index ${c} out of range`);
    const d = day[i];
    if (d > asOfDay) {
      ordersAfterAsOf++;
    } else if (d >= start) {
      ordersInWindow++;
      window.add(c, d, amountMinor[i]);
    } else {
      ordersBeforeWindow++;
      (before ??= new Aggregates(customerCount, buffers, "before")).add(c, d, amountMinor[i]);
    }
  }

  const inWindow = buffers?.uint8("inWindow", customerCount) ?? new Uint8Array(customerCount);
  const recencyDays = buffers?.int32("recencyDays", customerCount) ?? new Int32Array(customerCount);
  const { frequency, monetaryMinor, firstDay, lastDay } = window;
  for (let c = 0; c < customerCount; c++) {
    if (frequency[c] > 0) {
      inWindow[c] = 1;
    } else if (before !== null && before.frequency[c] > 0) {
      // Only seen before the window: describe that older history (they will be Lost).
      frequency[c] = before.frequency[c];
      monetaryMinor[c] = before.monetaryMinor[c];
      firstDay[c] = before.firstDay[c];
      lastDay[c] = before.lastDay[c];
    } else {
      firstDay[c] = 0;
      lastDay[c] = 0;
      continue;
    }
    recencyDays[c] = asOfDay - lastDay[c];
  }

  return {
    customerCount,
    inWindow,
    frequency,
    monetaryMinor,
    firstDay,
    lastDay,
    recencyDays,
    orders: { inWindow: ordersInWindow, beforeWindow: ordersBeforeWindow, afterAsOf: ordersAfterAsOf },
  };
}

/** Running per-customer sums; first/last start at the extremes so updates need no "first order?" branch. */
class Aggregates {
  readonly frequency: Int32Array;
  readonly monetaryMinor: Float64Array;
  readonly firstDay: Int32Array;
  readonly lastDay: Int32Array;
  constructor(customerCount: number, buffers: ScoringBuffers | undefined, name: string) {
    this.frequency = buffers?.int32(`${name}.frequency`, customerCount) ?? new Int32Array(customerCount);
    this.monetaryMinor = buffers?.float64(`${name}.monetaryMinor`, customerCount) ?? new Float64Array(customerCount);
    this.firstDay = (buffers?.int32(`${name}.firstDay`, customerCount) ?? new Int32Array(customerCount)).fill(2_147_483_647);
    this.lastDay = (buffers?.int32(`${name}.lastDay`, customerCount) ?? new Int32Array(customerCount)).fill(-2_147_483_648);
  }
  add(c: number, d: number, amountMinor: number): void {
    this.frequency[c]++;
    this.monetaryMinor[c] += amountMinor;
    this.firstDay[c] = Math.min(this.firstDay[c], d);
    this.lastDay[c] = Math.max(this.lastDay[c], d);
  }
}

/** The object view of customer c; null when the customer has no counted order. */
export function customerMetrics(metrics: CustomerMetricColumns, c: number): CustomerMetrics | null {
  const frequency = metrics.frequency[c];
  if (frequency === 0) return null;
  return {
    recencyDays: metrics.recencyDays[c],
    frequency,
    monetaryMinor: metrics.monetaryMinor[c],
    firstOrderAt: isoDate(metrics.firstDay[c]),
    lastOrderAt: isoDate(metrics.lastDay[c]),
    aovMinor: Math.round(metrics.monetaryMinor[c] / frequency),
    lifetimeDays: metrics.lastDay[c] - metrics.firstDay[c],
  };
}

/**
 * Counted orders (objects keyed by customer) → columns. Customers are indexed in
 * order of first appearance; `customerKeys[i]` is customer i.
 */
export function countedOrderColumns(
  orders: ReadonlyArray<{ customerKey: string; day: number; amountMinor: number }>,
): { columns: CountedOrderColumns; customerKeys: string[] } {
  const indexByKey = new Map<string, number>();
  const customerKeys: string[] = [];
  const customerIndex = new Int32Array(orders.length);
  const day = new Int32Array(orders.length);
  const amountMinor = new Float64Array(orders.length);
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    let c = indexByKey.get(order.customerKey);
    if (c === undefined) {
      c = customerKeys.length;
      indexByKey.set(order.customerKey, c);
      customerKeys.push(order.customerKey);
    }
    customerIndex[i] = c;
    day[i] = order.day;
    amountMinor[i] = order.amountMinor;
  }
  return { columns: { customerCount: customerKeys.length, customerIndex, day, amountMinor }, customerKeys };
}

/**
 * Merges a customer's counted orders placed on the same UTC day into one order
 * (amounts summed). For sources that log one row per purchase line, like CDNOW,
 * where "orders" on one day are really one shopping trip. Keeps first-seen order.
 */
export function mergeSameDayOrders(columns: CountedOrderColumns): CountedOrderColumns {
  const { customerIndex, day, amountMinor } = columns;
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < day.length; i++) {
    if (day[i] < minDay) minDay = day[i];
    if (day[i] > maxDay) maxDay = day[i];
  }
  const span = maxDay - minDay + 1;
  const slotByKey = new Map<number, number>();
  const outCustomer = new Int32Array(day.length);
  const outDay = new Int32Array(day.length);
  const outAmount = new Float64Array(day.length);
  let n = 0;
  for (let i = 0; i < day.length; i++) {
    const key = customerIndex[i] * span + (day[i] - minDay);
    const slot = slotByKey.get(key);
    if (slot !== undefined) {
      outAmount[slot] += amountMinor[i];
      continue;
    }
    slotByKey.set(key, n);
    outCustomer[n] = customerIndex[i];
    outDay[n] = day[i];
    outAmount[n] = amountMinor[i];
    n++;
  }
  return {
    customerCount: columns.customerCount,
    customerIndex: outCustomer.slice(0, n),
    day: outDay.slice(0, n),
    amountMinor: outAmount.slice(0, n),
  };
}
