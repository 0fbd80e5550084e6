/**
 * How background work talks to a shop's Admin GraphQL API: one small function type,
 * so services take "a way to run a query" and tests hand them the real client pointed
 * at the simulator. Throttle-aware: THROTTLED answers wait for the bucket to refill
 * (per `extensions.cost.throttleStatus`) and are retried; 429/5xx are retried with backoff.
 */
import { GraphqlQueryError } from "@shopify/shopify-api";

export interface GraphqlError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

export interface GraphqlResponse<T> {
  data?: T;
  errors?: GraphqlError[];
  extensions?: { cost?: QueryCost };
}

export type AdminGraphql = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) => Promise<GraphqlResponse<T>>;

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly errors: GraphqlError[] = [],
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

/** What Admin API traffic cost: for write-back reports and benchmarks. */
export interface AdminStats {
  requests: number;
  costPoints: number;
  throttled: number;
  retries: number;
}

export interface ResilientOptions {
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  stats?: AdminStats;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const isThrottled = (r: GraphqlResponse<unknown>) =>
  !!r.errors?.some((e) => e.extensions?.code === "THROTTLED");

/** Milliseconds until the bucket holds what a query needs. */
export function waitForCost(cost: QueryCost | undefined, needed?: number): number {
  if (!cost) return 1000;
  const { currentlyAvailable, restoreRate } = cost.throttleStatus;
  const want = needed ?? cost.requestedQueryCost;
  return Math.max(50, Math.ceil(((want - currentlyAvailable) / Math.max(restoreRate, 1)) * 1000));
}

/**
 * Wraps a raw client: retries THROTTLED (after the refill time) and transport failures
 * (exponential backoff), and counts requests and cost.
 */
export function resilient(raw: AdminGraphql, options: ResilientOptions = {}): AdminGraphql {
  const maxRetries = options.maxRetries ?? 8;
  const sleep = options.sleep ?? defaultSleep;
  const stats = options.stats;
  return async <T,>(query: string, variables?: Record<string, unknown>) => {
    for (let attempt = 0; ; attempt++) {
      let response: GraphqlResponse<T>;
      try {
        if (stats) stats.requests++;
        response = await raw<T>(query, variables);
      } catch (err) {
        if (attempt >= maxRetries || !isRetriable(err)) throw err;
        if (stats) stats.retries++;
        await sleep(Math.min(200 * 2 ** attempt, 10_000));
        continue;
      }
      const cost = response.extensions?.cost;
      if (stats && cost) stats.costPoints += cost.actualQueryCost ?? 0;
      if (isThrottled(response)) {
        if (stats) stats.throttled++;
        if (attempt >= maxRetries) throw new AdminApiError("Admin API stayed throttled", response.errors);
        await sleep(waitForCost(cost));
        continue;
      }
      return response;
    }
  };
}

/** The operation a document runs: `query Name` / `mutation Name`, or its first field. */
export function operationOf(query: string): string {
  const named = /\b(query|mutation)\s+([A-Za-z_]\w*)/.exec(query);
  if (named) return `${named[1]} ${named[2]}`;
  const field = /{\s*([A-Za-z_]\w*)/.exec(query);
  return field ? `query ${field[1]}` : "query";
}

/** Logs each call: `[admin] {shop, op, ms, cost, available, throttled}` (or its error). */
export function traced(raw: AdminGraphql, shop: string, log: (line: string) => void): AdminGraphql {
  return async <T,>(query: string, variables?: Record<string, unknown>) => {
    const startedAt = Date.now();
    const op = operationOf(query);
    try {
      const response = await raw<T>(query, variables);
      const cost = response.extensions?.cost;
      log(`[admin] ${JSON.stringify({ shop, op, startedAt, ms: Date.now() - startedAt, cost: cost?.actualQueryCost ?? cost?.requestedQueryCost, available: cost?.throttleStatus.currentlyAvailable, throttled: isThrottled(response) || undefined })}`);
      return response;
    } catch (err) {
      log(`[admin] ${JSON.stringify({ shop, op, startedAt, ms: Date.now() - startedAt, error: err instanceof Error ? err.message : String(err) })}`);
      throw err;
    }
  };
}

function isRetriable(err: unknown): boolean {
  if (err instanceof AdminApiError) return false;
  const text = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /\b(429|5\d\d)\b|Throttl|ECONNRESET|ECONNREFUSED|socket|fetch failed|network|timeout|aborted|Internal Server Error|Service Unavailable|Bad Gateway/i.test(
    text,
  );
}

/** Throws when a response carries errors; returns its data otherwise. */
export function dataOf<T>(response: GraphqlResponse<T>, what: string): T {
  if (response.errors?.length || !response.data) {
    throw new AdminApiError(
      `${what}: ${response.errors?.map((e) => e.message).join("; ") || "no data"}`,
      response.errors ?? [],
    );
  }
  return response.data;
}

/** The library's admin.graphql (from `unauthenticated.admin(shop)` or an authenticated request). */
export interface LibraryAdmin {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}

/** Adapts the library client to AdminGraphql: GraphQL errors come back as data, not exceptions. */
export function fromLibraryAdmin(admin: LibraryAdmin): AdminGraphql {
  return async <T,>(query: string, variables?: Record<string, unknown>) => {
    try {
      const res = await admin.graphql(query, variables ? { variables } : undefined);
      return (await res.json()) as GraphqlResponse<T>;
    } catch (err) {
      // The library throws on GraphQL errors (THROTTLED included); its body carries
      // { data, errors: { graphQLErrors, message }, extensions }. Hand them back as data.
      if (err instanceof GraphqlQueryError && err.body && typeof err.body === "object") {
        const body = err.body as { data?: T; errors?: { graphQLErrors?: GraphqlError[]; message?: string }; extensions?: GraphqlResponse<T>["extensions"] };
        const errors = body.errors?.graphQLErrors ?? [{ message: body.errors?.message ?? err.message }];
        return { data: body.data, errors, extensions: body.extensions };
      }
      throw err;
    }
  };
}
