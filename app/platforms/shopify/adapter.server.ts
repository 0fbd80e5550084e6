/**
 * Shopify behind the StoreAdapter seam: the bulk-export backfill, the reconciliation sweep
 * and order re-reads through the Admin API, tags/metafields/segments/Flow write-back, and
 * signed webhooks turned into neutral events.
 */
import type { StoreAdapter } from "../types";
import type { AdminGraphql } from "./admin-graphql.server";
import { backfillStep } from "./backfill.server";
import { bulkPollDelay, handleBulkOperationFinish } from "./bulk-finish.server";
import { shopifyCustomerIds } from "./ids";
import { shopifyPersonaActions } from "./persona-actions";
import { refreshOrders, sweepOrders } from "./sweep.server";
import { receiveShopifyWebhook } from "./webhooks.server";
import { createShopifyWriter } from "./writeback/writer.server";

export interface ShopifyAdapterDeps {
  /** The shop's Admin API client, resilient (retries, throttle waits). */
  graphqlFor: (shopId: string) => Promise<AdminGraphql>;
  /** The same client unwrapped, for write-back (which paces, retries and counts itself). */
  rawGraphqlFor?: (shopId: string) => Promise<AdminGraphql>;
  /** First poll interval of a running bulk export; polls back off to `bulkPollMaxMs`. */
  bulkPollMs: number;
  bulkPollMaxMs?: number;
  /** Downloads bulk result files (signed storage URLs, not the Admin API). */
  fetchFile?: (url: string) => Promise<Response>;
}

export function createShopifyAdapter(deps: ShopifyAdapterDeps): StoreAdapter {
  const writer = createShopifyWriter({ graphqlFor: deps.rawGraphqlFor ?? deps.graphqlFor, fetchFile: deps.fetchFile });
  return {
    platform: "shopify",
    customers: shopifyCustomerIds,
    orders: {
      async backfillStep(shop, ctx, cursor = {}) {
        const graphql = await deps.graphqlFor(shop.id);
        const step = await backfillStep(shop.id, { ...ctx, graphql, fetchFile: deps.fetchFile }, { start: cursor.start === true });
        if (step.next !== "poll") return step;
        // Still running: poll again later and later (bulk_operations/finish wakes the job
        // early); just (re)started: look at once.
        const polls = step.delayMs ? Number(cursor.polls ?? 0) + 1 : 0;
        const delayMs = polls ? bulkPollDelay(polls - 1, deps.bulkPollMs, deps.bulkPollMaxMs) : 0;
        return { next: "poll", delayMs, cursor: { polls } };
      },
      async reconcile(shop, ctx) {
        return sweepOrders(shop.id, { ...ctx, graphql: await deps.graphqlFor(shop.id) });
      },
      async refetchOrders(shop, wanted, ctx) {
        return refreshOrders(shop.id, wanted, { ...ctx, graphql: await deps.graphqlFor(shop.id) });
      },
    },
    writer,
    receiveWebhook: receiveShopifyWebhook,
    // Only our own current export counts; it cuts the backfill's poll short.
    operationFinished: async (ctx, shopId, payload) => ((await handleBulkOperationFinish(ctx, shopId, payload)) === "ignored" ? "ignored" : "processed"),
    personaActions: shopifyPersonaActions,
  };
}
