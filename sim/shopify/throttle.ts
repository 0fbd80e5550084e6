import type { Clock } from "../kit/clock";

/**
 * Shopify's GraphQL rate limit: a leaky bucket per app and shop, refilled continuously at the plan's
 * restore rate (https://shopify.dev/docs/api/usage/limits). A request is admitted when the bucket
 * holds its requested cost; afterwards the difference to the actual cost is refunded.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketSettings {
  maximumAvailable: number;
  restoreRate: number;
}

/** Restore rates per plan; the bucket holds 20 seconds of restore (Standard: 100/s into 2000). */
export const PLAN_LIMITS: Record<string, BucketSettings> = {
  Basic: { restoreRate: 100, maximumAvailable: 2000 },
  Standard: { restoreRate: 100, maximumAvailable: 2000 },
  Advanced: { restoreRate: 200, maximumAvailable: 4000 },
  Plus: { restoreRate: 1000, maximumAvailable: 20000 },
  Enterprise: { restoreRate: 2000, maximumAvailable: 40000 },
};

export class LeakyBucket {
  private available: number;
  private updatedAt: number;

  constructor(private settings: BucketSettings, private readonly clock: Clock) {
    this.available = settings.maximumAvailable;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.available = Math.min(this.settings.maximumAvailable, this.available + elapsed * this.settings.restoreRate);
    this.updatedAt = now;
  }

  /** Takes `cost` points if the bucket holds them; false means THROTTLED. */
  tryTake(cost: number): boolean {
    this.refill();
    if (this.available < cost) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.settings.maximumAvailable, this.available + Math.max(0, points));
  }

  /** Drains the bucket to `points` (tests and fault injection). */
  drainTo(points = 0): void {
    this.refill();
    this.available = Math.max(0, Math.min(points, this.settings.maximumAvailable));
  }

  configure(settings: Partial<BucketSettings>): void {
    this.refill();
    this.settings = { ...this.settings, ...settings };
    this.available = Math.min(this.available, this.settings.maximumAvailable);
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.settings.maximumAvailable,
      // Shopify reports whole points.
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.settings.restoreRate,
    };
  }
}
