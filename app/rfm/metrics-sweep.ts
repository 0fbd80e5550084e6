/**
 * Metrics at a rising sequence of as-of days, each equal to computeMetrics's for that day, from
 * one pass over the orders in day order instead of one pass over every order per day: the
 * weekly history asks for 51 days in a row (decision 066).
 *
 * Orders enter as the as-of day reaches them; with a lookback window, they leave it as its
 * start passes them, into the "before the window" tallies. A customer's window orders leave
 * earliest first, so the first day left in the window is the customer's next window order.
 */
import { windowStartDay } from "./days";
import { computeMetrics, type CountedOrderColumns, type CustomerMetricColumns } from "./metrics";

export interface MetricsSweep {
  /** computeMetrics(columns, asOfDay, window start) for days given in rising order. */
  at(asOfDay: number): CustomerMetricColumns;
}

const NO_FIRST = 2_147_483_647;
const NO_LAST = -2_147_483_648;

export function metricsSweep(columns: CountedOrderColumns, lookbackDays: number | null): MetricsSweep {
  const { customerCount, customerIndex, day, amountMinor } = columns;
  const n = customerIndex.length;
  if (day.length !== n || amountMinor.length !== n) throw new RangeError("customerIndex, day and amountMinor must have the same length");
  // Sums are exact only in whole numbers; taking an order out again must leave what adding
  // the rest alone would have. Anything else is computed afresh for each day.
  for (let i = 0; i < n; i++) {
    if (!Number.isSafeInteger(amountMinor[i])) return { at: (asOfDay) => computeMetrics(columns, asOfDay, windowStartDay(asOfDay, lookbackDays)) };
    const c = customerIndex[i];
    if (c < 0 || c >= customerCount) throw new RangeError(`order ${i}: customer index ${c} out of range`);
  }

  // Orders by day (counting sort, stable).
  let minDay = NO_FIRST;
  let maxDay = NO_LAST;
  for (let i = 0; i < n; i++) {
    if (day[i] < minDay) minDay = day[i];
    if (day[i] > maxDay) maxDay = day[i];
  }
  const byDay = new Int32Array(n);
  if (n > 0) {
    const starts = new Int32Array(maxDay - minDay + 2);
    for (let i = 0; i < n; i++) starts[day[i] - minDay + 1]++;
    for (let d = 1; d < starts.length; d++) starts[d] += starts[d - 1];
    for (let i = 0; i < n; i++) byDay[starts[day[i] - minDay]++] = i;
  }
  // With a window, each order's next order of the same customer (the window's new first day
  // when an order leaves it).
  const nextOfCustomer = lookbackDays === null ? null : new Int32Array(n);
  if (nextOfCustomer) {
    const later = new Int32Array(customerCount).fill(-1);
    for (let p = n - 1; p >= 0; p--) {
      const i = byDay[p];
      nextOfCustomer[i] = later[customerIndex[i]];
      later[customerIndex[i]] = i;
    }
  }

  // The metrics returned, kept up to date order by order: a customer with window orders shows
  // their tallies, one without shows the tallies of its orders before the window (kept apart).
  const out: CustomerMetricColumns = {
    customerCount,
    inWindow: new Uint8Array(customerCount),
    frequency: new Int32Array(customerCount),
    monetaryMinor: new Float64Array(customerCount),
    firstDay: new Int32Array(customerCount),
    lastDay: new Int32Array(customerCount),
    recencyDays: new Int32Array(customerCount),
    orders: { inWindow: 0, beforeWindow: 0, afterAsOf: 0 },
  };
  const { inWindow, frequency, monetaryMinor, firstDay, lastDay, recencyDays } = out;
  const before = { frequency: new Int32Array(customerCount), monetaryMinor: new Float64Array(customerCount), firstDay: new Int32Array(customerCount).fill(NO_FIRST), lastDay: new Int32Array(customerCount).fill(NO_LAST) };
  const inWindowOrder = new Uint8Array(n);
  /** Order i is (now) before the window; shown when customer c has no window order. */
  const toBefore = (i: number, c: number) => {
    const d = day[i];
    before.frequency[c]++;
    before.monetaryMinor[c] += amountMinor[i];
    if (d < before.firstDay[c]) before.firstDay[c] = d;
    if (d > before.lastDay[c]) before.lastDay[c] = d;
    if (inWindow[c] === 0) {
      frequency[c] = before.frequency[c];
      monetaryMinor[c] = before.monetaryMinor[c];
      firstDay[c] = before.firstDay[c];
      lastDay[c] = before.lastDay[c];
    }
  };
  let entered = 0; // orders of byDay[0 … entered) have arrived: in the window or before it
  let left = 0; // orders of byDay[0 … left) lie before the window
  let ordersInWindow = 0;
  let lastAsOf = NO_LAST;

  return {
    at(asOfDay) {
      if (asOfDay < lastAsOf) throw new RangeError(`as-of days must rise: ${asOfDay} after ${lastAsOf}`);
      lastAsOf = asOfDay;
      const start = windowStartDay(asOfDay, lookbackDays) ?? NO_LAST;
      for (; entered < n && day[byDay[entered]] <= asOfDay; entered++) {
        const i = byDay[entered];
        const c = customerIndex[i];
        const d = day[i];
        if (d < start) {
          toBefore(i, c); // the window's start had passed it already
          continue;
        }
        inWindowOrder[i] = 1;
        ordersInWindow++;
        if (inWindow[c] === 0) {
          inWindow[c] = 1;
          frequency[c] = 1;
          monetaryMinor[c] = 0 + amountMinor[i];
          firstDay[c] = d;
          lastDay[c] = d;
        } else {
          frequency[c]++;
          monetaryMinor[c] += amountMinor[i];
          if (d < firstDay[c]) firstDay[c] = d;
          if (d > lastDay[c]) lastDay[c] = d;
        }
      }
      for (; nextOfCustomer && left < entered && day[byDay[left]] < start; left++) {
        const i = byDay[left];
        if (inWindowOrder[i] === 0) continue; // went straight to before
        inWindowOrder[i] = 0;
        ordersInWindow--;
        const c = customerIndex[i];
        if (--frequency[c] === 0) {
          inWindow[c] = 0;
          toBefore(i, c);
        } else {
          toBefore(i, c);
          monetaryMinor[c] -= amountMinor[i];
          // The customer's window orders leave earliest first: the next one still in the window
          // is now the first (orders the window's start had passed on arrival went to before).
          let next = nextOfCustomer[i];
          while (inWindowOrder[next] === 0) next = nextOfCustomer[next];
          firstDay[c] = day[next];
        }
      }
      for (let c = 0; c < customerCount; c++) recencyDays[c] = frequency[c] > 0 ? asOfDay - lastDay[c] : 0;
      out.orders = { inWindow: ordersInWindow, beforeWindow: entered - ordersInWindow, afterAsOf: n - entered };
      return out;
    },
  };
}
