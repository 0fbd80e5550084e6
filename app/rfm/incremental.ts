/**
 * Incremental scoring: keep a shop's scores current one counted-order change at a time,
 * without rescoring every customer.
 *
 *   const state = IncrementalScores.build(columns, settings, asOf)   // one full score, then indexes
 *   const { changed } = state.apply({ customer, before, after })      // one order added / changed / removed
 *   state.setCustomerOrders(customer, orders)                          // or all of one customer's counted orders
 *
 * Invariant (property-tested against scoreCountedOrders): after every change, every
 * customer's R, F, M, FM and persona equal what a full score of the same counted orders
 * as of the same day would give, and `changed` lists exactly the customers whose values
 * differ from before the change — the changed customer and anyone an edge moved across.
 *
 * How: quintile edges are order statistics (decision 002), kept per dimension in a sorted
 * multiset of the window customers' values. A change replaces one customer's values,
 * re-reads the four edges per dimension in O(log n), and when an edge moves from a to b,
 * exactly the customers with a value in [min(a,b), max(a,b)) cross it — found by range.
 * Edges mode: edges never move, only the changed customer is rescored.
 *
 * Days: the state is "as of" one shop day (UTC without a time zone), as a full score is. Recency edges are in days since the last order,
 * so at midnight every recency grows and, with a lookback window, orders leave the window;
 * the state does not follow the clock. Orders dated after the as-of day are ignored, as
 * in a full score. After midnight the caller rebuilds from a full recompute (the daily
 * reconciler); `isAsOf` tells whether the state still describes a given instant.
 *
 * Amounts must be whole minor units (they are, everywhere in the app): sums then stay
 * exact whatever the order of additions, so incremental sums equal a full pass's.
 */
import { NO_PERSONA, scoreCountedOrders, type ScoredCustomerColumns } from "./engine";
import { SortedPairs } from "./incremental-sorted";
import type { CountedOrderColumns } from "./metrics";
import { compilePersonaMap, personaRulesFor, type Persona } from "./personas";
import { balancedEdgesFromCounts, compositeScore, recencyScoreByEdges, scoreByEdges, scoreMetrics, type Edges, type ScoringReport } from "./scoring";
import type { RfmSettings } from "./settings";
import { shopDayOf, type DayOf } from "./zoned-days";

/** The shop's time zone, as given to scoreCountedOrders (days are the shop's days). */
export interface IncrementalOptions {
  timeZone?: string | null;
}

/** Customers, counted orders and revenue per persona (index into `personas`), as a full score reports them. */
export interface PersonaTotals {
  customers: Float64Array;
  orders: Float64Array;
  revenueMinor: Float64Array;
}

/** One counted order as scoring sees it: its UTC day and net counted amount. */
export interface CountedOrderValue {
  day: number;
  amountMinor: number;
}

/**
 * One order's change for one customer: `before` null = a new counted order; `after` null =
 * the order was removed or no longer counts (cancelled, refunded in full, …); both = changed.
 * `customer` may be `customerCount` (the next index) for a customer seen for the first time.
 */
export interface CountedOrderChange {
  customer: number;
  before: CountedOrderValue | null;
  after: CountedOrderValue | null;
}

export interface IncrementalResult {
  /** Customers whose R, F, M, FM or persona changed, ascending. Read the new values from the state. */
  changed: number[];
  /** Dimensions whose edges moved (quantile mode), so more than the changed customer was rescored. */
  edgesMoved: ("r" | "f" | "m")[];
}

type Dim = 0 | 1 | 2; // r, f, m

export class IncrementalScores {
  readonly asOfDay: number;
  readonly startDay: number | null;
  readonly personas: readonly Persona[];
  customerCount: number;

  // Per customer (capacity ≥ customerCount). Metrics mean what computeMetrics's do.
  inWindow: Uint8Array;
  frequency: Int32Array;
  monetaryMinor: Float64Array;
  firstDay: Int32Array;
  lastDay: Int32Array;
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  /** Null unless the settings ask for an FM composite. */
  fm: Uint8Array | null;
  persona: Uint8Array;
  /** Customers per persona (index into `personas`). */
  readonly personaCustomers: Float64Array;

