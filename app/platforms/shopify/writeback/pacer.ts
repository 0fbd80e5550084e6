/**
 * Paces requests by Shopify's leaky bucket (`extensions.cost.throttleStatus`): before a
 * request, wait until the bucket should hold its cost, so THROTTLED answers stay rare
 * instead of being the way we learn to slow down.
 * https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
 */
import type { QueryCost } from "~/platforms/shopify/admin-graphql.server";

/**
 * The bucket as a response last reported it. A writer keeps one per shop across its runs, so a
 * run's first request knows what the run before it left (rather than learning by a THROTTLED).
 */
export interface BucketMemory {
  known: { available: number; max: number; rate: number; at: number } | null;
}

export interface Pacer {
  /** Waits until the bucket should hold `points`. */
  reserve(points: number): Promise<void>;
  /** Points the bucket should hold now; null until a response told us the bucket. */
  available(): number | null;
  /** Records the bucket as a response reported it. */
  observe(cost: QueryCost | undefined): void;
  /** Milliseconds spent waiting so far. */
  readonly waitedMs: number;
  /** The bucket's size once a response reported it: no single request may cost more. */
  readonly capacity: number | null;
}

/**
 * The pacer leaves this many seconds of refill in the bucket (at most half of it) for the
 * shop's other requests: an order's re-read, on the way to its persona, is not THROTTLED
 * behind a write-back that spends every point as it comes (decision 056).
 */
export const LEAVE_SECONDS = 1;

export function createPacer(now: () => number, sleep: (ms: number) => Promise<void>, memory: BucketMemory = { known: null }, leaveSeconds = 0): Pacer {
  let waitedMs = 0;
  const estimate = (t: number) => {
    const known = memory.known;
    return known ? Math.min(known.max, known.available + ((t - known.at) / 1000) * known.rate) : Infinity;
  };
  const left = (known: NonNullable<BucketMemory["known"]>) => Math.min(known.rate * leaveSeconds, known.max / 2);
  return {
    available: () => (memory.known ? Math.max(0, estimate(now()) - left(memory.known)) : null),
    async reserve(points) {
      const known = memory.known;
      if (!known) return; // the first answer tells us the bucket
      // One point of headroom: Shopify reports whole points (rounded down).
      const want = Math.min(points + 1 + left(known), known.max);
      const missing = want - estimate(now());
      if (missing <= 0) return;
      const ms = Math.ceil((missing / Math.max(known.rate, 1)) * 1000);
      waitedMs += ms;
      await sleep(ms);
    },
    observe(cost) {
      const status = cost?.throttleStatus;
      if (!status) return;
      memory.known = {
        available: status.currentlyAvailable,
        max: status.maximumAvailable,
        rate: status.restoreRate,
        at: now(),
      };
    },
    get waitedMs() {
      return waitedMs;
    },
    get capacity() {
      return memory.known?.max ?? null;
    },
  };
}
