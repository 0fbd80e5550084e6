import { createRandom, type Random } from "./random";

/**
 * HTTP-level fault injection for a simulated API. Rates are probabilities per request, drawn from a
 * seeded PRNG, so a given seed replays the same mix in the same order.
 */
export interface RequestFaultOptions {
  seed?: string | number;
  /** 429 Too Many Requests with Retry-After (what an edge sends under load). */
  http429Rate?: number;
  http500Rate?: number;
  http503Rate?: number;
  /** The request hangs for `timeoutMs`, then the socket is closed without a response. */
  timeoutRate?: number;
  timeoutMs?: number;
}

export type HttpFault = { kind: "http"; status: 429 | 500 | 503 } | { kind: "timeout"; ms: number };

/** One draw per request from the `<seed>/http` stream: which HTTP fault (if any) the request suffers. */
export class RequestFaults {
  private readonly http: Random;

  constructor(private readonly options: RequestFaultOptions, seed: string | number) {
    this.http = createRandom(`${seed}/http`);
  }

  draw(): HttpFault | null {
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
    return null;
  }
}