  private readonly dayOf: DayOf;
  private readonly scoring: RfmSettings["scoring"];
  private readonly quantiles: boolean;
  /** Quantile mode: F by the balanced rule (decision 024) rather than plain quintiles. */
  private readonly balancedFrequency: boolean;
  private readonly composite: { f: number; m: number } | null;
  private readonly cells: Uint8Array;
  /** Edges in use: r (days), f, m. */
  private readonly edges: [Edges, Edges, Edges];
  /** Quantile mode: window customers' (recency, frequency, monetary) values. */
  private readonly window: [SortedPairs, SortedPairs, SortedPairs] | null;
  /** Quantile mode with a lookback window: pre-window customers' F and M values (scored by the window's edges). */
  private readonly beforeWindow: [SortedPairs, SortedPairs] | null;
  /** Counted orders grouped by customer (as loaded), then per-customer copies once changed. */
  private readonly orderStart: Int32Array;
  private readonly orderDay: Int32Array;
  private readonly orderAmount: Float64Array;
  private readonly changedOrders = new Map<number, CountedOrderValue[]>();

  private constructor(columns: CountedOrderColumns, settings: RfmSettings, full: ScoredCustomerColumns, options: IncrementalOptions) {
    const n = columns.customerCount;
    this.dayOf = shopDayOf(options.timeZone);
    this.scoring = settings.scoring;
    this.asOfDay = full.report.window.asOfDay;
    this.startDay = full.report.window.startDay;
    const map = compilePersonaMap(personaRulesFor(settings.personas));
    this.personas = map.personas;
    this.cells = map.cells;
    this.customerCount = n;
    this.inWindow = full.metrics.inWindow;
    this.frequency = full.metrics.frequency;
    this.monetaryMinor = full.metrics.monetaryMinor;
    this.firstDay = full.metrics.firstDay;
    this.lastDay = full.metrics.lastDay;
    this.r = full.r;
    this.f = full.f;
    this.m = full.m;
    this.fm = full.fm;
    this.persona = full.persona;
    this.personaCustomers = new Float64Array(map.personas.length);
    for (const [i, p] of full.report.personas.entries()) this.personaCustomers[i] = p.customers;
    this.composite = settings.scoring.composite ?? null;
    this.quantiles = settings.scoring.mode !== "edges";
    this.balancedFrequency = settings.scoring.frequency !== "quintiles";

    // Group orders by customer (counting sort keeps each customer's orders in input order).
    const { customerIndex, day, amountMinor } = columns;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < customerIndex.length; i++) start[customerIndex[i] + 1]++;
    for (let c = 0; c < n; c++) start[c + 1] += start[c];
    const next = start.slice(0, n);
    this.orderDay = new Int32Array(customerIndex.length);
    this.orderAmount = new Float64Array(customerIndex.length);
    for (let i = 0; i < customerIndex.length; i++) {
      const at = next[customerIndex[i]]++;
      this.orderDay[at] = day[i];
      this.orderAmount[at] = amountMinor[i];
    }
    this.orderStart = start;

