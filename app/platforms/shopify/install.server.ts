/**
 * Install (Shopify's afterAuth hook): create or restore the shop, then start syncing.
 * A shop that uninstalled and comes back keeps its settings and history and catches up
 * with a sweep instead of a second full backfill.
 *
 * The scopes the merchant actually granted are read back and stored: read_all_orders needs
 * Shopify's approval and may be missing, and then the backfill reaches back only 60 days
 * (the dashboard says so). A shop that gains read_all_orders later gets a full backfill.
 */
import type { PrismaClient } from "@prisma/client";
import { untilNextDailyRun } from "~/jobs/handlers.server";
import type { JobQueue } from "~/jobs/queue.server";
import { createShop } from "~/shops/shop.server";
import type { Db } from "~/db/index.server";
import { dataOf, type AdminGraphql } from "./admin-graphql.server";

export const SHOP_INFO_QUERY = `#graphql
query ShopInfo {
  shop { name currencyCode ianaTimezone }
  currentAppInstallation { accessScopes { handle } }
}`;

export interface InstallDeps {
  db: Db;
  prisma: PrismaClient;
  queue: JobQueue;
  graphql: AdminGraphql;
  now?: () => Date;
}

export async function installShopifyShop(domain: string, deps: InstallDeps): Promise<{ shopId: string; backfill: boolean }> {
  const { prisma, queue, graphql } = deps;
  const now = deps.now?.() ?? new Date();
  const data = dataOf(
    await graphql<{
      shop: { name: string; currencyCode: string; ianaTimezone: string };
      currentAppInstallation: { accessScopes: { handle: string }[] };
    }>(SHOP_INFO_QUERY),
    "shop",
  );
  const info = data.shop;
  const scopes = data.currentAppInstallation.accessScopes.map((s) => s.handle).join(",");
  const details = { name: info.name, currency: info.currencyCode, timezone: info.ianaTimezone, scopes };
  const shop = { id: await createShop(deps.db, { domain, platform: "shopify", ...details }, { now, existing: "reinstall" }) };
  const state = await prisma.syncState.findUnique({ where: { shopId: shop.id } });
  // History was limited to 60 days and the full history is now granted: fetch it all.
  const historyGranted = !!state?.historyFrom && hasScope(scopes, "read_all_orders") && state.phase !== "backfill";
  const backfill =
    !state || state.phase === "failed" || historyGranted || (!state.backfillFinishedAt && state.phase !== "backfill");
  if (!state) await prisma.syncState.create({ data: { shopId: shop.id } });
  // Asked for explicitly: a finished import is exported again only when install says so.
  if (backfill) await queue.enqueue("backfill", shop.id, { payload: { start: true } });
  else if (state?.phase === "backfill") await queue.enqueue("backfill", shop.id); // resume where it was
  else await queue.enqueue("sweep", shop.id);
  await queue.enqueue("recompute", shop.id, { key: "daily", delayMs: untilNextDailyRun(now, details.timezone), payload: { daily: true } });
  return { shopId: shop.id, backfill };
}

export function hasScope(scopes: string | null | undefined, scope: string): boolean {
  return !!scopes && scopes.split(",").some((s) => s.trim() === scope);
}
