/**
 * Shopify delivers webhooks at least once, in no particular order, sometimes late. For
 * random streams of order events with duplicates, reorderings and delays, the stored
 * orders, scores and personas must end up exactly as after one in-order delivery of each.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { recomputeShop } from "~/scoring/recompute.server";
import { services } from "~/services.server";
import type { AdminGraphql } from "~/platforms/shopify/admin-graphql.server";
import { refreshOrders } from "~/platforms/shopify/sweep.server";
import type { WantedReread } from "~/platforms/types";
import { runRereads } from "~/sync/reread.server";
import { shopifyEvents } from "~/platforms/shopify/webhooks.server";
import { applyDelivery } from "~/sync/apply-events.server";
import { restOrder } from "./support/webhooks";
import { dropQueuedJobs, queuedJobs } from "./support/queued-jobs";
import { addShop as addShopTo } from "./support/db";
import { resetDatabase } from "./support/reset";

const AS_OF = new Date("2026-07-01T00:00:00Z");

interface Version {
  orderId: number;
  customerId: number | null;
  seq: number;
  totalCents: number;
  refundedCents: number;
  cancelled: boolean;
  tag: string;
  subscriptionLine: boolean;
}
type Event = { kind: "version"; v: Version; eventId: string } | { kind: "delete"; orderId: number; eventId: string };

const cents = (c: number) => (c / 100).toFixed(2);
const updatedAt = (seq: number) => new Date(Date.UTC(2026, 5, 1) + seq * 60_000).toISOString();

function restPayload(v: Version) {
  return restOrder(v.orderId, v.customerId, {
    updated_at: updatedAt(v.seq),
    processed_at: new Date(Date.UTC(2026, 0, 1) + v.orderId * 86_400_000).toISOString(),
    total_price: cents(v.totalCents),
    cancelled_at: v.cancelled ? updatedAt(v.seq) : null,
    tags: v.tag,
    line_items: [
      { id: v.orderId * 10, quantity: 1, price: cents(v.totalCents - 500), total_discount: "0.00", discount_allocations: [] },
      { id: v.orderId * 10 + 1, quantity: 1, price: "5.00", total_discount: "0.00", discount_allocations: [] },
    ],
    refunds: v.refundedCents
      ? [{ id: v.orderId * 100, transactions: [{ amount: cents(v.refundedCents), kind: "refund", status: "success" }] }]
      : [],
  });
}

/** The store's Admin API as a re-read sees it once every change has happened: the final versions. */
function adminApiOf(finalVersions: Map<number, Version>, deleted: Set<number>): AdminGraphql {
  const money = (c: number) => ({ shopMoney: { amount: cents(c), currencyCode: "USD" } });
  const orderOf = (gid: string) => {
    const id = Number(gid.split("/").pop());
    const v = finalVersions.get(id);
    if (!v || deleted.has(id)) return null;
    const order = {
      id: `gid://shopify/Order/${id}`,
      processedAt: new Date(Date.UTC(2026, 0, 1) + id * 86_400_000).toISOString(),
      createdAt: updatedAt(0),
      updatedAt: updatedAt(v.seq),
      cancelledAt: v.cancelled ? updatedAt(v.seq) : null,
      test: false,
      sourceName: "web",
      tags: v.tag ? [v.tag] : [],
      email: v.customerId ? `c${v.customerId}@example.com` : "guest@example.com",
      customer: v.customerId ? { id: `gid://shopify/Customer/${v.customerId}`, email: `c${v.customerId}@example.com` } : null,
      totalPriceSet: money(v.totalCents),
      totalRefundedSet: money(v.refundedCents),
      lineItems: {
        pageInfo: { hasNextPage: false, endCursor: null },
        nodes: [
          { id: `gid://shopify/LineItem/${id * 10}`, quantity: 1, originalUnitPriceSet: money(v.totalCents - 500), discountedTotalSet: money(v.totalCents - 500), sellingPlan: null },
          { id: `gid://shopify/LineItem/${id * 10 + 1}`, quantity: 1, originalUnitPriceSet: money(500), discountedTotalSet: money(500), sellingPlan: v.subscriptionLine ? { sellingPlanId: "gid://shopify/SellingPlan/1" } : null },
        ],
      },
    };
    return order;
  };
  return (async (_query: string, variables?: Record<string, unknown>) => ({ data: { nodes: (variables?.ids as string[]).map(orderOf) } }) as never) as AdminGraphql;
}

const versionArb = fc.record({
  customerId: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  totalCents: fc.integer({ min: 600, max: 50_000 }),
  refundedCents: fc.constantFrom(0, 0, 100, 500),
  cancelled: fc.constantFrom(false, false, false, true),
  tag: fc.constantFrom("", "vip", "wholesale"),
  subscriptionLine: fc.boolean(),
});

