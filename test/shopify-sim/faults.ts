import { createRandom, type Random } from "./random";

/**
 * Per-shop fault injection for Admin GraphQL requests. Rates are probabilities per request, drawn from
 * a seeded PRNG, so a given seed replays the same mix in the same order.
 */
export interface FaultOptions {
  seed?: string | number;
  /** 429 Too Many Requests with Retry-After (what Shopify's edge sends under load). */
  http429Rate?: number;
  http500Rate?: number;
  http503Rate?: number;
  /** The request hangs for `timeoutMs`, then the socket is closed without a response. */
  timeoutRate?: number;
  timeoutMs?: number;
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

export type RequestFault = { kind: "http"; status: 429 | 500 | 503 } | { kind: "timeout"; ms: number } | { kind: "throttled" } | null;

export class FaultInjector {
  private options: FaultOptions = {};
  private http!: Random;
  private throttle!: Random;

  constructor(options: FaultOptions = {}, defaultSeed: string | number = 0) {
    this.configure(options, defaultSeed);
  }

  configure(options: FaultOptions, defaultSeed: string | number = 0): void {
    this.options = { ...options };
    const seed = options.seed ?? defaultSeed;
    this.http = createRandom(`${seed}/http`);
    this.throttle = createRandom(`${seed}/throttle`);
  }

  get settings(): Readonly<FaultOptions> {
    return this.options;
  }

  /** One draw per request: which fault (if any) this request suffers. */
  decide(): RequestFault {
    const o = this.options;
    const r = this.http.next();
    let edge = 0;
    for (const [rate, status] of [
      [o.http429Rate, 429],
      [o.http500Rate, 500],
      [o.http503Rate, 503],
    ] as const) {
      edge += rate ?? 0;
      if (r < edge) return { kind: "http", status };
    }
    edge += o.timeoutRate ?? 0;
    if (r < edge) return { kind: "timeout", ms: o.timeoutMs ?? 1000 };
    if (this.throttle.chance(o.throttledRate ?? 0)) return { kind: "throttled" };
    return null;
  }

  bulkOutcome(): "FAILED" | "EXPIRED" | "CANCELED" | null {
    return this.options.bulkOutcome ?? null;
  }

  bulkCorruptLines(): readonly BulkLineCorruption[] {
    return this.options.bulkCorruptLines ?? [];
  }
}
