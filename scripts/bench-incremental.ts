/**
 * npm run bench:incremental [-- --orders 1000000 --events 200 --lookback 0]
 *
 * Freshness after an order: a shop of N counted orders (CDNOW replayed, as bench:recompute)
 * scored in full and indexed in memory, then E orders applied one at a time through the
 * incremental path — mostly returning customers ordering today, some first-time customers,
 * some orders refunded in full. Prints the time from one order to updated scores (p50 / p95 /
 * max), how many customers each order changed, and one full rescore of the same data for
 * comparison. Afterwards the incremental result is checked against a full score of the final
 * orders; the run fails if any customer differs. `--lookback D` scores the last D days only.
 *
 * Timed: `apply` only (metrics of the customer, edges, rescoring those who crossed one). Not
 * timed: reading the customer's orders from the database and writing the changed ones back.
 */
import { arg, peakRssMb, readCdnow, replayCdnow } from "./lib/cdnow";
import { DAY_MS, isoDate, NO_PERSONA, parseSettings, scoreCountedOrders, type CountedOrderColumns } from "../app/rfm/index";
import { IncrementalScores } from "../app/rfm/incremental";

const ORDERS = arg("orders", 1_000_000);
const EVENTS = arg("events", 200);
const LOOKBACK = arg("lookback", 0);

// Seeded, so two runs apply the same orders.
let seed = 2024;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function main() {
  const rows = readCdnow();
  const indexByKey = new Map<string, number>();
  const customerIndex: number[] = [];
  const day: number[] = [];
  const amountMinor: number[] = [];
  let lastDay = 0;
  for (const o of replayCdnow(rows, ORDERS)) {
    let c = indexByKey.get(o.customer);
    if (c === undefined) indexByKey.set(o.customer, (c = indexByKey.size));
    const d = Math.floor(Date.parse(o.at) / DAY_MS);
    customerIndex.push(c);
    day.push(d);
    amountMinor.push(o.cents);
    lastDay = Math.max(lastDay, d);
  }
  const columns = (customerCount: number): CountedOrderColumns => ({
    customerCount,
    customerIndex: Int32Array.from(customerIndex),
    day: Int32Array.from(day),
    amountMinor: Float64Array.from(amountMinor),
  });
  const today = lastDay + 1;
  const asOf = new Date(today * DAY_MS + 10 * 3_600_000);
  const parsed = parseSettings({ rules: { lookbackDays: LOOKBACK > 0 ? LOOKBACK : null } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const settings = parsed.settings;
  const initialCustomers = indexByKey.size;
  console.log(
    `shop: ${initialCustomers.toLocaleString("en")} customers, ${ORDERS.toLocaleString("en")} counted orders (CDNOW replayed), ` +
      `as of ${isoDate(today)}, lookback ${LOOKBACK > 0 ? `${LOOKBACK} days` : "all time"}, quintiles, default map`,
  );

  const fullTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    scoreCountedOrders(columns(initialCustomers), settings, asOf);
    fullTimes.push(performance.now() - t);
  }
  const tBuild = performance.now();
  const state = IncrementalScores.build(columns(initialCustomers), settings, asOf);
  const buildMs = performance.now() - tBuild;

  // The orders: 75 % a returning customer orders today, 15 % a first-time customer, 10 % an
  // earlier order refunded in full (it stops counting).
  const times: number[] = [];
  const changedCounts: number[] = [];
  let edgeMoves = 0;
  let customerCount = initialCustomers;
  const kinds = { returning: 0, first: 0, refunded: 0 };
  for (let e = 0; e < EVENTS; e++) {
    const roll = random();
    const cents = amountMinor[Math.floor(random() * amountMinor.length)];
    let change;
    if (roll < 0.75) {
      const customer = Math.floor(random() * initialCustomers);
      change = { customer, before: null, after: { day: today, amountMinor: cents } };
      customerIndex.push(customer);
      day.push(today);
      amountMinor.push(cents);
      kinds.returning++;
    } else if (roll < 0.9) {
      const customer = customerCount++;
      change = { customer, before: null, after: { day: today, amountMinor: cents } };
      customerIndex.push(customer);
      day.push(today);
      amountMinor.push(cents);
      kinds.first++;
    } else {
      const i = Math.floor(random() * ORDERS);
      change = { customer: customerIndex[i], before: { day: day[i], amountMinor: amountMinor[i] }, after: null };
      // It stops counting: gone from the counted orders the final full score sees.
      const last = customerIndex.length - 1;
      customerIndex[i] = customerIndex[last];
      day[i] = day[last];
      amountMinor[i] = amountMinor[last];
      customerIndex.pop();
      day.pop();
      amountMinor.pop();
      kinds.refunded++;
    }
    const t = performance.now();
    const result = state.apply(change);
    times.push(performance.now() - t);
    changedCounts.push(result.changed.length);
    if (result.edgesMoved.length > 0) edgeMoves++;
  }

  // The promise: equal to a full score of the final orders, customer by customer.
  const full = scoreCountedOrders(columns(customerCount), settings, asOf);
  let differing = 0;
  for (let c = 0; c < customerCount; c++) {
    const p = full.persona[c] === NO_PERSONA ? "-" : full.personas[full.persona[c]].slug;
    const q = state.persona[c] === NO_PERSONA ? "-" : state.personas[state.persona[c]].slug;
    if (full.r[c] !== state.r[c] || full.f[c] !== state.f[c] || full.m[c] !== state.m[c] || p !== q) differing++;
  }

  const ms = (x: number) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(1)} ms`);
  const fullMs = percentile(fullTimes, 0.5);
  console.log(`full rescore (engine, in memory): ${fullMs.toFixed(0)} ms (median of 3); building the incremental indexes once: ${buildMs.toFixed(0)} ms (full score included)`);
  console.log(
    `incremental, ${EVENTS} orders one by one (${kinds.returning} returning, ${kinds.first} first-time, ${kinds.refunded} refunded): ` +
      `order → updated scores p50 ${ms(percentile(times, 0.5))}, p95 ${ms(percentile(times, 0.95))}, max ${ms(Math.max(...times))}; ` +
      `${(fullMs / percentile(times, 0.5)).toFixed(0)}× faster than a full rescore at p50`,
  );
  console.log(
    `customers changed per order: p50 ${percentile(changedCounts, 0.5)}, p95 ${percentile(changedCounts, 0.95)}, max ${Math.max(...changedCounts)}, ` +
      `total ${changedCounts.reduce((a, b) => a + b, 0)}; orders that moved a quintile edge: ${edgeMoves}`,
  );
  console.log(`equal to a full score of the final orders: ${differing === 0 ? "yes" : `NO — ${differing} customers differ`}; peak RSS ${peakRssMb().toFixed(0)} MB`);
  if (differing > 0) process.exitCode = 1;
}

main();
