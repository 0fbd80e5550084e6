/**
 * Reconciliation. WooCommerce never retries a failed delivery, disables webhooks that keep
 * failing, coalesces deliveries, and untrashes (REST) and force-deletes silently, so on a
 * schedule we:
 * 1. heal our webhooks (re-enable disabled ones, re-create missing ones), and re-read the
 *    site's time zone (the merchant may change it);
 * 2. read every order modified since the last pass (`modified_after`, a minute of overlap),
 *    trashed ones included (the default listing leaves the trash out);
 * 3. now and then — and whenever webhooks had to be healed — compare the store's order ids
 *    with ours: orders we hold that the store no longer has were force-deleted.
 * The same upsert rules as webhooks apply: an older version never overwrites a newer one.
 */
import type { CanonicalOrder } from "~/rfm/order";
import type { PlatformContext, RefetchOutcome, ShopRef, WantedReread } from "../types";
import { WooApiError, PAGE_SIZE, type WooClient } from "./client.server";
import { loadCredentials, saveWebhookIds } from "./credentials.server";
import { readOrderPage, wcGmt } from "./backfill.server";
import { mapWooCommerceOrder, orderIdOf, wooOrderId, wooOrderIdOf } from "./orders";
import { readSiteTimeZone, saveShopTimeZone } from "./site-timezone.server";
import { ensureWebhooks, type WebhookHealth } from "./subscriptions.server";

/** How often the id sets are compared (one `_fields=id` listing of every order). */
export const ID_CHECK_EVERY_MS = 6 * 3_600_000;

export interface WooSweepDeps extends PlatformContext {
  client: WooClient;
  /** Where a re-created webhook delivers when none of ours is left to copy the URL from. */
  deliveryUrl: string;
  idCheckEveryMs?: number;
}

export interface ReconcileResult {
  seen: number;
  written: number;
  deleted: number;
  webhooks: Pick<WebhookHealth, "created" | "reactivated"> | null;
}

export async function reconcileOrders(shop: ShopRef, deps: WooSweepDeps): Promise<ReconcileResult> {
  const { db, store, client } = deps;
  const startedAt = deps.now?.() ?? new Date();
  const state = (await db.prepare(`SELECT sweepFrom, lastSweepAt FROM "SyncState" WHERE shopId = ?`).get(shop.id)) as
    | { sweepFrom: number | null; lastSweepAt: number | null }
    | undefined;
  // Without a sweep point (before the import finished) there is nothing to reconcile yet.
  if (!state?.sweepFrom) return { seen: 0, written: 0, deleted: 0, webhooks: null };

  const webhooks = await healWebhooks(shop, deps);
  // The merchant may have changed Settings → General → Timezone: the shop's days move with it.
  const timeZone = await readSiteTimeZone(client);
  if (timeZone && (await saveShopTimeZone(db, shop.id, timeZone))) await deps.queue.enqueue("recompute", shop.id);
  const healed = webhooks !== null && webhooks.created.length + webhooks.reactivated.length > 0;

  let seen = 0;
  let written = 0;
  const since = wcGmt(new Date(state.sweepFrom));
  for (const status of ["any", "trash"]) {
    const params = { modified_after: since, dates_are_gmt: true, orderby: "modified", order: "asc", status, per_page: PAGE_SIZE };
    for (let page = 1; ; page++) {
      const { items, totalPages } = await client.page("orders", params, page);
      const read = readOrderPage(items, shop.currency);
      seen += items.length;
      written += (await store.upsertOrders(shop.id, read.orders)).written;
      for (const orderId of read.reread) await deps.queue.enqueue("refresh-order", shop.id, { key: orderId, payload: { orderId } });
      if (items.length === 0 || page >= totalPages) break;
    }
  }

  // First pass of each period (stateless: the last pass fell in an earlier one), or after a heal.
  const every = deps.idCheckEveryMs ?? ID_CHECK_EVERY_MS;
  const due = state.lastSweepAt === null || every <= 0 || Math.floor(state.lastSweepAt / every) !== Math.floor(startedAt.getTime() / every);
  const deleted = due || healed ? await removeVanished(shop, deps, startedAt) : 0;

  // Overlap a minute: clocks differ and changes land while we read.
  await db
    .prepare(`UPDATE "SyncState" SET sweepFrom = ?, lastSweepAt = ?, updatedAt = ? WHERE shopId = ?`)
    .run(new Date(startedAt.getTime() - 60_000), startedAt, new Date(), shop.id);
  return { seen, written: written + deleted, deleted, webhooks };
}

/**
 * Null when nothing could be healed: a read-only key cannot create or change webhooks
 * (WooCommerce answers 401), so a read-only shop lives on reconciliation alone; and a
 * failure here must not stop the orders from being reconciled.
 */
