/**
 * Reconciliation: webhooks are not guaranteed, so periodically (and after downtime) read
 * every order updated since the last sweep and upsert it. The same upsert rules as
 * webhooks apply: an older version never overwrites a newer one.
 */
import type { PrismaClient } from "@prisma/client";
import type { OrderStore } from "~/sync/order-store.server";
import { dataOf, type AdminGraphql, type GraphqlResponse } from "./admin-graphql.server";
import {
  ORDER_BY_ID_QUERY,
  ORDER_LINES_QUERY,
  ORDERS_PAGE_QUERY,
  ORDERS_PAGE_SIZE,
  orderFromGraphql,
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
 * Re-read one order: after refunds/create (whose payload is the refund, not the order), and
 * for a bulk-export line that could not be read.
 */
export async function refreshOrder(shopId: string, orderId: string, deps: SweepDeps, hint: { lines?: number } = {}): Promise<boolean> {
  const lines = Math.min(100, Math.max(1, Math.trunc(hint.lines ?? 100)));
  const data = dataOf(
    withoutEmailDenials(await deps.graphql<{ order: OrderNode | null }>(ORDER_BY_ID_QUERY, { id: orderId, lines })),
    "order",
  );
  if (!data.order) return false;
  const node = await withAllLineItems(deps.graphql, data.order);
  const written = (await deps.store.upsertOrders(shopId, [orderFromGraphql(node)])).written > 0;
  // The Admin API can lag the webhook that announced a change: retry (the job backs off)
  // rather than leave a webhook's copy unverified.
  if (!written && (await deps.store.isAwaitingReread(shopId, node.id))) {
    throw new Error(`order ${node.id}: the Admin API still returns a version older than its webhook`);
  }
  return written;
}
