/**
 * A shop's order webhooks applied together (applyOrderDeliveries, decision 052) do exactly what
 * applying them one by one does. Runs on SQLite (npm test) and PostgreSQL (npm run test:pg).
 */
import { describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/types";
import type { VerifiedDelivery } from "~/platforms/types";
import { redactCustomer } from "~/privacy/redact.server";
import type { CanonicalOrder } from "~/rfm/order";
import { applyInbox, storeDelivery } from "./inbox.server";
import { applyDelivery, applyOrderDeliveries } from "./apply-events.server";
import { createOrderStore, type OrderStore } from "./order-store.server";
import { recomputeShop } from "~/scoring/recompute.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { recordStatements } from "../../test/support/statements";

const DOMAIN = "group.myshopify.com";
const T0 = Date.parse("2026-06-01T10:00:00Z");

function random(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { int: (n: number) => Math.floor(next() * n) };
}

function order(id: number, version: number, customer: number): CanonicalOrder {
  const totalMinor = 1000 + 7 * version;
  return anOrder({
    id: `gid://shopify/Order/${id}`,
    customerKey: `gid://shopify/Customer/${customer}`,
    processedAt: new Date(T0 - id * 86_400_000).toISOString(),
    updatedAt: new Date(T0 + version * 60_000).toISOString(),
    totalMinor,
    lineItems: [{ id: `gid://shopify/LineItem/${id}`, quantity: 1, unitPriceMinor: totalMinor, totalMinor, subscription: false }],
  });
}

/** A queue that records what is asked of it (as the inbox's batch queue stages it). */
function recordingQueue(): JobQueue & { asked: Set<string> } {
  const asked = new Set<string>();
  return {
    asked,
    async enqueue(...request) {
      asked.add(JSON.stringify(request));
    },
  } as JobQueue & { asked: Set<string> };
}

interface Twin {
  db: Db;
  shopId: string;
  store: OrderStore;
}

async function twin(): Promise<Twin> {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, DOMAIN);
  return { db, shopId, store: createOrderStore(db) };
}

async function contents({ db, shopId }: Twin) {
  const rows = (sql: string) => db.prepare(sql).all(shopId);
  return {
    orders: await rows(`SELECT id, customerKey, ${db.sql.epochMs("updatedAt")} AS updatedAt, totalMinor, verified, deleted, itemsTotalMinor, lineCount FROM "Order" WHERE shopId = ? ORDER BY id`),
    lines: await rows(`SELECT orderId, id, totalMinor FROM "OrderLine" WHERE shopId = ? ORDER BY orderId, id`),
    events: await db.prepare(`SELECT eventId, topic FROM "WebhookEvent" ORDER BY eventId`).all(),
    contacts: await rows(`SELECT customerKey FROM "CustomerContact" WHERE shopId = ? ORDER BY customerKey`),
    marks: await rows(`SELECT customerKey, claimed FROM "ScoringDirty" WHERE shopId = ? ORDER BY customerKey`),
  };
}

describe("a shop's order deliveries applied together (decision 052)", () => {
  it("GIVEN random runs of order deliveries (new orders, newer and older versions, a delivery twice, webhook copies held for a re-read, a redacted customer's) WHEN applied together THEN outcomes, rows, dedupe records, scoring marks and jobs asked for equal applying them one by one", async () => {
    const together = await twin();
    const alone = await twin();
    const rng = random(20261201);
    // A scored shop (its writes mark customers) with one redacted customer.
    for (const t of [together, alone]) {
      await t.store.upsertOrders(t.shopId, [order(1, 0, 1), order(2, 0, 2)]);
      await recomputeShop(t.shopId, { db: t.db, now: () => new Date(T0) });
      await t.db.transaction(() => redactCustomer(t.db, t.store, t.shopId, { customerKey: "gid://shopify/Customer/9" }, new Date(T0)));
    }
    let sent: VerifiedDelivery[] = [];
    const seen = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const group: VerifiedDelivery[] = [];
      for (let k = 2 + rng.int(12); k > 0; k--) {
        const kind = rng.int(6);
        const before = [...sent, ...group];
        if (kind === 0 && before.length > 0) {
          group.push(before[rng.int(before.length)]); // the same delivery again (Shopify retries), maybe in this very run
          continue;
        }
        const id = 1 + rng.int(15);
        const version = kind === 1 ? rng.int(3) : 3 + round * 20 + rng.int(20); // kind 1: probably older than what is stored
        const customer = rng.int(4) === 0 ? 9 : 1 + rng.int(5);
        const awaitsReread = rng.int(2) === 0;
        group.push({
          shopDomain: DOMAIN,
          eventId: `e-${round}-${k}-${id}`,
          topic: version === 0 ? "orders/create" : "orders/updated",
          events: [{ type: "order.upserted", order: order(id, version, customer), awaitsReread, ...(rng.int(5) === 0 && { rereadAnyway: true }) }],
          rawBody: "",
        });
      }
      sent = [...sent, ...group];

      const queueTogether = recordingQueue();
      const queueAlone = recordingQueue();
      const outcomes = await together.db.transaction(() => applyOrderDeliveries(group, { db: together.db, store: together.store, queue: queueTogether }));
      const one: string[] = [];
      await alone.db.transaction(async () => {
        for (const d of group) one.push(await applyDelivery(d, { db: alone.db, store: alone.store, queue: queueAlone }));
      });

      expect(outcomes, `round ${round}`).toEqual(one);
      for (const o of outcomes) seen.add(o);
      expect(await contents(together), `round ${round}`).toEqual(await contents(alone));
      expect([...queueTogether.asked].sort(), `round ${round}`).toEqual([...queueAlone.asked].sort());
    }
    expect([...seen].sort()).toEqual(["duplicate", "processed", "stale"]);
  });

  it("GIVEN 25 pending order deliveries of one shop WHEN the inbox applies them THEN the shop is looked up once, not once per delivery", async () => {
    const t = await twin();
    const queue = recordingQueue();
    for (let i = 1; i <= 25; i++) {
      await storeDelivery(t.db, queue, "shopify", {
        shopDomain: DOMAIN,
        eventId: `e-${i}`,
        topic: "orders/create",
        events: [{ type: "order.upserted", order: order(i, 1, i % 5), awaitsReread: true }],
        rawBody: "",
      });
    }

    let report: Awaited<ReturnType<typeof applyInbox>> | undefined;
    const seen = await recordStatements(t.db, async () => {
      report = await applyInbox({ db: t.db, store: t.store, queue }, { holdMs: 60_000 });
    });

    expect(report?.applied).toBe(25);
    expect([...report!.outcomes.values()].every((o) => o === "processed")).toBe(true);
    expect(seen.filter((s) => /FROM "Shop" WHERE domain/.test(s.sql))).toHaveLength(1);
    expect(await t.db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(t.shopId)).toEqual(25);
  });
});
