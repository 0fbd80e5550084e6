/**
 * What a verified webhook delivery does to our data, for every platform: the platform turns
 * its payload into neutral StoreEvents; here they are applied. Everything a delivery
 * changes — the data, the dedupe record and the follow-up jobs — is written in one
 * database transaction, so a crash never half-applies a delivery and a second writer waits
 * its turn instead of failing; heavy work is queued.
 */
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/queue.server";
import type { Platform, StoreAdapter, StoreEvent, VerifiedDelivery } from "~/platforms/types";
import { recordDataRequest } from "~/privacy/data-requests.server";
import { redactCustomer } from "~/privacy/redact.server";
import { isInstalled, redactShop } from "~/shops/shop-data.server";
import { uninstallShop } from "~/shops/shop.server";
import type { OrderStore, OrderWrite } from "./order-store.server";
import { askRereads, type RereadAsk } from "./reread.server";

/**
 * Order webhooks in a burst become one recompute this long after the last… (both bounds keep
 * a persona tag ≤ 5 s behind its order's webhook: docs/decisions/035, 055, npm run
 * bench:freshness). Short, because a recompute after orders is incremental (a few hundred ms at
 * 100k customers, in any worker: decisions 047, 054); the re-read and the write-back need the rest.
 */
export const RECOMPUTE_DEBOUNCE_MS = 300;
/** …but never later than this after the first. */
export const RECOMPUTE_MAX_WAIT_MS = 1_000;

export interface ApplyDeps {
  db: Db;
  store: OrderStore;
  queue: JobQueue;
  /** The shop's platform adapter, for platform-side operations a delivery may finish. */
  adapterFor?: (platform: Platform) => Pick<StoreAdapter, "operationFinished">;
  recomputeDelayMs?: number;
  recomputeMaxWaitMs?: number;
  now?: () => Date;
}

/**
 * What became of a delivery (answered in X-RFM-Webhook):
 * processed; duplicate (event id seen before); stale (an older version than we hold);
 * recorded (unreadable, kept and queued for a re-read); uninstalled (the shop removed the
 * app: nothing written); unknown-shop; ignored (nothing we act on).
 */
export type WebhookOutcome = "processed" | "duplicate" | "stale" | "recorded" | "uninstalled" | "unknown-shop" | "ignored";

/** Compliance requests are honoured whether or not the app is still installed. */
const COMPLIANCE = new Set<StoreEvent["type"]>(["customer.redact", "customer.dataRequest", "shop.redact"]);

interface Context {
  db: Db;
  store: OrderStore;
  queue: JobQueue;
  now: Date;
  shopId: string;
  domain: string;
  platform: Platform;
  delivery: VerifiedDelivery;
  recompute(): Promise<void>;
  reread(orderId: string, lines?: number): Promise<void>;
  deps: ApplyDeps;
}

/** The shop's recompute, debounced over a burst of order changes. */
async function askRecompute(queue: JobQueue, deps: ApplyDeps, shopId: string): Promise<void> {
  await queue.enqueue("recompute", shopId, {
    delayMs: deps.recomputeDelayMs ?? RECOMPUTE_DEBOUNCE_MS,
    maxWaitMs: deps.recomputeMaxWaitMs ?? RECOMPUTE_MAX_WAIT_MS,
  });
}

