import { createRandom, type Random } from "../kit/random";
import { RequestFaults, type HttpFault, type RequestFaultOptions } from "../kit/faults";

/**
 * Per-shop fault injection for Admin GraphQL requests: the kit's HTTP faults plus Shopify's own
 * (THROTTLED errors, bulk operations that fail or return damaged lines). Rates are probabilities per
 * request, drawn from a seeded PRNG, so a given seed replays the same mix in the same order.
 */
export interface FaultOptions extends RequestFaultOptions {
  /** THROTTLED GraphQL errors regardless of the bucket. */
  throttledRate?: number;
  /** Bulk operations started while set end this way instead of COMPLETED. */
  bulkOutcome?: "FAILED" | "EXPIRED" | "CANCELED" | null;
  /**
   * Bulk queries started while set write these lines (1-based) of their result file damaged:
   * "truncate" cuts the line in half (invalid JSON), "bad-amount" writes an amount no
   * decimal parser accepts ("12,50") into every money field of the line.
   */
  bulkCorruptLines?: { line: number; how: "truncate" | "bad-amount" }[] | null;
}

export type BulkLineCorruption = NonNullable<FaultOptions["bulkCorruptLines"]>[number];

export type RequestFault = HttpFault | { kind: "throttled" } | null;

export class FaultInjector {
  private options: FaultOptions = {};
  private http!: RequestFaults;
  private throttle!: Random;

  constructor(options: FaultOptions = {}, defaultSeed: string | number = 0) {
    this.configure(options, defaultSeed);
  }

  configure(options: FaultOptions, defaultSeed: string | number = 0): void {
    this.options = { ...options };
    const seed = options.seed ?? defaultSeed;
    this.http = new RequestFaults(this.options, seed);
    this.throttle = createRandom(`${seed}/throttle`);
  }

  get settings(): Readonly<FaultOptions> {
    return this.options;
  }

  /** One draw per request: which fault (if any) this request suffers. */
  decide(): RequestFault {
    const http = this.http.draw();
    if (http) return http;
    if (this.throttle.chance(this.options.throttledRate ?? 0)) return { kind: "throttled" };
    return null;
  }

  bulkOutcome(): "FAILED" | "EXPIRED" | "CANCELED" | null {
    return this.options.bulkOutcome ?? null;
  }

  bulkCorruptLines(): readonly BulkLineCorruption[] {
    return this.options.bulkCorruptLines ?? [];
  }
}
