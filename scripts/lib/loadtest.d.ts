// The part of loadtest's API the webhook bench uses (the package ships no types).
declare module "loadtest" {
  interface Result {
    totalRequests: number;
    totalErrors: number;
    effectiveRps: number;
    maxLatencyMs: number;
    percentiles: Record<"50" | "90" | "95" | "99", number>;
    errorCodes: Record<string, number>;
  }
  interface Options {
    url: string;
    method?: string;
    requestsPerSecond?: number;
    maxSeconds?: number;
    agentKeepAlive?: boolean;
    timeout?: number;
    quiet?: boolean;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    requestGenerator?: (...args: any[]) => unknown;
    statusCallback?: (error: unknown, result?: { statusCode?: number }) => void;
  }
  export function loadTest(options: Options): Promise<Result>;
}