export async function applyDelivery(delivery: VerifiedDelivery, deps: ApplyDeps): Promise<WebhookOutcome> {
  if (delivery.events.length === 0) return "ignored";
  const { db, store, queue } = deps;
  const now = deps.now?.() ?? new Date();

  return db.transaction(async (): Promise<WebhookOutcome> => {
    const shop = (await db.prepare(`SELECT id, platform, uninstalledAt FROM "Shop" WHERE domain = ?`).get(delivery.shopDomain)) as
      | { id: string; platform: Platform; uninstalledAt: number | null }
      | undefined;
    if (!shop) return "unknown-shop";
    // After an uninstall only compliance requests still concern us: nothing else is written
    // or queued (the platform may keep delivering for a while).
    if (shop.uninstalledAt !== null && !delivery.events.every((e) => COMPLIANCE.has(e.type))) return "uninstalled";
    const fresh = await db
      .prepare(`INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(delivery.shopDomain, delivery.eventId, delivery.topic, now);
    if (fresh.changes === 0) return "duplicate";
    const ctx: Context = {
      db,
      store,
      queue,
      now,
      shopId: shop.id,
      domain: delivery.shopDomain,
      platform: shop.platform,
      delivery,
      deps,
      recompute: () => askRecompute(queue, deps, shop.id),
      reread: (orderId, lines) => askRereads(db, queue, shop.id, [lines === undefined ? { orderId } : { orderId, lines }], now),
    };
    let outcome: WebhookOutcome = "processed";
    for (const event of delivery.events) outcome = (await apply(event, ctx)) ?? outcome;
    return outcome;
  });
}

/** A delivery that only upserts orders: it can be applied with others of its shop (applyOrderDeliveries). */
export function onlyUpsertsOrders(events: StoreEvent[]): boolean {
  return events.length > 0 && events.every((e) => e.type === "order.upserted");
}

/**
 * Several deliveries of one shop that only upsert orders (onlyUpsertsOrders), applied as
 * applyDelivery would apply them one after another — same outcomes, same rows, same jobs — in
 * a few set-based statements: one shop lookup, one dedupe insert, one order upsert. The inbox
 * applies a busy shop's order webhooks this way (docs/decisions/052). A delivery whose event id
 * came before (earlier, or earlier in this group) is a duplicate, as one by one.
 */
export async function applyOrderDeliveries(deliveries: VerifiedDelivery[], deps: ApplyDeps): Promise<WebhookOutcome[]> {
  const { db, store, queue } = deps;
  return applyRun(deliveries, deps, onlyUpsertsOrders, "applyOrderDeliveries: one shop's order upserts only", async (shop, applied, now) => {
    const events = deliveries.flatMap((d, i) => (applied[i] ? (d.events as Extract<StoreEvent, { type: "order.upserted" }>[]) : []));
    // Held for a re-read or not is the store's option per call: one call per run of equals.
    const writes: OrderWrite[] = [];
    for (let i = 0; i < events.length; ) {
      let j = i + 1;
      while (j < events.length && Boolean(events[j].awaitsReread) === Boolean(events[i].awaitsReread)) j++;
      const run = events.slice(i, j);
      writes.push(...(await store.upsertOrders(shop.id, run.map((e) => e.order), { unverified: run[0].awaitsReread })).each);
      i = j;
    }
    let k = 0;
    let recompute = false;
    const rereads: RereadAsk[] = [];
    const outcomes: WebhookOutcome[] = [];
    for (const [i, d] of deliveries.entries()) {
      if (!applied[i]) {
        outcomes.push("duplicate");
        continue;
      }
      let outcome: WebhookOutcome = "processed";
      for (const event of d.events as Extract<StoreEvent, { type: "order.upserted" }>[]) {
        const write = writes[k++];
        if (write === "stale") {
          outcome = "stale";
          continue;
        }
        recompute = true;
        if (write === "awaiting" || event.rereadAnyway) rereads.push({ orderId: event.order.id, lines: event.order.lineItems.length });
      }
      outcomes.push(outcome);
    }
    await askRereads(db, queue, shop.id, rereads, now);
    if (recompute) await askRecompute(queue, deps, shop.id);
    return outcomes;
  });
}

/**
 * A run of one shop's deliveries of one kind, in one transaction: the shop looked up once
 * (unknown or uninstalled: every delivery says so), the event ids recorded once, then `apply`
 * with which deliveries are firsts (the others are duplicates).
 */
async function applyRun(
  deliveries: VerifiedDelivery[],
  deps: ApplyDeps,
  only: (events: StoreEvent[]) => boolean,
  misuse: string,
  apply: (shop: { id: string }, applied: boolean[], now: Date) => Promise<WebhookOutcome[]>,
): Promise<WebhookOutcome[]> {
  const { db } = deps;
  const domain = deliveries[0].shopDomain;
  if (deliveries.some((d) => d.shopDomain !== domain || !only(d.events))) throw new Error(misuse);
  const now = deps.now?.() ?? new Date();
  return db.transaction(async (): Promise<WebhookOutcome[]> => {
    const shop = (await db.prepare(`SELECT id, uninstalledAt FROM "Shop" WHERE domain = ?`).get(domain)) as { id: string; uninstalledAt: number | null } | undefined;
    if (!shop) return deliveries.map(() => "unknown-shop");
    if (shop.uninstalledAt !== null) return deliveries.map(() => "uninstalled");
    return apply(shop, await firstDeliveries(db, domain, deliveries, now), now);
  });
}

/** Records the deliveries' event ids in one insert; true for each delivery to apply: the first of an event id not seen before (any other is a duplicate). */
async function firstDeliveries(db: Db, domain: string, deliveries: VerifiedDelivery[], now: Date): Promise<boolean[]> {
  const fresh = new Set(
    (await db
      .prepare(
        `INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES ${deliveries.map(() => "(?, ?, ?, ?)").join(", ")}
         ON CONFLICT DO NOTHING RETURNING eventId`,
      )
      .pluck()
      .all(...deliveries.flatMap((d) => [domain, d.eventId, d.topic, now]))) as string[],
  );
  return deliveries.map((d) => fresh.delete(d.eventId));
}

/** A delivery that only announces customer changes (mostly the echo of our own write-back): it can be applied with others of its shop (applyCustomerUpdates). */
export function onlyUpdatesCustomers(events: StoreEvent[]): boolean {
  return events.length > 0 && events.every((e) => e.type === "customer.updated");
}

/**
 * Several deliveries of one shop that only announce customer changes (onlyUpdatesCustomers),
 * applied as applyDelivery would apply them one after another — same outcomes, same emails —
 * in three statements: one shop lookup, one dedupe insert, one update of the emails that
 * changed (each customer's last word wins). Our write-back's echoes come by the hundred
 * thousand; one at a time they cost five round trips each.
 */
export async function applyCustomerUpdates(deliveries: VerifiedDelivery[], deps: ApplyDeps): Promise<WebhookOutcome[]> {
  const { db } = deps;
  return applyRun(deliveries, deps, onlyUpdatesCustomers, "applyCustomerUpdates: one shop's customer updates only", async (shop, applied) => {
    const emails = new Map<string, string | null>();
    deliveries.forEach((d, i) => {
      if (!applied[i]) return;
      for (const e of d.events as Extract<StoreEvent, { type: "customer.updated" }>[]) {
        // Email withheld (protected customer data): never erase one we hold for that.
        if (e.email !== undefined) emails.set(e.customerKey, e.email);
      }
    });
    if (emails.size > 0) {
      const rows = [...emails];
      await db
        .prepare(
          `WITH v (customerKey, email) AS (VALUES ${rows.map(() => "(?, ?)").join(", ")})
           UPDATE "Customer" SET email = v.email FROM v
           WHERE "Customer".shopId = ? AND "Customer".customerKey = v.customerKey AND "Customer".email IS DISTINCT FROM v.email`,
        )
        .run(...rows.flat(), shop.id);
    }
    return applied.map((first) => (first ? "processed" : "duplicate"));
  });
}

async function apply(event: StoreEvent, ctx: Context): Promise<WebhookOutcome | void> {
  const { db, store, shopId, now } = ctx;
  switch (event.type) {
    case "order.upserted": {
      const { written, awaitingReread } = await store.upsertOrders(shopId, [event.order], { unverified: event.awaitsReread });
      if (written === 0) return "stale";
      if (awaitingReread > 0 || event.rereadAnyway) await ctx.reread(event.order.id, event.order.lineItems.length);
      await ctx.recompute();
      return;
    }
    case "order.deleted":
      await store.deleteOrder(shopId, event.orderId, now);
      await ctx.recompute();
      return;
    case "order.refetch":
      await ctx.reread(event.orderId);
      return;
    case "order.unreadable":
      // Kept with its body (for support) until the re-read brings the order in.
      await db
        .prepare(`INSERT INTO "WebhookProblem" (shopDomain, topic, eventId, resourceId, error, body, receivedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(ctx.domain, ctx.delivery.topic, ctx.delivery.eventId, event.orderId, event.error, event.body, now);
      await ctx.reread(event.orderId);
      return "recorded";
    case "customer.updated":
      // Email may be withheld (protected customer data): never erase one we hold for that.
      if (event.email === undefined) return;
      // Most of these are the echo of our own tag/metafield writes, the email unchanged: no write then.
      if (event.email === null) {
        await db.prepare(`UPDATE "Customer" SET email = NULL WHERE shopId = ? AND customerKey = ? AND email IS NOT NULL`).run(shopId, event.customerKey);
      } else {
        await db
          .prepare(`UPDATE "Customer" SET email = ? WHERE shopId = ? AND customerKey = ? AND (email IS NULL OR email <> ?)`)
          .run(event.email, shopId, event.customerKey, event.email);
      }
      return;
    case "customer.deleted":
      await redactCustomer(db, store, shopId, { customerKey: event.customerKey }, now, { tombstone: false });
      await ctx.recompute();
      return;
    case "customer.redact":
      await redactCustomer(db, store, shopId, { customerKey: event.customerKey, email: event.email, orderIds: event.orderIds }, now, { tombstone: true });
      // An uninstalled shop gets no more work (its sessions are gone); rescoring waits for a reinstall.
      if (await isInstalled(db, shopId)) await ctx.recompute();
      return;
    case "customer.dataRequest":
      await recordDataRequest(
        db,
        shopId,
        ctx.domain,
        { customerKey: event.customerKey, email: event.email, orderIds: event.orderIds, requestId: event.requestId },
        now,
      );
      return;
    case "shop.redact":
      // An installed shop is never erased (a reinstall, or a replayed request); another's
      // erasure is queued with this delivery's record (the erase-shop job).
      if ((await redactShop(db, ctx.queue, shopId, event.bodyDomain)) === "installed") return "ignored";
      return;
    case "app.uninstalled":
      // Sessions dropped, work stopped; data stays until shop/redact in case the merchant returns.
      await uninstallShop(db, shopId, now);
      return;
    case "sync.operationFinished": {
      const adapter = ctx.deps.adapterFor?.(ctx.platform);
      return (await adapter?.operationFinished?.({ db, queue: ctx.queue }, shopId, event.payload)) ?? "ignored";
    }
  }
}
