/**
 * npm run bench:recompute [-- --orders 1000000] [-- --runs 1]
 *
 * Full recompute of a shop of N orders from the database: read every stored order, apply the
 * merchant's rules, score, assign personas, and write what changed, the day's snapshot and
 * transitions. Orders replay CDNOW (scripts/lib/cdnow.ts) with 1–3 line items each (some $0
 * orders, so the line rules read a few orders' lines). Printed in one run:
 *
 * - a raw-scan baseline: the same rows' customer, day and amount read by one prepared
 *   statement into typed arrays, no rule applied — the floor a recompute is measured against;
 * - the first recompute (every customer new) and a daily one 30 days later (no new order),
 *   each with its phases and its ratio to the raw scan;
 * - peak RSS of this process (the shop is seeded in a child process, so this is the
 *   recompute's own memory).
 *
 * Goals: first and daily ≤ 2 s for 1M orders, ≤ 2× the raw scan, peak RSS ≤ 300 MB.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg, peakRssMb, readCdnow, replayCdnow, splitIntoLines } from "./lib/cdnow";
import { openScoringDatabase } from "../app/scoring/connection.server";
import { recomputeShop, type RecomputeSummary } from "../app/scoring/recompute.server";
import { createShop } from "../app/shops/shop.server";
import { rawScan } from "../app/sync/order-columns.server";
import { createOrderStore, type OrderHeader } from "../app/sync/order-store.server";
import { openSqlite } from "../app/sync/sqlite.server";
import type { CanonicalLineItem } from "../app/rfm/order";

const ORDERS = arg("orders", 1_000_000);
const RUNS = arg("runs", 1);
const SHOP = "bench";

/** Child process: a migrated database holding one installed shop with N orders. */
function seed(file: string): void {
  const url = `file:${file}`;
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openSqlite(url);
  createShop(db, { id: SHOP, domain: "bench.myshopify.com", platform: "shopify", settings: { rules: { lookbackDays: null } } }, { now: new Date() });
  // As an install leaves it: the shop's sync state records its scoring day.
  db.prepare(`INSERT INTO "SyncState" (shopId, updatedAt) VALUES (?, ?)`).run(SHOP, Date.now());
  const store = createOrderStore(db);
  let headers: OrderHeader[] = [];
  let lines: { orderId: string; lineItem: CanonicalLineItem }[] = [];
  for (const o of replayCdnow(readCdnow(), ORDERS)) {
    const id = `gid://shopify/Order/${o.n + 1}`;
    headers.push({
      platform: "shopify", id, customerKey: `gid://shopify/Customer/${o.customer}`, guest: false,
      processedAt: o.at, updatedAt: o.at, currency: "USD", totalMinor: o.cents, refundedMinor: 0,
      channel: "web", pos: false, subscription: false, test: false, cancelled: false, tags: [],
    });
    splitIntoLines(o.n, o.cents).forEach((cents, p) =>
      lines.push({ orderId: id, lineItem: { id: `L${p}`, quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false } }),
    );
    if (headers.length >= 10_000) {
      store.writeBulkBatch(SHOP, headers, lines);
      headers = [];
      lines = [];
    }
  }
  store.writeBulkBatch(SHOP, headers, lines);
  store.refreshLineAggregates(SHOP); // as a backfill does when its export is in
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const met = (ok: boolean) => (ok ? "met" : "MISSED");

function phases(summary: RecomputeSummary): string {
  const p = summary.timingsMs.phases;
  return `read+rules ${p.readAndRules} ms, scoring ${p.scoring} ms, compare ${p.compare} ms, customer writes ${p.customerWrites} ms, snapshot ${p.snapshot} ms`;
}

function main() {
  const seedInto = process.argv.indexOf("--seed-into");
  if (seedInto > 0) return seed(process.argv[seedInto + 1]);

  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-recompute-"));
  try {
    const file = path.join(dir, "shop.db");
    const t0 = performance.now();
    execFileSync(path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"), [import.meta.filename, "--orders", String(ORDERS), "--seed-into", file], { stdio: "inherit" });
    console.log(`seeded ${ORDERS.toLocaleString()} orders in ${seconds(performance.now() - t0)} s (child process)`);

    const db = openScoringDatabase(`file:${file}`); // as the scoring worker opens it
    const store = createOrderStore(db);
    const lastOrder = db.prepare(`SELECT max(processedAt) FROM "Order" WHERE shopId = ?`).pluck().get(SHOP) as number;
    const asOf = new Date(Math.floor(lastOrder / 86_400_000 + 1) * 86_400_000);
    for (let run = 1; run <= RUNS; run++) {
      if (RUNS > 1) console.log(`— run ${run} of ${RUNS}`);
      db.prepare(`DELETE FROM "Customer" WHERE shopId = ?`).run(SHOP);
      const s0 = performance.now();
      const scan = rawScan(db, SHOP);
      const baseline = performance.now() - s0;
      console.log(`raw scan baseline: ${seconds(baseline)} s — ${scan.orders.toLocaleString()} orders, ${scan.customers.toLocaleString()} customers into typed arrays`);
      for (const [label, when] of [
        ["first recompute (every customer new)", asOf],
        ["daily recompute 30 days later (no new order)", new Date(asOf.getTime() + 30 * 86_400_000)],
      ] as const) {
        const start = performance.now();
        const summary = recomputeShop(SHOP, { db, store, now: () => when });
        const ms = performance.now() - start;
        console.log(
          `${label}: ${seconds(ms)} s (goal ≤ 2 s: ${met(ms <= 2000)}), ${(ms / baseline).toFixed(2)}× the raw scan (goal ≤ 2×: ${met(ms <= 2 * baseline)}) — ` +
            `${summary.customersScored.toLocaleString()} customers scored, ${summary.customersWritten.toLocaleString()} rows written, ` +
            `${summary.personaChanges.toLocaleString()} persona changes; ${phases(summary)}`,
        );
      }
    }
    const rss = peakRssMb();
    console.log(`peak RSS: ${rss.toFixed(0)} MB (goal ≤ 300 MB: ${met(rss <= 300)})`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
