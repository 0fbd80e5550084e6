/**
 * Scores 1–5 for recency, frequency and monetary.
 *
 * Quintiles ("quantiles" mode) use one rule, chosen so that equal values ALWAYS
 * share a score and the result never depends on input order:
 *
 *     score(v) = floor(5 · L(v) / n) + 1,   L(v) = customers whose value is strictly less than v
 *
 * (pandas: floor(5 · (rank(method="min") − 1) / n) + 1). Recency is reversed: L counts
 * customers with strictly MORE days since their last order, so the most recent get 5.
 * Ties never straddle a cut, so bins can be uneven or even empty — e.g. when half the
 * customers ordered once, they all get F = 1 and F = 2 stays empty. The report says so.
 *
 * Both modes end as four edges with the bin rule lower ≤ x < upper:
 *   F, M: score = 1 + (number of edges ≤ x)        (below e1 → 1, ≥ e4 → 5)
 *   R:    score = 5 − (number of edges ≤ days)     (fewer days than e1 → 5, ≥ e4 → 1)
 * In quantiles mode the edges are computed from the customers in the lookback window
 * and are actual customer values; scoring by them reproduces the formula above exactly.
 */
import type { CustomerMetricColumns, ScoringBuffers } from "./metrics";
import type { Score } from "./personas";
import type { ScoringSettings } from "./settings";

export type Dimension = "r" | "f" | "m";
/** Four non-decreasing thresholds; +Infinity marks scores nobody reaches. */
export type Edges = readonly [number, number, number, number];

/** F and M: 1 + number of edges ≤ x. */
export function scoreByEdges(x: number, edges: Edges): Score {
  return (1 + +(x >= edges[0]) + +(x >= edges[1]) + +(x >= edges[2]) + +(x >= edges[3])) as Score;
}

/** R: fewer days is better, so 5 − number of edges ≤ days. */
export function recencyScoreByEdges(days: number, edges: Edges): Score {
  return (6 - scoreByEdges(days, edges)) as Score;
}

/**
 * Rearranges a[left…right] so that a[k] holds the value it would have if sorted, with
 * smaller-or-equal values before it and larger-or-equal after. Floyd–Rivest selection
 * (as in the "quickselect" package): linear time on average, robust to heavy ties.
 * Quintiles need only four order statistics, so this beats sorting a million values.
 */
