/**
 * Shopify behind the StoreAdapter seam: the bulk-export backfill, the reconciliation sweep
 * and order re-reads through the Admin API, tags/metafields/segments/Flow write-back, and
 * signed webhooks turned into neutral events.
 */
import type { PersonaWriter, StoreAdapter } from "../types";
import { ensureStoreSetup } from "~/writeback/setup.server";
import { removeAllPersonaData, runWriteback } from "~/writeback/run.server";
import type { AdminGraphql } from "./admin-graphql.server";
import { backfillStep } from "./backfill.server";
import { bulkPollDelay, handleBulkOperationFinish } from "./bulk-finish.server";
import { shopifyCustomerIds } from "./ids";
import { refreshOrder, sweepOrders } from "./sweep.server";
import { receiveShopifyWebhook } from "./webhooks.server";

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
  const writeClient = (shopId: string) => (deps.rawGraphqlFor ?? deps.graphqlFor)(shopId);
  const writer: PersonaWriter = {
    capabilities: { labels: true, fields: true, segments: true, personaChangedTrigger: true },
    async writeback(shop, ctx, { full }) {
      const graphql = await writeClient(shop.id);
      // Definitions and segments first (idempotent: a few reads when all exist), so renamed
      // personas and new definitions are in place before customers are written.
      const setup = await ensureStoreSetup(shop.id, { db: ctx.db, graphql, now: ctx.now });
      return runWriteback(shop.id, { db: ctx.db, graphql, now: ctx.now, fetchFile: deps.fetchFile, full: full === true, setup });
    },
    async removeAll(shop, ctx) {
      const graphql = await writeClient(shop.id);
      return removeAllPersonaData(shop.id, { db: ctx.db, graphql, now: ctx.now, fetchFile: deps.fetchFile });
    },
  };
  return {
    platform: "shopify",
    customers: shopifyCustomerIds,
    orders: {
      async backfillStep(shop, ctx, cursor = {}) {
        const graphql = await deps.graphqlFor(shop.id);
        const step = await backfillStep(shop.id, { ...ctx, graphql, fetchFile: deps.fetchFile });
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
      async refetchOrder(shop, orderId, ctx) {
        return refreshOrder(shop.id, orderId, { ...ctx, graphql: await deps.graphqlFor(shop.id) });
      },
    },
    writer,
    receiveWebhook: receiveShopifyWebhook,
    // Only our own current export counts; it cuts the backfill's poll short.
    operationFinished: (ctx, shopId, payload) => (handleBulkOperationFinish(ctx, shopId, payload) === "ignored" ? "ignored" : "processed"),
  };
}
