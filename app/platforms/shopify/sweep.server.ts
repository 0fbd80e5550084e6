/**
 * Reconciliation: webhooks are not guaranteed, so periodically (and after downtime) read
 * every order updated since the last sweep and upsert it. The same upsert rules as
 * webhooks apply: an older version never overwrites a newer one.
 */
import type { PrismaClient } from "@prisma/client";
import type { OrderStore } from "~/sync/order-store.server";
import { dataOf, type AdminGraphql, type GraphqlResponse } from "./admin-graphql.server";
import type { CanonicalOrder } from "~/rfm/order";
import type { RefetchOutcome, WantedReread } from "../types";
import {
  MAX_NODE_IDS,
  MAX_QUERY_COST,
  ORDER_LINES_QUERY,
  ORDERS_BY_IDS_QUERY,
  ORDERS_PAGE_QUERY,
  ORDERS_PAGE_SIZE,
  orderFromGraphql,
  orderReadCost,
  type GraphqlOrder,
} from "./orders";

interface LineItemPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: unknown[];
}
type OrderNode = GraphqlOrder & { lineItems: LineItemPage };

/**
 * Email and name are Level 2 protected customer data. Without that approval Shopify answers the
 * `email` (and customer name) fields with null and an ACCESS_DENIED error; the rest of the order is intact, so
 * those denials are not failures (orders with a customer are keyed by its id anyway).
 */
export function withoutEmailDenials<T>(response: GraphqlResponse<T>): GraphqlResponse<T> {
  if (!response.errors?.length || !response.data) return response;
  const errors = response.errors.filter((e) => !(e.extensions?.code === "ACCESS_DENIED" && ["email", "firstName", "lastName"].includes(String(e.path?.at(-1)))));
  return { ...response, errors: errors.length ? errors : undefined };
}

/** Fetches the line items beyond the first page, for the rare order with many. */
async function withAllLineItems(graphql: AdminGraphql, node: OrderNode): Promise<OrderNode> {
  let page = node.lineItems;
  const nodes = [...page.nodes];
  while (page.pageInfo.hasNextPage) {
    const data = dataOf(
      await graphql<{ order: { lineItems: LineItemPage } | null }>(ORDER_LINES_QUERY, {
        id: node.id,
        after: page.pageInfo.endCursor,
      }),
      "order line items",
    );
    if (!data.order) break;
    page = data.order.lineItems;
    nodes.push(...page.nodes);
  }
  return { ...node, lineItems: { pageInfo: page.pageInfo, nodes } };
}

export interface SweepDeps {
  prisma: PrismaClient;
  store: OrderStore;
  graphql: AdminGraphql;
  pageSize?: number;
  now?: () => Date;
}

/** Returns how many orders changed in the store. */
export async function sweepOrders(shopId: string, deps: SweepDeps): Promise<{ seen: number; written: number }> {
  const { prisma, store, graphql } = deps;
  const startedAt = deps.now?.() ?? new Date();
  const state = await prisma.syncState.findUnique({ where: { shopId } });
  // Without a sweep point (e.g. before any backfill) there is nothing to reconcile yet.
  if (!state?.sweepFrom) return { seen: 0, written: 0 };
  const query = `updated_at:>='${state.sweepFrom.toISOString()}'`;
  let after: string | null = null;
  let seen = 0;
  let written = 0;
  do {
    const page: {
      orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: OrderNode[] };
    } = dataOf(
      withoutEmailDenials(await graphql(ORDERS_PAGE_QUERY, { first: deps.pageSize ?? ORDERS_PAGE_SIZE, after, query })),
      "orders",
    );
    const orders = [];
    for (const node of page.orders.nodes) orders.push(orderFromGraphql(await withAllLineItems(graphql, node)));
    seen += orders.length;
    written += (await store.upsertOrders(shopId, orders)).written;
    after = page.orders.pageInfo.hasNextPage ? page.orders.pageInfo.endCursor : null;
  } while (after);
  // Overlap a minute: clocks differ and updates land while we read.
  await prisma.syncState.update({
    where: { shopId },
    data: { sweepFrom: new Date(startedAt.getTime() - 60_000), lastSweepAt: startedAt },
  });
  return { seen, written };
}

/**
 * Re-read orders together (a shop's wanted re-reads, docs/decisions/053): as few `nodes(ids:)`
 * queries as Shopify's cost limit allows, each asking every order of it for as many lines as
 * the largest hint in it (none: a full page); orders with more lines get the rest one by one.
 * An outcome per order, in the order asked. An order Shopify no longer has is "gone" (nothing
 * is stored for it: the orders/delete webhook and the sweep record deletions).
 */
export async function refreshOrders(shopId: string, wanted: readonly WantedReread[], deps: SweepDeps): Promise<RefetchOutcome[]> {
  const outcomes: RefetchOutcome[] = [];
  for (const batch of costBatches(wanted)) {
    const lines = Math.max(...batch.map(linesFor));
    const data = dataOf(
      withoutEmailDenials(await deps.graphql<{ nodes: (OrderNode | Record<string, never> | null)[] }>(ORDERS_BY_IDS_QUERY, { ids: batch.map((w) => w.orderId), lines })),
      "orders",
    );
    const read: (CanonicalOrder | RefetchOutcome)[] = [];
    for (const node of data.nodes) {
      // null, or another kind of node (an id that is no order): nothing to store.
      if (!node || !("id" in node)) read.push("gone");
      else {
        try {
          read.push(orderFromGraphql(await withAllLineItems(deps.graphql, node as OrderNode)));
        } catch {
          read.push("unreadable");
        }
      }
    }
    const orders = read.filter((r): r is CanonicalOrder => typeof r !== "string");
    const each = orders.length > 0 ? (await deps.store.upsertOrders(shopId, orders)).each : [];
    let k = 0;
    for (const r of read) outcomes.push(typeof r === "string" ? r : each[k++] === "written" ? "written" : "unchanged");
  }
  return outcomes;
}

const linesFor = (w: WantedReread) => Math.min(100, Math.max(1, Math.trunc(w.lines ?? 100)));

/** Consecutive runs of the wanted orders whose query stays within Shopify's requested-cost limit. */
export function costBatches(wanted: readonly WantedReread[]): WantedReread[][] {
  const batches: WantedReread[][] = [];
  let batch: WantedReread[] = [];
  let lines = 0;
  for (const w of wanted) {
    const most = Math.max(lines, linesFor(w));
    if (batch.length > 0 && (batch.length >= MAX_NODE_IDS || (batch.length + 1) * orderReadCost(most) > MAX_QUERY_COST)) {
      batches.push(batch);
      batch = [];
      lines = 0;
    }
    batch.push(w);
    lines = Math.max(lines, linesFor(w));
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
