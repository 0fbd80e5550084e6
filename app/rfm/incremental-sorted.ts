/**
 * A sorted multiset of (value, customer) pairs with rank and position queries, for the
 * incremental scorer: quintile edges are order statistics of one metric over the
 * customers in the lookback window, and when an edge moves we need the customers whose
 * value lies between the old and the new edge.
 *
 * Blocks of at most 2·BLOCK sorted pairs, plus a Fenwick tree over block sizes: insert and
 * remove cost O(BLOCK + log blocks), rank and position O(log n). A balanced tree would
 * do the same with an object per customer; a million customers fit in a few typed arrays
 * this way. Pairs sort by value, then customer, so every pair is unique.
 */

const BLOCK = 1024;

export class SortedPairs {
  private values: Float64Array[] = [new Float64Array(2 * BLOCK)];
  private customers: Int32Array[] = [new Int32Array(2 * BLOCK)];
  private lengths: number[] = [0];
  /** Fenwick tree over `lengths`, 1-based. */
  private tree = new Int32Array(2);
  size = 0;

  /** From pairs already sorted by (value, customer). */
  static fromSorted(values: ArrayLike<number>, customers: ArrayLike<number>): SortedPairs {
    const list = new SortedPairs();
    const n = values.length;
    if (n === 0) return list;
    list.values = [];
    list.customers = [];
    list.lengths = [];
    for (let at = 0; at < n; at += BLOCK) {
      const len = Math.min(BLOCK, n - at);
      const v = new Float64Array(2 * BLOCK);
      const c = new Int32Array(2 * BLOCK);
      for (let i = 0; i < len; i++) {
        v[i] = values[at + i];
        c[i] = customers[at + i];
      }
      list.values.push(v);
      list.customers.push(c);
      list.lengths.push(len);
    }
    list.size = n;
    list.rebuildTree();
    return list;
  }

  insert(value: number, customer: number): void {
    const b = this.blockForPair(value, customer);
    const v = this.values[b];
    const c = this.customers[b];
    const len = this.lengths[b];
    const at = lowerBoundPair(v, c, len, value, customer);
    v.copyWithin(at + 1, at, len);
    c.copyWithin(at + 1, at, len);
    v[at] = value;
    c[at] = customer;
    this.lengths[b] = len + 1;
    this.size++;
    if (len + 1 === 2 * BLOCK) this.split(b);
    else this.treeAdd(b, 1);
  }

  /** False (and nothing changes) when the pair is not in the set. */
  remove(value: number, customer: number): boolean {
    const b = this.blockForPair(value, customer);
    const v = this.values[b];
    const c = this.customers[b];
    const len = this.lengths[b];
    const at = lowerBoundPair(v, c, len, value, customer);
    if (at === len || v[at] !== value || c[at] !== customer) return false;
    v.copyWithin(at, at + 1, len);
    c.copyWithin(at, at + 1, len);
    this.lengths[b] = len - 1;
    this.size--;
    if (len === 1 && this.lengths.length > 1) {
      this.values.splice(b, 1);
      this.customers.splice(b, 1);
      this.lengths.splice(b, 1);
      this.rebuildTree();
    } else {
      this.treeAdd(b, -1);
    }
    return true;
  }

  /** The value at sorted position `position` (0 ≤ position < size). */
  at(position: number): number {
    if (position < 0 || position >= this.size) throw new RangeError(`position ${position} outside 0…${this.size - 1}`);
    // Fenwick descent: the block holding `position` and how many pairs lie before it.
    let b = 0;
    let before = 0;
    const blocks = this.lengths.length;
    for (let step = highestPowerOfTwo(blocks); step > 0; step >>= 1) {
      const next = b + step;
      if (next <= blocks && before + this.tree[next] <= position) {
        b = next;
        before += this.tree[next];
      }
    }
    return this.values[b][position - before];
  }

  /** Pairs whose value is strictly less than `value`. */
  countLess(value: number): number {
    const b = this.firstBlockReaching(value, false);
    if (b === this.lengths.length) return this.size;
    return this.prefix(b) + lowerBoundValue(this.values[b], this.lengths[b], value, false);
  }

  /** Pairs whose value is at most `value`. */
  countAtMost(value: number): number {
    const b = this.firstBlockReaching(value, true);
    if (b === this.lengths.length) return this.size;
    return this.prefix(b) + lowerBoundValue(this.values[b], this.lengths[b], value, true);
  }

  /** Calls `visit` for every customer whose value v satisfies low ≤ v < high. */
  forEachInRange(low: number, high: number, visit: (customer: number) => void): void {
    for (let b = this.firstBlockReaching(low, false); b < this.lengths.length; b++) {
      const v = this.values[b];
      const c = this.customers[b];
      const len = this.lengths[b];
      for (let i = lowerBoundValue(v, len, low, false); i < len; i++) {
        if (v[i] >= high) return;
        visit(c[i]);
      }
    }
  }

  /** The block a pair belongs in: the first whose last pair is ≥ it, else the last block. */
  private blockForPair(value: number, customer: number): number {
    let lo = 0;
    let hi = this.lengths.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const last = this.lengths[mid] - 1;
      const lv = this.values[mid][last];
      if (lv > value || (lv === value && this.customers[mid][last] >= customer)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The first block whose last value is ≥ value (> value when `strict`); blocks count when none. */
  private firstBlockReaching(value: number, strict: boolean): number {
    let lo = 0;
    let hi = this.lengths.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const len = this.lengths[mid];
      const lv = len > 0 ? this.values[mid][len - 1] : -Infinity;
      if (strict ? lv > value : lv >= value) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private split(b: number): void {
    const v = this.values[b];
    const c = this.customers[b];
    const nv = new Float64Array(2 * BLOCK);
    const nc = new Int32Array(2 * BLOCK);
    nv.set(v.subarray(BLOCK, 2 * BLOCK));
    nc.set(c.subarray(BLOCK, 2 * BLOCK));
    this.lengths[b] = BLOCK;
    this.values.splice(b + 1, 0, nv);
    this.customers.splice(b + 1, 0, nc);
    this.lengths.splice(b + 1, 0, BLOCK);
    this.rebuildTree();
  }

  private rebuildTree(): void {
    const n = this.lengths.length;
    const tree = new Int32Array(n + 1);
    for (let i = 1; i <= n; i++) {
      tree[i] += this.lengths[i - 1];
      const parent = i + (i & -i);
      if (parent <= n) tree[parent] += tree[i];
    }
    this.tree = tree;
  }

  private treeAdd(b: number, delta: number): void {
    for (let i = b + 1; i < this.tree.length; i += i & -i) this.tree[i] += delta;
  }

  /** Pairs in blocks 0 … b − 1. */
  private prefix(b: number): number {
    let sum = 0;
    for (let i = b; i > 0; i -= i & -i) sum += this.tree[i];
    return sum;
  }
}

function highestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return n === 0 ? 0 : p;
}

function lowerBoundPair(v: Float64Array, c: Int32Array, len: number, value: number, customer: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid] < value || (v[mid] === value && c[mid] < customer)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is ≥ value (> value when `strict`). */
function lowerBoundValue(v: Float64Array, len: number, value: number, strict: boolean): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? v[mid] <= value : v[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
