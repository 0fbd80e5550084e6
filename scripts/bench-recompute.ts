/**
 * npm run bench:recompute [-- --orders 1000000]
 *
 * Full recompute of a shop of N orders from the database: read every stored order with
 * its line items, apply the merchant's rules, score, assign personas, and write every
 * customer, the day's snapshot and transitions. Orders replay CDNOW (scripts/lib/cdnow.ts)
 * with 1–3 line items each. Run twice: the first writes every customer (all new), the
 * second is a daily run where recency moved on 30 days.
 *
 * Goal: ≤ 10 s for 1M orders.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg, peakRssMb, readCdnow, replayCdnow, splitIntoLines } from "./lib/cdnow";
import { recomputeShop } from "../app/scoring/recompute.server";
import { createShop } from "../app/shops/shop.server";
import { createOrderStore, type OrderHeader } from "../app/sync/order-store.server";
import { openSqlite } from "../app/sync/sqlite.server";
import type { CanonicalLineItem } from "../app/rfm/order";

const ORDERS = arg("orders", 1_000_000);

function seed(dir: string) {
  const url = `file:${path.join(dir, "shop.db")}`;
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openSqlite(url);
  createShop(db, { id: "bench", domain: "bench.myshopify.com", platform: "shopify", settings: { rules: { lookbackDays: null } } }, { now: new Date() });
  const store = createOrderStore(db);
  let headers: OrderHeader[] = [];
  let lines: { orderId: string; lineItem: CanonicalLineItem }[] = [];
  let lastDay = 0;
  for (const o of replayCdnow(readCdnow(), ORDERS)) {
    const id = `gid://shopify/Order/${o.n + 1}`;
    lastDay = Math.max(lastDay, Date.parse(o.at));
    headers.push({
      platform: "shopify", id, customerKey: `gid://shopify/Customer/${o.customer}`, guest: false,
      processedAt: o.at, updatedAt: o.at, currency: "USD", totalMinor: o.cents, refundedMinor: 0,
      channel: "web", pos: false, subscription: false, test: false, cancelled: false, tags: [],
    });
    splitIntoLines(o.n, o.cents).forEach((cents, p) =>
      lines.push({ orderId: id, lineItem: { id: `L${p}`, quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false } }),
    );
    if (headers.length >= 10_000) {
      store.writeBulkBatch("bench", headers, lines);
      headers = [];
      lines = [];
    }
  }
  store.writeBulkBatch("bench", headers, lines);
  store.refreshLineAggregates("bench"); // as a backfill does when its export is in
  return { db, store, asOf: new Date(lastDay + 86_400_000) };
}

function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-recompute-"));
  try {
    const t0 = performance.now();
    const { db, store, asOf } = seed(dir);
    console.log(`seeded ${ORDERS.toLocaleString()} orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const [label, when] of [
      ["first recompute (every customer new)", asOf],
      ["daily recompute 30 days later", new Date(asOf.getTime() + 30 * 86_400_000)],
    ] as const) {
      const start = performance.now();
      const summary = recomputeShop("bench", { db, store, now: () => when });
      const s = (performance.now() - start) / 1000;
      console.log(
        `${label}: ${s.toFixed(2)} s — ${summary.customersScored.toLocaleString()} customers scored, ` +
          `${summary.personaChanges.toLocaleString()} persona changes; read+score ${summary.timingsMs.scoring} ms, ` +
          `write ${summary.timingsMs.writing} ms (goal ≤ 10 s: ${s <= 10 ? "met" : "MISSED"})`,
      );
    }
    console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
