/**
 * Paces requests by Shopify's leaky bucket (`extensions.cost.throttleStatus`): before a
 * request, wait until the bucket should hold its cost, so THROTTLED answers stay rare
 * instead of being the way we learn to slow down.
 * https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
 */
import type { QueryCost } from "~/platforms/shopify/admin-graphql.server";

export interface Pacer {
  /** Waits until the bucket should hold `points`. */
  reserve(points: number): Promise<void>;
  /** Records the bucket as a response reported it. */
  observe(cost: QueryCost | undefined): void;
  /** Milliseconds spent waiting so far. */
  readonly waitedMs: number;
  /** The bucket's size once a response reported it: no single request may cost more. */
  readonly capacity: number | null;
}

export function createPacer(now: () => number, sleep: (ms: number) => Promise<void>): Pacer {
  let known: { available: number; max: number; rate: number; at: number } | null = null;
  let waitedMs = 0;
  const estimate = (t: number) =>
    known ? Math.min(known.max, known.available + ((t - known.at) / 1000) * known.rate) : Infinity;
  return {
    async reserve(points) {
      if (!known) return; // the first answer tells us the bucket
      // One point of headroom: Shopify reports whole points (rounded down).
      const want = Math.min(points + 1, known.max);
      const missing = want - estimate(now());
      if (missing <= 0) return;
      const ms = Math.ceil((missing / Math.max(known.rate, 1)) * 1000);
      waitedMs += ms;
      await sleep(ms);
    },
    observe(cost) {
      const status = cost?.throttleStatus;
      if (!status) return;
      known = {
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
      return known?.max ?? null;
    },
  };
}