async function healWebhooks(shop: ShopRef, deps: WooSweepDeps): Promise<WebhookHealth | null> {
  const creds = await loadCredentials(deps.db, shop.id);
  if (!creds || creds.keyPermissions === "read") return null;
  try {
    const health = await ensureWebhooks(deps.client, { secret: creds.webhookSecret, deliveryUrl: deps.deliveryUrl, known: creds.webhooks });
    if (JSON.stringify(health.ids) !== JSON.stringify(creds.webhooks)) await saveWebhookIds(deps.db, shop.id, health.ids);
    return health;
  } catch (err) {
    console.warn(`[woocommerce] ${shop.domain}: webhooks not checked: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/**
 * Force-deleted orders send no webhook: every live order we hold whose id the store no longer
 * lists (any status, trash included) becomes a tombstone. Returns how many.
 */
async function removeVanished(shop: ShopRef, deps: WooSweepDeps, at: Date): Promise<number> {
  const inStore = new Set<string>();
  for (const status of ["any", "trash"]) {
    for await (const o of deps.client.all<{ id: number }>("orders", { status, _fields: "id", orderby: "id", order: "asc", per_page: PAGE_SIZE })) {
      inStore.add(wooOrderId(o.id));
    }
  }
  const held = (await deps.db.prepare(`SELECT id FROM "Order" WHERE shopId = ? AND deleted = FALSE`).pluck().all(shop.id)) as string[];
  const missing = held.filter((id) => wooOrderIdOf(id) !== null && !inStore.has(id));
  let deleted = 0;
  for (const id of missing) {
    // Confirmed one by one: a listing can miss an order that moved (status, trash) while we
    // paged, or one created since it began.
    if (!(await orderIsGone(deps.client, id))) continue;
    await deps.store.deleteOrder(shop.id, id, at);
    deleted++;
  }
  return deleted;
}

async function orderIsGone(client: WooClient, orderId: string): Promise<boolean> {
  try {
    await client.get(`orders/${wooOrderIdOf(orderId)}`);
    return false;
  } catch (err) {
    if (err instanceof WooApiError && err.status === 404) return true;
    throw err;
  }
}

/**
 * Re-read one order (after `order.deleted`, an unreadable payload, or one a listing left
 * out): 404 → gone (tombstoned); trashed → stored as not counted (its status maps to a
 * non-purchase); else upserted when newer.
 */
async function refetchOne(shop: ShopRef, orderId: string, deps: Pick<WooSweepDeps, "client" | "store" | "now">): Promise<RefetchOutcome> {
  let payload: unknown;
  try {
    payload = (await deps.client.get(`orders/${wooOrderIdOf(orderId)}`)).data;
  } catch (err) {
    if (err instanceof WooApiError && err.status === 404) {
      await deps.store.deleteOrder(shop.id, orderId, deps.now?.() ?? new Date());
      return "gone";
    }
    throw err;
  }
  let order: CanonicalOrder;
  try {
    order = mapWooCommerceOrder(payload, shop.currency).order;
  } catch {
    return "unreadable";
  }
  return (await deps.store.upsertOrders(shop.id, [order])).written > 0 ? "written" : "unchanged";
}

/**
 * Re-read orders together (a shop's wanted re-reads, docs/decisions/053): one listing per 100
 * (`include`, the documented list filter of GET /orders), upserted when newer. The listing
 * leaves out what the default `status=any` does (the trash, drafts): an order it does not
 * return is read on its own (404 → gone, tombstoned; trashed → stored as not counted). An
 * outcome per order, in the order asked.
 */
export async function refetchOrders(shop: ShopRef, wanted: readonly WantedReread[], deps: Pick<WooSweepDeps, "client" | "store" | "now">): Promise<RefetchOutcome[]> {
  const outcomes = new Map<string, RefetchOutcome>();
  const ids = [...new Set(wanted.map((w) => w.orderId))];
  for (const id of ids) if (wooOrderIdOf(id) === null) outcomes.set(id, "unreadable");
  const readable = ids.filter((id) => !outcomes.has(id));
  for (let i = 0; i < readable.length; i += PAGE_SIZE) {
    const chunk = readable.slice(i, i + PAGE_SIZE);
    const { items } = await deps.client.page("orders", { include: chunk.map(wooOrderIdOf).join(","), per_page: PAGE_SIZE }, 1);
    const orders: CanonicalOrder[] = [];
    for (const item of items) {
      const id = orderIdOf(item);
      if (id === null || !chunk.includes(wooOrderId(id))) continue;
      try {
        orders.push(mapWooCommerceOrder(item, shop.currency).order);
      } catch {
        outcomes.set(wooOrderId(id), "unreadable");
      }
    }
    const each = orders.length > 0 ? (await deps.store.upsertOrders(shop.id, orders)).each : [];
    orders.forEach((o, k) => outcomes.set(o.id, each[k] === "written" ? "written" : "unchanged"));
    // Not listed: trashed, a draft, or gone. Rare, so one request each.
    for (const id of chunk) if (!outcomes.has(id)) outcomes.set(id, await refetchOne(shop, id, deps));
  }
  return wanted.map((w) => outcomes.get(w.orderId)!);
}
