/** What the simulator saw, for tests to assert on (requests made, cost spent, throttling, faults). */
export interface RequestRecord {
  at: string;
  kind: "graphql" | "oauth";
  method: string;
  path: string;
  status: number;
  operationType?: "query" | "mutation" | "subscription";
  operationName?: string | null;
  /** Root field names, e.g. ["tagsAdd"] or ["orders", "shop"]. */
  rootFields?: string[];
  requestedCost?: number;
  actualCost?: number | null;
  throttled?: boolean;
  fault?: string;
  errorCodes?: string[];
}

export interface ShopStats {
  requests: number;
  graphqlRequests: number;
  queries: number;
  /** Names of mutation root fields, in the order they ran (one entry per field). */
  mutations: string[];
  /** Sum of actual query cost charged to the bucket. */
  costPointsUsed: number;
  requestedCostPoints: number;
  throttledCount: number;
  maxCostExceededCount: number;
  accessDeniedCount: number;
  faults: { http429: number; http500: number; http503: number; timeout: number; throttled: number };
  log: readonly RequestRecord[];
}

export class StatsRecorder {
  private records: RequestRecord[] = [];

  record(record: RequestRecord): void {
    this.records.push(record);
  }

  reset(): void {
    this.records = [];
  }

  snapshot(): ShopStats {
    const graphql = this.records.filter((r) => r.kind === "graphql");
    const count = (fault: string) => graphql.filter((r) => r.fault === fault).length;
    return {
      requests: this.records.length,
      graphqlRequests: graphql.length,
      queries: graphql.filter((r) => r.operationType === "query").length,
      mutations: graphql.filter((r) => r.operationType === "mutation" && !r.fault && !r.throttled).flatMap((r) => r.rootFields ?? []),
      costPointsUsed: graphql.reduce((sum, r) => sum + (r.actualCost ?? 0), 0),
      requestedCostPoints: graphql.reduce((sum, r) => sum + (r.requestedCost ?? 0), 0),
      throttledCount: graphql.filter((r) => r.throttled).length,
      maxCostExceededCount: graphql.filter((r) => r.errorCodes?.includes("MAX_COST_EXCEEDED")).length,
      accessDeniedCount: graphql.filter((r) => r.errorCodes?.includes("ACCESS_DENIED")).length,
      faults: {
        http429: count("http429"),
        http500: count("http500"),
        http503: count("http503"),
        timeout: count("timeout"),
        throttled: count("throttled"),
      },
      log: [...this.records],
    };
  }
}