function selectInPlace(a: Float64Array, k: number, left: number, right: number): void {
  // Stryker disable next-line EqualityOperator: with left = right the body at most swaps two values inside the caller's range, then ends the loop
  while (right > left) {
    // The sampling step only chooses the pivot: the recursive call below permutes values
    // inside [left, right] (its bounds are clamped to them; NaN or crossed bounds make it a
    // no-op), and the partition after it is exact for any pivot. Mutating how the sample
    // is sized or centred changes speed, never the result.
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: sampling first is a speed choice (see above)
    if (right - left > 600) {
      // Recurse on a small sample around k first, so the pivot below lands close to k.
      // Stryker disable next-line ArithmeticOperator: sizes the sample only (see above)
      const n = right - left + 1;
      // Stryker disable next-line ArithmeticOperator: centres the sample only (see above)
      const m = k - left + 1;
      const z = Math.log(n);
      // Stryker disable next-line ArithmeticOperator: sizes the sample only (see above)
      const s = 0.5 * Math.exp((2 * z) / 3);
      // Stryker disable next-line ArithmeticOperator,ConditionalExpression,EqualityOperator,UnaryOperator: centres the sample only (see above)
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      // Stryker disable next-line ArithmeticOperator: moves the sample's ends only; the clamps to [left, right] stay tested
      selectInPlace(a, k, Math.max(left, Math.floor(k - (m * s) / n + sd)), Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)));
    }
    const t = a[k];
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right] > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i] < t) i++;
      while (a[j] > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * The values at ascending sorted positions `positions` (themselves ascending), as if
 * `scratch` were sorted, and for each the smallest value strictly above it (+Infinity if
 * none); may reorder `scratch`. Whole numbers in a modest range (recency days, order
 * counts, most spend in cents) are counted in a histogram — one pass; anything else goes
 * through selection plus one scan.
 */
/**
 * Lowest and highest value, and whether all are whole numbers: whether a histogram can count
 * them. Both callers fall back to an exact path (selection, sorting) when it cannot.
 */
function valueSpan(scratch: Float64Array): { min: number; max: number; whole: boolean } {
  const n = scratch.length;
  let min = Infinity;
  // Stryker disable next-line UnaryOperator: a maximum stuck at +Infinity only sends every input down the exact fallback
  let max = -Infinity;
  // Stryker disable next-line BooleanLiteral: false only sends every input down the exact fallback
  let whole = true;
  // Stryker disable next-line EqualityOperator: reading past the end makes `whole` false, and the fallback is exact too
  for (let i = 0; i < n; i++) {
    const x = scratch[i];
    // Stryker disable next-line EqualityOperator: an equal value leaves the minimum the same
    if (x < min) min = x;
    // Stryker disable next-line EqualityOperator: an equal value leaves the maximum the same
    if (x > max) max = x;
    // Stryker disable next-line ConditionalExpression: clearing `whole` only sends the input down the exact fallback
    if (x !== Math.floor(x)) whole = false;
  }
  return { min, max, whole };
}

function orderStatistics(scratch: Float64Array, positions: readonly number[]): { at: number[]; above: number[] } {
  const n = scratch.length;
  const { min, max, whole } = valueSpan(scratch);
  const span = max - min + 1;
  // Stryker disable next-line EqualityOperator,MethodExpression,ArithmeticOperator,ConditionalExpression,BlockStatement: the histogram and the selection are both exact; which one runs is a speed choice
  if (whole && span <= Math.min(1 << 24, Math.max(1 << 16, 2 * n))) {
    const counts = new Int32Array(span);
    for (let i = 0; i < n; i++) counts[(scratch[i] - min) | 0]++;
    const at: number[] = [];
    const above: number[] = [];
    let seen = 0; // values below v
    let v = 0;
    for (const p of positions) {
      while (seen + counts[v] <= p) seen += counts[v++];
      at.push(v + min);
      let next = v + 1;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: past the histogram's end counts[next] is undefined, not 0, so the scan stops at span either way
      while (next < span && counts[next] === 0) next++;
      above.push(next < span ? next + min : Infinity);
    }
    return { at, above };
  }
  let left = 0;
  const at = positions.map((p) => {
    selectInPlace(scratch, p, left, n - 1);
    left = p; // everything before p is ≤ scratch[p]: later (larger) positions lie to the right
    return scratch[p];
  });
  const above = at.map(() => Infinity);
  // Stryker disable next-line EqualityOperator: past the end x is undefined and every comparison with it is false
  for (let i = 0; i < n; i++) {
    const x = scratch[i];
    // Stryker disable next-line EqualityOperator: past the end at[k] is undefined (comparison false); x equal to above[k] stores the same value
    for (let k = 0; k < at.length; k++) if (x > at[k] && x < above[k]) above[k] = x;
  }
  return { at, above };
}

/** Smallest count L such that score ≥ k, for k = 2…5: ceil((k − 1) · n / 5). */
function thresholdCount(k: number, n: number): number {
  return Math.ceil(((k - 1) * n) / 5);
}

/**
 * Quintile edges for F or M: edge k−1 is the lowest value that earns score k — the first
 * value above the one at sorted position ceil((k−1)·n/5) − 1 — or +Infinity when none does.
 */
export function quintileEdges(values: ArrayLike<number>): Edges {
  return quintileEdgesInPlace(Float64Array.from(values));
}

function quintileEdgesInPlace(scratch: Float64Array): Edges {
  const n = scratch.length;
  if (n === 0) return [Infinity, Infinity, Infinity, Infinity];
  const { above } = orderStatistics(scratch, [2, 3, 4, 5].map((k) => thresholdCount(k, n) - 1));
  return [above[0], above[1], above[2], above[3]];
}

/**
 * Frequency edges by the balanced rule (decision 024), from the distinct order counts of the
 * window's customers (ascending) and how many customers have each. Ties stay together, as in
 * quintiles, but no score is left empty while there are order counts to fill it:
 *   - five or fewer distinct counts: each count is its own score, from F1 up (F1 = 1 order,
 *     F2 = 2 orders, …); the scores above the highest count stay empty;
 *   - more: scores are filled from F1 up; each takes the next order count, then further counts
 *     while that brings it closer to its share of the customers left (customers left ÷ scores
 *     left), but leaves at least one order count for every higher score.
 * On skewed data (most customers ordered once) F1 is "1 order" and F2–F5 share the repeat
 * buyers, e.g. 1 · 2 · 3 · 4–5 · 6+ orders; on even data it is about a quintile each.
 */
export function balancedEdgesFromCounts(distinct: ArrayLike<number>, counts: ArrayLike<number>): Edges {
  const k = distinct.length;
  const edges: number[] = [Infinity, Infinity, Infinity, Infinity];
  if (k <= 5) {
    for (let j = 1; j < k; j++) edges[j - 1] = distinct[j];
    return edges as unknown as Edges;
  }
  let n = 0;
  for (let i = 0; i < k; i++) n += counts[i];
  let start = 0; // first order count of the score being filled
  let below = 0; // customers in lower scores
  for (let score = 1; score <= 4; score++) {
    // The next order count joins while that brings the score closer to its share, (n − below) / (6 − score):
    // |taken + c − share| < |taken − share| ⇔ (2·taken + c)·(6 − score) < 2·(n − below), in whole numbers.
    const scoresLeft = 6 - score;
    let i = start;
    let taken = counts[i++];
    while (i < k && (2 * taken + counts[i]) * scoresLeft < 2 * (n - below)) taken += counts[i++];
    // Leave one order count for each of the 5 − score higher scores.
    const end = Math.min(i, k - (5 - score));
    for (let j = start; j < end; j++) below += counts[j];
    edges[score - 1] = distinct[end];
    start = end;
  }
  return edges as unknown as Edges;
}

/** Balanced frequency edges (balancedEdgesFromCounts) from the window customers' order counts. */
export function balancedFrequencyEdges(values: ArrayLike<number>): Edges {
  const { distinct, counts } = distinctCounts(Float64Array.from(values));
  return balancedEdgesFromCounts(distinct, counts);
}

/** Ascending distinct values and how often each occurs; may reorder `scratch`. */
function distinctCounts(scratch: Float64Array): { distinct: number[]; counts: number[] } {
  const n = scratch.length;
  const distinct: number[] = [];
  const counts: number[] = [];
  if (n === 0) return { distinct, counts };
  const { min, max, whole } = valueSpan(scratch);
  const span = max - min + 1;
  // Order counts are small whole numbers: one counting pass; anything else is sorted.
  if (whole && span <= Math.max(1 << 16, 2 * n)) {
    const histogram = new Int32Array(span);
    for (let i = 0; i < n; i++) histogram[scratch[i] - min]++;
    for (let v = 0; v < span; v++) {
      if (histogram[v] > 0) {
        distinct.push(v + min);
        counts.push(histogram[v]);
      }
    }
    return { distinct, counts };
  }
  scratch.sort();
  for (let i = 0; i < n; i++) {
    if (i > 0 && scratch[i] === scratch[i - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(scratch[i]);
      counts.push(1);
    }
  }
  return { distinct, counts };
}

/**
 * Quintile edges for R, in days: R ≥ k exactly when days < edge[5 − k], and that edge
 * is the recency at sorted position n − ceil((k−1)·n/5) — the freshest value that
 * already misses score k.
 */
export function recencyQuintileEdges(recencyDays: ArrayLike<number>): Edges {
  return recencyQuintileEdgesInPlace(Float64Array.from(recencyDays));
}

function recencyQuintileEdgesInPlace(scratch: Float64Array): Edges {
  const n = scratch.length;
  // Stryker disable next-line UnaryOperator: with nobody in the window no one is scored by these edges, and the report shows a non-finite edge as null either way
  if (n === 0) return [-Infinity, -Infinity, -Infinity, -Infinity];
  const [e0, e1, e2, e3] = orderStatistics(scratch, [5, 4, 3, 2].map((k) => n - thresholdCount(k, n))).at;
  return [e0, e1, e2, e3];
}

/** Weighted FM composite: round((wF·F + wM·M) / (wF + wM)), halves round up. */
export function compositeScore(f: number, m: number, weights: { f: number; m: number }): Score {
  const mean = (weights.f * f + weights.m * m) / (weights.f + weights.m);
  // The epsilon keeps 3.4999999… (from weights like 0.1/0.2) from rounding the wrong way.
  return Math.min(5, Math.max(1, Math.floor(mean + 0.5 + 1e-9))) as Score;
}

export interface ScoreBin {
  score: Score;
  customers: number;
  /** Lowest and highest metric value among those customers (null for an empty bin). */
  min: number | null;
  max: number | null;
}

export interface DimensionReport {
  dimension: Dimension;
  mode: "quantiles" | "edges";
  /** Edges used (lower ≤ x < upper; reversed for R); null where no value reaches that score. */
  edges: (number | null)[];
  /** Customers per score 1…5 among those scored in the lookback window, empty bins included. */
  bins: ScoreBin[];
}

export interface ScoringReport {
  /** Customers with counted orders in the lookback window: the quintile population. */
  customersScored: number;
  /** Customers whose counted orders all lie before the window: R = 1, F and M by the same edges. */
  customersBeforeWindow: number;
  r: DimensionReport;
  f: DimensionReport;
  m: DimensionReport;
  composite: { weights: { f: number; m: number }; bins: { score: Score; customers: number }[] } | null;
}

export interface ScoreColumns {
  /** 0 for customers without a counted order. */
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  /** Weighted FM composite when configured. */
  fm: Uint8Array | null;
  report: ScoringReport;
}

/** Scores every customer with a counted order; see the module comment for the rules. */
export function scoreMetrics(metrics: CustomerMetricColumns, scoring: ScoringSettings, buffers?: ScoringBuffers): ScoreColumns {
  const { customerCount, inWindow, frequency } = metrics;
  const population = windowPopulation(metrics, buffers);
  const useEdges = scoring.mode === "edges";
  const edgesFor = (dim: Dimension): Edges => {
    const given = scoring.edges?.[dim];
    if (useEdges && given) return given as unknown as Edges;
    // The gathered arrays are ours to reorder.
    if (dim === "r") return recencyQuintileEdgesInPlace(population.days);
    if (dim === "m") return quintileEdgesInPlace(population.monetary);
    if (scoring.frequency === "quintiles") return quintileEdgesInPlace(population.frequency);
    const { distinct, counts } = distinctCounts(population.frequency);
    return balancedEdgesFromCounts(distinct, counts);
  };
  const rEdges = edgesFor("r");
  const fEdges = edgesFor("f");
  const mEdges = edgesFor("m");

  const r = buffers?.uint8("r", customerCount) ?? new Uint8Array(customerCount);
  const f = buffers?.uint8("f", customerCount) ?? new Uint8Array(customerCount);
  const m = buffers?.uint8("m", customerCount) ?? new Uint8Array(customerCount);
  const tally = new BinTally();
  assignScores(metrics, rEdges, fEdges, mEdges, r, f, m, tally);

  let fm: Uint8Array | null = null;
  if (scoring.composite) {
    fm = buffers?.uint8("fm", customerCount) ?? new Uint8Array(customerCount);
    // Only 25 (F, M) pairs: look them up instead of dividing per customer.
    const table = new Uint8Array(36);
    for (let a = 1; a <= 5; a++) for (let b = 1; b <= 5; b++) table[a * 6 + b] = compositeScore(a, b, scoring.composite);
    // Stryker disable next-line EqualityOperator,ConditionalExpression: a customer without orders has F = M = 0 and table[0] is 0, what fm already holds; past the end, typed-array writes are dropped
    for (let c = 0; c < customerCount; c++) if (frequency[c] > 0) fm[c] = table[f[c] * 6 + m[c]];
  }

  const mode = useEdges ? "edges" : "quantiles";
  const report: ScoringReport = {
    customersScored: population.days.length,
    customersBeforeWindow: population.beforeWindow,
    r: dimensionReport("r", mode, rEdges, tally, 0),
    f: dimensionReport("f", mode, fEdges, tally, 1),
    m: dimensionReport("m", mode, mEdges, tally, 2),
    composite: null,
  };
  // Stryker disable next-line LogicalOperator: fm is non-null exactly when the composite is set
  if (fm && scoring.composite) {
    const counts = [0, 0, 0, 0, 0];
    // Stryker disable next-line EqualityOperator: past the end inWindow[c] is undefined, not 1
    for (let c = 0; c < customerCount; c++) if (inWindow[c] === 1) counts[fm[c] - 1]++;
    report.composite = {
      weights: { ...scoring.composite },
      bins: counts.map((customers, i) => ({ score: (i + 1) as Score, customers })),
    };
  }
  return { r, f, m, fm, report };
}

// The hot loops live in small functions of their own: V8 optimises those far better
// than one long function entered once (measured: ~2× on a million customers).

/** Metric values of the customers in the lookback window: the quintile population. */
function windowPopulation(metrics: CustomerMetricColumns, buffers?: ScoringBuffers): {
  days: Float64Array;
  frequency: Float64Array;
  monetary: Float64Array;
  beforeWindow: number;
} {
  const { customerCount, inWindow, frequency, monetaryMinor, recencyDays } = metrics;
  let n = 0;
  let beforeWindow = 0;
  // Stryker disable next-line EqualityOperator: past the end inWindow[c] and frequency[c] are undefined: neither test passes
  for (let c = 0; c < customerCount; c++) {
    if (inWindow[c] === 1) n++;
    else if (frequency[c] > 0) beforeWindow++;
  }
  const days = buffers?.float64("population.days", n) ?? new Float64Array(n);
  const freq = buffers?.float64("population.frequency", n) ?? new Float64Array(n);
  const money = buffers?.float64("population.monetary", n) ?? new Float64Array(n);
  // Stryker disable next-line EqualityOperator: past the end inWindow[c] is undefined, not 1, so the customer is skipped
  for (let c = 0, i = 0; c < customerCount; c++) {
    if (inWindow[c] !== 1) continue;
    days[i] = recencyDays[c];
    freq[i] = frequency[c];
    money[i] = monetaryMinor[c];
    i++;
  }
  return { days, frequency: freq, monetary: money, beforeWindow };
}

function assignScores(
  metrics: CustomerMetricColumns,
  rEdges: Edges,
  fEdges: Edges,
  mEdges: Edges,
  r: Uint8Array,
  f: Uint8Array,
  m: Uint8Array,
  tally: BinTally,
): void {
  const { customerCount, inWindow, frequency, monetaryMinor, recencyDays } = metrics;
  const [f0, f1, f2, f3] = fEdges;
  const [m0, m1, m2, m3] = mEdges;
  const [r0, r1, r2, r3] = rEdges;
  const { customers, min, max } = tally;
  // Stryker disable next-line EqualityOperator: past the end the customer is not in the window and typed-array writes are dropped
  for (let c = 0; c < customerCount; c++) {
    const orders = frequency[c];
    if (orders === 0) continue;
    const spend = monetaryMinor[c];
    // scoreByEdges / recencyScoreByEdges, inlined. +(a >= b) compiles without branches;
    // a ternary here costs ~5× more on random data (mispredicted jumps).
    const fs = +(orders >= f0) + +(orders >= f1) + +(orders >= f2) + +(orders >= f3);
    const ms = +(spend >= m0) + +(spend >= m1) + +(spend >= m2) + +(spend >= m3);
    f[c] = fs + 1;
    m[c] = ms + 1;
    if (inWindow[c] !== 1) {
      r[c] = 1; // only seen before the window: Lost, whatever their old recency
      continue;
    }
    const days = recencyDays[c];
    const rs = 4 - +(days >= r0) - +(days >= r1) - +(days >= r2) - +(days >= r3);
    r[c] = rs + 1;
    // Bin sizes describe the quintile population: customers in the window. Slot = dimension·5 + score − 1.
    customers[rs]++;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's minimum the same
    if (days < min[rs]) min[rs] = days;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's maximum the same
    if (days > max[rs]) max[rs] = days;
    const fi = 5 + fs;
    customers[fi]++;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's minimum the same
    if (orders < min[fi]) min[fi] = orders;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's maximum the same
    if (orders > max[fi]) max[fi] = orders;
    const mi = 10 + ms;
    customers[mi]++;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's minimum the same
    if (spend < min[mi]) min[mi] = spend;
    // Stryker disable next-line EqualityOperator: an equal value leaves the bin's maximum the same
    if (spend > max[mi]) max[mi] = spend;
  }
}

/** Customers, lowest and highest value per dimension (R, F, M) and score: slot = dimension·5 + score − 1. */
class BinTally {
  readonly customers = new Float64Array(15);
  readonly min = new Float64Array(15).fill(Infinity);
  readonly max = new Float64Array(15).fill(-Infinity);
}

function dimensionReport(dimension: Dimension, mode: "quantiles" | "edges", edges: Edges, tally: BinTally, slot: number): DimensionReport {
  const at = slot * 5;
  return {
    dimension,
    mode,
    edges: edges.map((e) => (Number.isFinite(e) ? e : null)),
    bins: [0, 1, 2, 3, 4].map((i) => {
      const customers = tally.customers[at + i];
      return {
        score: (i + 1) as Score,
        customers,
        min: customers > 0 ? tally.min[at + i] : null,
        max: customers > 0 ? tally.max[at + i] : null,
      };
    }),
  };
}

/** Values that earn one score, both ends included; null = unbounded (below the first edge, or "or more"). */
export interface ValueRange {
  from: number | null;
  to: number | null;
}

/**
 * What each score 1…5 (index 0 = score 1) means in the dimension's own units — days since
 * the last order (R), counted orders (F), minor units (M) — from the four edges of a report
 * or of settings (null or non-finite = no value reaches that score). Metric values are whole
 * numbers, so "lower ≤ x < upper" is the inclusive range ⌈lower⌉ … ⌈upper⌉ − 1. A score no
 * value can earn (its edges coincide, or it lies beyond an unreachable edge) is null.
 */
export function scoreRanges(dimension: Dimension, edges: readonly (number | null)[]): (ValueRange | null)[] {
  const finite = edges.map((e) => (e !== null && Number.isFinite(e) ? Math.ceil(e) : null));
  // Lower bounds from the worst score to the best one's end: F, M ascend with the score, R descends.
  const range = (from: number | null, next: number | null | undefined, reachable: boolean): ValueRange | null => {
    if (!reachable) return null;
    const to = next === undefined || next === null ? null : next - 1;
    if (from !== null && to !== null && to < from) return null;
    return { from, to };
  };
  if (dimension === "r") {
    // R5: 0 … e0 − 1 days; R4: e0 … e1 − 1; …; R1: e3 or more. Without edges nobody was in the window.
    if (finite.every((e) => e === null)) return [null, null, null, null, null];
    const lows = [0, ...finite]; // R5, R4, R3, R2, R1
    const out: (ValueRange | null)[] = [];
    for (let k = 0; k < 5; k++) {
      const from = lows[k];
      out.push(range(from, k < 4 ? lows[k + 1] : null, from !== null));
    }
    return out.reverse();
  }
  // F1 starts at one order; M1 at whatever the lowest spend is.
  const lows: (number | null)[] = [dimension === "f" ? 1 : null, ...finite];
  const out: (ValueRange | null)[] = [];
  for (let k = 0; k < 5; k++) {
    const reachable = k === 0 || lows[k] !== null;
    out.push(range(lows[k], k < 4 ? (lows[k + 1] ?? undefined) : null, reachable));
  }
  return out;
}
