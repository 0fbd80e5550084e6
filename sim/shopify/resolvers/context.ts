import type { GraphQLResolveInfo } from "graphql";
import type { Clock } from "../../kit/clock";
import type { SimBulkOperation, SimFlowTriggerCall } from "../model";
import type { ShopStore } from "../store";

/** What a bulk operation runner offers the GraphQL mutations (implemented in bulk.ts). */
export interface BulkRunner {
  /** `scopes`: the caller's; the operation runs with them, as Shopify runs it with the app's access. */
  runQuery(
    query: string,
    groupObjects: boolean,
    scopes: readonly string[] | null
  ): { operation: SimBulkOperation | null; userErrors: UserErrorShape[] };
  runMutation(
    mutation: string,
    stagedUploadPath: string,
    clientIdentifier: string | null,
    scopes: readonly string[] | null
  ): {
    operation: SimBulkOperation | null;
    userErrors: UserErrorShape[];
  };
  cancel(id: number): { operation: SimBulkOperation | null; userErrors: UserErrorShape[] };
}

export interface StagedUploadTarget {
  url: string;
  resourceUrl: string | null;
  parameters: { name: string; value: string }[];
}

export interface UploadService {
  createTarget(input: { resource: string; filename: string; mimeType: string; httpMethod: string | null }): StagedUploadTarget;
}

export interface UserErrorShape {
  field: string[] | null;
  message: string;
  code?: string | null;
  elementIndex?: number | null;
}

export interface SearchExtension {
  path: (string | number)[];
  query: string;
  warnings: { field: string; message: string }[];
}

/** Everything a resolver may touch for the shop and token of the current request. */
export interface ResolverContext {
  store: ShopStore;
  clock: Clock;
  /** Granted scopes of the calling token; null means unrestricted (internal calls). */
  scopes: readonly string[] | null;
  /** "bulk-query": connections ignore page sizes and return everything, as a bulk export does. */
  mode: "request" | "bulk-query" | "bulk-mutation";
  /** Approved for Level 2 protected customer data (name, email, phone, address); false: Level 1 only. */
  protectedCustomerFields?: boolean;
  /** The app's numeric API client id; `$app:` namespaces resolve to `app--<id>--…`. */
  apiClientId: string;
  /** The calling app as Shopify knows it (QueryRoot.app, currentAppInstallation). */
  app: { apiKey: string; title: string; handle: string; requestedScopes: readonly string[]; appUrl: string | null };
  planName: string;
  bulk: BulkRunner;
  uploads: UploadService;
  /** Flow trigger handles the app's extensions define; null accepts any handle. */
  flowTriggerHandles: readonly string[] | null;
  recordFlowTrigger(call: SimFlowTriggerCall): void;
  searchExtensions: SearchExtension[];
  /** A streamed bulk export: the top-level connection answers one window of its nodes per execution. */
  bulkWindow?: BulkWindow;
}

/**
 * The window of the top-level connection a bulk export asks for next. The connection's full,
 * sorted node list is computed on the first execution and kept here for the following ones.
 */
export interface BulkWindow {
  offset: number;
  limit: number;
  /** Set by the connection that applied the window (a root field that ignores it is answered whole). */
  applied?: boolean;
  sorted?: unknown[];
}

// Resolvers receive values graphql-js passes untyped; each resolver narrows its own source and args.
export type FieldResolver = (source: any, args: any, ctx: ResolverContext, info: GraphQLResolveInfo) => unknown;
export type TypeResolvers = Record<string, FieldResolver>;
export type ResolverMap = Record<string, TypeResolvers>;