/** Orders, each with 1–4 successive versions and perhaps a final delete. */
const historyArb = fc
  .array(fc.record({ versions: fc.array(versionArb, { minLength: 1, maxLength: 4 }), deleted: fc.constantFrom(false, false, false, true) }), {
    minLength: 1,
    maxLength: 6,
  })
  .map((orders) => {
    let seq = 0;
    const events: Event[] = [];
    orders.forEach((o, i) => {
      const orderId = i + 1;
      // One customer per order across its versions (an order does not change hands here).
      const customerId = o.versions[0].customerId;
      for (const v of o.versions) {
        events.push({ kind: "version", v: { ...v, customerId, orderId, seq: ++seq, subscriptionLine: o.versions[o.versions.length - 1].subscriptionLine }, eventId: `e${seq}` });
      }
      if (o.deleted) events.push({ kind: "delete", orderId, eventId: `e${++seq}` });
    });
    return events;
  });

/** The same events delivered in another order, some more than once, some late. */
const deliveryArb = (events: Event[]) =>
  fc
    .tuple(
      fc.array(fc.nat(events.length - 1), { maxLength: events.length }), // duplicates
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: events.length * 2, maxLength: events.length * 2 }), // shuffle keys
      fc.nat(events.length * 2), // re-read jobs run part-way through
    )
    .map(([dups, keys, drainAt]) => {
      const all = [...events, ...dups.map((i) => events[i])];
      const order = all.map((e, i) => ({ e, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k).map((x) => x.e);
      return { stream: order, drainAt: Math.min(drainAt, order.length) };
    });

async function addShop(id: string) {
  await addShopTo(services().db, `${id}.myshopify.com`, { id, syncState: false });
}

async function deliverAll(shopId: string, stream: Event[], drainAt: number, api: AdminGraphql) {
  const { db, store, runner } = services();
  const queue = runner.queue;
  // The re-reads the deliveries queued, run here in order (the job runner is not started).
  const drainRereads = async () => {
    const shop = { id: shopId, domain: `${shopId}.myshopify.com`, platform: "shopify", currency: "USD", timezone: "UTC" } as const;
    const orders = { refetchOrders: (_shop: unknown, wanted: readonly WantedReread[]) => refreshOrders(shopId, wanted, { prisma: undefined as never, store, graphql: api }) };
    for (;;) if (!(await runRereads(shop, orders, { db, store, queue, prisma: undefined as never, now: () => AS_OF }, {})).more) break;
    await dropQueuedJobs(db, shopId);
  };
  for (const [i, e] of stream.entries()) {
    if (i === drainAt) await drainRereads();
    const topic = e.kind === "version" ? (e.v.seq === 1 ? "orders/create" : "orders/updated") : "orders/delete";
    const payload = e.kind === "version" ? restPayload(e.v) : { id: e.orderId };
    const shopDomain = `${shopId}.myshopify.com`;
    await applyDelivery(
      { shopDomain, topic, eventId: e.eventId, events: shopifyEvents(topic, payload, shopDomain, JSON.stringify(payload)), rawBody: JSON.stringify(payload) },
      { db, store, queue, now: () => AS_OF },
    );
  }
  await drainRereads();
  await recomputeShop(shopId, { db, now: () => AS_OF });
}

async function outcome(shopId: string) {
  const { db } = services();
  return {
    orders: await db
      .prepare(
        `SELECT id, customerKey, processedAt, updatedAt, totalMinor, refundedMinor, cancelled, tags, deleted, verified, lineCount, specialLineCount
         FROM "Order" WHERE shopId = ? ORDER BY id`,
      )
      .all(shopId),
    lines: await db.prepare(`SELECT orderId, id, totalMinor, subscription FROM "OrderLine" WHERE shopId = ? ORDER BY orderId, id`).all(shopId),
    customers: await db
      .prepare(`SELECT customerKey, recencyDays, frequency, monetaryMinor, r, f, m, persona FROM "Customer" WHERE shopId = ? ORDER BY customerKey`)
      .all(shopId),
  };
}

let run = 0;
beforeEach(async () => {
  await resetDatabase(services().db);
});

describe("webhook delivery order", () => {
  it("GIVEN random order histories WHEN delivered with duplicates, reorderings and delays THEN orders, scores and personas equal one in-order delivery", async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb.chain((events) => fc.tuple(fc.constant(events), deliveryArb(events))),
        async ([events, { stream, drainAt }]) => {
          run++;
          const finals = new Map<number, Version>();
          const deleted = new Set<number>();
          for (const e of events) {
            if (e.kind === "version") finals.set(e.v.orderId, e.v);
            else deleted.add(e.orderId);
          }
          const api = adminApiOf(finals, deleted);
          const inOrder = `inorder${run}`;
          const shuffled = `shuffled${run}`;
          await addShop(inOrder);
          await addShop(shuffled);

          await deliverAll(inOrder, events, events.length, api);
          await deliverAll(shuffled, stream, drainAt, api);

          expect(await outcome(shuffled)).toEqual(await outcome(inOrder));
        },
      ),
      { numRuns: 40 },
    );
    // 40 histories, each delivered twice and recomputed twice: ~8 s alone on PostgreSQL, and
    // several times that beside the suite's multi-process files on two cores.
  }, 180_000);
});
