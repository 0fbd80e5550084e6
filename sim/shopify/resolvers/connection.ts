import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import { parseSearchQuery, type SearchFields } from "../search-query";
import type { ResolverContext } from "./context";

/**
 * Relay connections with Shopify's rules: `first` or `last` is required (≤ 250), cursors are opaque
 * base64 JSON of the last sort value and id, so a page boundary stays put when records change.
 * In a bulk query the page arguments are ignored and everything is returned.
 */
export const MAX_PAGE_SIZE = 250;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
  query?: string | null;
  sortKey?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

type SortValue = string | number;

interface CursorKey {
  value: SortValue;
  id: number;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ last_id: key.id, last_value: key.value })).toString("base64");
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id: unknown; last_value: unknown };
    if (typeof parsed.last_id === "number" && (typeof parsed.last_value === "string" || typeof parsed.last_value === "number")) {
      return { id: parsed.last_id, value: parsed.last_value };
    }
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "BAD_REQUEST" } });
}

function compareKeys(a: CursorKey, b: CursorKey): number {
  if (a.value < b.value) return -1;
  if (a.value > b.value) return 1;
  return a.id - b.id;
}

export interface ConnectionSpec<T> {
  id(item: T): number;
  /** Sort keys this connection supports → the value to sort by. */
  sortKeys?: Record<string, (item: T) => SortValue>;
  defaultSortKey?: string;
  search?: SearchFields<T>;
  freeText?: (item: T) => string[];
}

function requirePageSize(args: ConnectionArgs): void {
  const { first, last } = args;
  if (first == null && last == null) {
    throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
  }
  for (const [name, value] of [
    ["first", first],
    ["last", last],
  ] as const) {
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`The value of '${name}' must be between 0 and ${MAX_PAGE_SIZE} (got ${value}).`, {
        extensions: { code: "BAD_REQUEST" },
      });
    }
  }
}

function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}

type Keyed<T> = { item: T; key: CursorKey }[];

function keyFunction<T>(args: ConnectionArgs, spec: ConnectionSpec<T>): (item: T) => CursorKey {
  const sortKey = args.sortKey ?? spec.defaultSortKey ?? "ID";
  const sortValue = spec.sortKeys?.[sortKey] ?? ((item: T) => spec.id(item));
  return (item) => ({ value: sortValue(item), id: spec.id(item) });
}

function matcher<T>(args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo, spec: ConnectionSpec<T>): ((item: T) => boolean) | null {
  if (!spec.search || !args.query) return null;
  const parsed = parseSearchQuery(args.query, spec.search, { timeZone: ctx.store.shop.ianaTimezone, freeText: spec.freeText });
  if (parsed.warnings.length > 0) ctx.searchExtensions.push({ path: pathOf(info), query: args.query, warnings: parsed.warnings });
  return parsed.matches;
}

/**
 * The sorted node list of a streamed export's top-level connection, built a few milliseconds at a
 * time (a million orders). The store usually holds them in sort order already; the one blocking
 * step left is a sort when it does not.
 */
async function keyedInSlices<T>(items: Iterable<T>, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo, spec: ConnectionSpec<T>): Promise<Keyed<T>> {
  const keyOf = keyFunction(args, spec);
  const matches = matcher(args, ctx, info, spec);
  let started = performance.now();
  const breathe = async () => {
    if (performance.now() - started < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    started = performance.now();
  };
  const keyed: Keyed<T> = [];
  let n = 0;
  for (const item of items) {
    if (!matches || matches(item)) keyed.push({ item, key: keyOf(item) });
    if (++n % 1024 === 0) await breathe();
  }
  let inOrder = true;
  for (let i = 1; i < keyed.length && inOrder; i++) {
    inOrder = compareKeys(keyed[i - 1].key, keyed[i].key) <= 0;
    if (i % 4096 === 0) await breathe();
  }
  if (!inOrder) keyed.sort((a, b) => compareKeys(a.key, b.key));
  if (args.reverse) keyed.reverse();
  return keyed;
}

const SLICE_MS = 8;

export function connection<T>(
  items: Iterable<T>,
  args: ConnectionArgs,
  ctx: ResolverContext,
  info: GraphQLResolveInfo,
  spec: ConnectionSpec<T>
): Connection<T> | Promise<Connection<T>> {
  // A streamed bulk export executes its query once per window of the top-level connection.
  const bulkWindow = ctx.mode === "bulk-query" && info.path.prev === undefined ? ctx.bulkWindow : undefined;
  if (bulkWindow && !bulkWindow.sorted) {
    return keyedInSlices(items, args, ctx, info, spec).then((sorted) => {
      bulkWindow.sorted = sorted;
      return connection(items, args, ctx, info, spec);
    });
  }
  let keyed = bulkWindow?.sorted as Keyed<T> | undefined;
  if (!keyed) {
    const keyOf = keyFunction(args, spec);
    const matches = matcher(args, ctx, info, spec);
    keyed = (matches ? [...items].filter(matches) : [...items]).map((item) => ({ item, key: keyOf(item) }));
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    if (args.reverse) keyed.reverse();
  }
  const direction = args.reverse ? -1 : 1;

  let window = keyed;
  if (ctx.mode !== "bulk-query") {
    requirePageSize(args);
    if (args.after) {
      const after = decodeCursor(args.after);
      window = window.filter((k) => direction * compareKeys(k.key, after) > 0);
    }
    if (args.before) {
      const before = decodeCursor(args.before);
      window = window.filter((k) => direction * compareKeys(k.key, before) < 0);
    }
  }
  let page = window;
  if (ctx.mode !== "bulk-query") {
    if (args.first != null) page = page.slice(0, args.first);
    if (args.last != null) page = page.slice(Math.max(0, page.length - args.last));
  }
  if (bulkWindow) {
    page = keyed.slice(bulkWindow.offset, bulkWindow.offset + bulkWindow.limit);
    bulkWindow.applied = true;
  }
  // Whether anything exists beyond this page in the full ordering, whatever window the cursors chose.
  const pageStart = page.length === 0 ? 0 : bulkWindow ? bulkWindow.offset : keyed.indexOf(page[0]);
  const pageEnd = page.length === 0 ? keyed.length - 1 : bulkWindow ? bulkWindow.offset + page.length - 1 : keyed.indexOf(page[page.length - 1]);
  const edges = page.map((k) => ({ cursor: encodeCursor(k.key), node: k.item }));
  return {
    edges,
    nodes: page.map((k) => k.item),
    pageInfo: {
      hasNextPage: page.length > 0 && pageEnd < keyed.length - 1,
      hasPreviousPage: page.length > 0 && pageStart > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