    if (this.quantiles) {
      const recency = new Float64Array(n);
      for (let c = 0; c < n; c++) recency[c] = this.asOfDay - this.lastDay[c];
      const inWin = (c: number) => this.inWindow[c] === 1;
      const before = (c: number) => this.inWindow[c] === 0 && this.frequency[c] > 0;
      this.window = [sortedBy(recency, n, inWin), sortedBy(this.frequency, n, inWin), sortedBy(this.monetaryMinor, n, inWin)];
      this.beforeWindow = this.startDay === null ? null : [sortedBy(this.frequency, n, before), sortedBy(this.monetaryMinor, n, before)];
      this.edges = [this.quantileEdges(0), this.quantileEdges(1), this.quantileEdges(2)];
    } else {
      const given = settings.scoring.edges!; // settings validation requires all three in edges mode
      this.window = null;
      this.beforeWindow = null;
      this.edges = [given.r as unknown as Edges, given.f as unknown as Edges, given.m as unknown as Edges];
    }
  }

  /** Scores `columns` in full as of `asOf` and indexes the result for changes. */
  static build(columns: CountedOrderColumns, settings: RfmSettings, asOf: Date, options: IncrementalOptions = {}): IncrementalScores {
    return new IncrementalScores(columns, settings, scoreCountedOrders(columns, settings, asOf, options), options);
  }

  /**
   * Indexes a full score already computed (`scored` = scoreCountedOrders(columns, settings, asOf,
   * options)), so a full recompute does not score twice. The state takes `scored`'s arrays over
   * and changes them: the caller must be done with them.
   */
  static fromScored(columns: CountedOrderColumns, scored: ScoredCustomerColumns, settings: RfmSettings, options: IncrementalOptions = {}): IncrementalScores {
    return new IncrementalScores(columns, settings, scored, options);
  }

  /** True while the state describes `instant`'s shop day; otherwise rebuild from a full recompute. */
  isAsOf(instant: Date): boolean {
    return this.dayOf(instant) === this.asOfDay;
  }

  /** Customers, orders and revenue per persona, as the full score's report counts them. */
  personaTotals(): PersonaTotals {
    const k = this.personas.length;
    const out: PersonaTotals = { customers: new Float64Array(k), orders: new Float64Array(k), revenueMinor: new Float64Array(k) };
    for (let c = 0; c < this.customerCount; c++) {
      const p = this.persona[c];
      if (p === NO_PERSONA) continue;
      out.customers[p]++;
      out.orders[p] += this.frequency[c];
      out.revenueMinor[p] += this.monetaryMinor[c];
    }
    return out;
  }

  /**
   * The scoring report a full score would give now (edges, customers per score with their
   * ranges, composite bins): the current edges given to scoreMetrics as fixed edges, which
   * bins every customer exactly as the state has, in O(customers) without sorting.
   */
  scoringReport(): ScoringReport {
    const n = this.customerCount;
    const recencyDays = new Int32Array(n);
    for (let c = 0; c < n; c++) recencyDays[c] = this.frequency[c] > 0 ? this.asOfDay - this.lastDay[c] : 0;
    const metrics = {
      customerCount: n,
      inWindow: this.inWindow.subarray(0, n),
      frequency: this.frequency.subarray(0, n),
      monetaryMinor: this.monetaryMinor.subarray(0, n),
      firstDay: this.firstDay.subarray(0, n),
      lastDay: this.lastDay.subarray(0, n),
      recencyDays,
      orders: { inWindow: 0, beforeWindow: 0, afterAsOf: 0 },
    };
    const [r, f, m] = this.edges;
    const { report } = scoreMetrics(metrics, { ...this.scoring, mode: "edges", edges: { r: [...r], f: [...f], m: [...m] } as never });
    if (this.quantiles) for (const dim of [report.r, report.f, report.m]) dim.mode = "quantiles";
    return report;
  }

  /** Customer c's counted orders (all of them, before / inside / after the window). */
  ordersOf(c: number): CountedOrderValue[] {
    const changed = this.changedOrders.get(c);
    if (changed) return changed.slice();
    if (c >= this.orderStart.length - 1) return [];
    const out: CountedOrderValue[] = [];
    for (let i = this.orderStart[c]; i < this.orderStart[c + 1]; i++) out.push({ day: this.orderDay[i], amountMinor: this.orderAmount[i] });
    return out;
  }

  /** Applies one counted-order change; throws (changing nothing) when `before` is not one of the customer's orders. */
  apply(change: CountedOrderChange): IncrementalResult {
    const { customer: c, before, after } = change;
    this.check(c, [before, after]);
    const orders = this.ordersOf(c);
    if (before) {
      const i = orders.findIndex((o) => o.day === before.day && o.amountMinor === before.amountMinor);
      if (i < 0) throw new RangeError(`customer ${c} has no counted order on day ${before.day} worth ${before.amountMinor}`);
      orders.splice(i, 1);
    }
    if (after) orders.push({ day: after.day, amountMinor: after.amountMinor });
    return this.update(c, orders);
  }

  /**
   * Replaces all of customer c's counted orders: what a caller does when it re-reads one
   * customer's orders from the store after a webhook and applies the merchant's rules to
   * them, rather than knowing which single order changed and how it counted before.
   */
  setCustomerOrders(c: number, orders: readonly CountedOrderValue[]): IncrementalResult {
    this.check(c, orders);
    return this.update(
      c,
      orders.map((o) => ({ day: o.day, amountMinor: o.amountMinor })),
    );
  }

  private check(c: number, orders: readonly (CountedOrderValue | null)[]): void {
    if (!Number.isInteger(c) || c < 0 || c > this.customerCount) {
      throw new RangeError(`customer ${c} outside 0…${this.customerCount} (the next index adds a customer)`);
    }
    for (const value of orders) {
      if (value && !(Number.isInteger(value.day) && Number.isInteger(value.amountMinor) && value.amountMinor >= 0)) {
        throw new RangeError(`customer ${c}: an order needs a whole day and whole minor units ≥ 0`);
      }
    }
  }

  private update(c: number, orders: CountedOrderValue[]): IncrementalResult {
    if (c === this.customerCount) this.addCustomer();
    this.changedOrders.set(c, orders);

    // The customer's old values leave the indexes, the new ones enter.
    this.unindex(c);
    this.setMetrics(c, orders);
    this.index(c);

    const candidates = new Set<number>([c]);
    const edgesMoved: IncrementalResult["edgesMoved"] = [];
    if (this.quantiles) {
      for (const dim of [0, 1, 2] as const) {
        const old = this.edges[dim];
        const now = this.quantileEdges(dim);
        let moved = false;
        for (let k = 0; k < 4; k++) {
          if (old[k] === now[k]) continue;
          moved = true;
          // Exactly the values between the old and the new edge cross it.
          const low = Math.min(old[k], now[k]);
          const high = Math.max(old[k], now[k]);
          const add = (x: number) => void candidates.add(x);
          this.window![dim].forEachInRange(low, high, add);
          if (dim > 0 && this.beforeWindow) this.beforeWindow[dim - 1].forEachInRange(low, high, add);
        }
        if (moved) {
          this.edges[dim] = now;
          edgesMoved.push((["r", "f", "m"] as const)[dim]);
        }
      }
    }

    const changed: number[] = [];
    for (const x of candidates) if (this.rescore(x)) changed.push(x);
    changed.sort((a, b) => a - b);
    return { changed, edgesMoved };
  }

  /** Recomputes customer c's scores and persona from the current edges; true when any changed. */
  private rescore(c: number): boolean {
    let r = 0;
    let f = 0;
    let m = 0;
    let p = NO_PERSONA;
    const orders = this.frequency[c];
    if (orders > 0) {
      f = scoreByEdges(orders, this.edges[1]);
      m = scoreByEdges(this.monetaryMinor[c], this.edges[2]);
      if (this.inWindow[c] === 1) {
        r = recencyScoreByEdges(this.asOfDay - this.lastDay[c], this.edges[0]);
        p = this.cells[(r - 1) * 25 + (f - 1) * 5 + (m - 1)];
      } else {
        r = 1; // outside the window: R = 1, persona from the map like everyone's (decision 024)
        p = this.cells[(f - 1) * 5 + (m - 1)];
      }
    }
    const fm = this.fm && this.composite && orders > 0 ? compositeScore(f, m, this.composite) : 0;
    const same = this.r[c] === r && this.f[c] === f && this.m[c] === m && this.persona[c] === p && (!this.fm || this.fm[c] === fm);
    if (same) return false;
    if (this.persona[c] !== NO_PERSONA) this.personaCustomers[this.persona[c]]--;
    if (p !== NO_PERSONA) this.personaCustomers[p]++;
    this.r[c] = r;
    this.f[c] = f;
    this.m[c] = m;
    this.persona[c] = p;
    if (this.fm) this.fm[c] = fm;
    return true;
  }

  /** Customer c's metrics from its counted orders, exactly as computeMetrics derives them. */
  private setMetrics(c: number, orders: readonly CountedOrderValue[]): void {
    const start = this.startDay ?? -2_147_483_648;
    let inCount = 0;
    let inSum = 0;
    let inLast = -2_147_483_648;
    let preCount = 0;
    let preSum = 0;
    let preLast = -2_147_483_648;
    let inFirst = 2_147_483_647;
    let preFirst = 2_147_483_647;
    for (const { day, amountMinor } of orders) {
      if (day > this.asOfDay) continue;
      if (day >= start) {
        inCount++;
        inSum += amountMinor;
        inLast = Math.max(inLast, day);
        inFirst = Math.min(inFirst, day);
      } else {
        preCount++;
        preSum += amountMinor;
        preLast = Math.max(preLast, day);
        preFirst = Math.min(preFirst, day);
      }
    }
    const inside = inCount > 0;
    this.inWindow[c] = inside ? 1 : 0;
    this.frequency[c] = inside ? inCount : preCount;
    this.monetaryMinor[c] = inside ? inSum : preSum;
    this.lastDay[c] = inside ? inLast : preCount > 0 ? preLast : 0;
    this.firstDay[c] = inside ? inFirst : preCount > 0 ? preFirst : 0;
  }

  private index(c: number): void {
    if (!this.window || this.frequency[c] === 0) return;
    if (this.inWindow[c] === 1) {
      this.window[0].insert(this.asOfDay - this.lastDay[c], c);
      this.window[1].insert(this.frequency[c], c);
      this.window[2].insert(this.monetaryMinor[c], c);
    } else if (this.beforeWindow) {
      this.beforeWindow[0].insert(this.frequency[c], c);
      this.beforeWindow[1].insert(this.monetaryMinor[c], c);
    }
  }

  private unindex(c: number): void {
    if (!this.window || c >= this.customerCount || this.frequency[c] === 0) return;
    if (this.inWindow[c] === 1) {
      this.window[0].remove(this.asOfDay - this.lastDay[c], c);
      this.window[1].remove(this.frequency[c], c);
      this.window[2].remove(this.monetaryMinor[c], c);
    } else if (this.beforeWindow) {
      this.beforeWindow[0].remove(this.frequency[c], c);
      this.beforeWindow[1].remove(this.monetaryMinor[c], c);
    }
  }

  /** Edges of one dimension from the window customers' values, by the rule of decision 002. */
  private quantileEdges(dim: Dim): Edges {
    const list = this.window![dim];
    const n = list.size;
    const threshold = (k: number) => Math.ceil(((k - 1) * n) / 5); // customers below score k's lowest value
    if (dim === 0) {
      if (n === 0) return [-Infinity, -Infinity, -Infinity, -Infinity];
      // R ≥ k exactly when days < the recency at sorted position n − threshold(k).
      const [a, b, c, d] = [5, 4, 3, 2].map((k) => list.at(n - threshold(k)));
      return [a, b, c, d];
    }
    if (n === 0) return [Infinity, Infinity, Infinity, Infinity];
    if (dim === 1 && this.balancedFrequency) {
      // The distinct order counts and their customers: a few steps of O(log n) each.
      const distinct: number[] = [];
      const counts: number[] = [];
      for (let below = 0; below < n; ) {
        const v = list.at(below);
        const upTo = list.countAtMost(v);
        distinct.push(v);
        counts.push(upTo - below);
        below = upTo;
      }
      return balancedEdgesFromCounts(distinct, counts);
    }
    // F, M: the lowest value above the one at sorted position threshold(k) − 1.
    const [a, b, c, d] = [2, 3, 4, 5].map((k) => {
      const atMost = list.countAtMost(list.at(threshold(k) - 1));
      return atMost < n ? list.at(atMost) : Infinity;
    });
    return [a, b, c, d];
  }

  /** Room for customer index customerCount (a customer's first counted order). */
  private addCustomer(): void {
    const need = this.customerCount + 1;
    if (need > this.frequency.length) {
      const capacity = Math.max(16, this.frequency.length * 2);
      this.inWindow = grow(this.inWindow, capacity);
      this.frequency = grow(this.frequency, capacity);
      this.monetaryMinor = grow(this.monetaryMinor, capacity);
      this.firstDay = grow(this.firstDay, capacity);
      this.lastDay = grow(this.lastDay, capacity);
      this.r = grow(this.r, capacity);
      this.f = grow(this.f, capacity);
      this.m = grow(this.m, capacity);
      if (this.fm) this.fm = grow(this.fm, capacity);
      this.persona = grow(this.persona, capacity);
    }
    const c = this.customerCount;
    this.inWindow[c] = 0;
    this.frequency[c] = 0;
    this.monetaryMinor[c] = 0;
    this.firstDay[c] = 0;
    this.lastDay[c] = 0;
    this.r[c] = 0;
    this.f[c] = 0;
    this.m[c] = 0;
    if (this.fm) this.fm[c] = 0;
    this.persona[c] = NO_PERSONA;
    this.customerCount = need;
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(a: T, capacity: number): T {
  const out = new (a.constructor as new (n: number) => T)(capacity);
  out.set(a);
  return out;
}

/** The customers c < n with `include(c)`, sorted by (values[c], c). */
function sortedBy(values: ArrayLike<number>, n: number, include: (c: number) => boolean): SortedPairs {
  const picked: number[] = [];
  for (let c = 0; c < n; c++) if (include(c)) picked.push(c);
  const customers = Int32Array.from(picked);
  // Whole values in a modest range (days, order counts, most spend): a stable counting sort.
  let min = Infinity;
  let max = -Infinity;
  let whole = true;
  for (const c of customers) {
    const x = values[c];
    if (x < min) min = x;
    if (x > max) max = x;
    if (x !== Math.floor(x)) whole = false;
  }
  let sorted: Int32Array;
  if (customers.length > 0 && whole && max - min + 1 <= Math.min(1 << 24, Math.max(1 << 16, 4 * customers.length))) {
    const span = max - min + 1;
    const counts = new Int32Array(span + 1);
    for (const c of customers) counts[values[c] - min + 1]++;
    for (let v = 0; v < span; v++) counts[v + 1] += counts[v];
    sorted = new Int32Array(customers.length);
    for (const c of customers) sorted[counts[values[c] - min]++] = c;
  } else {
    sorted = customers.sort((a, b) => values[a] - values[b] || a - b);
  }
  const sortedValues = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) sortedValues[i] = values[sorted[i]];
  return SortedPairs.fromSorted(sortedValues, sorted);
}
