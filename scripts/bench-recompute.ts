/**
 * npm run bench:recompute [-- --orders 1000000] [-- --runs 1] [-- --postgres]
 *
 * On SQLite by default (a database file in a temp dir); with --postgres on a throwaway
 * PostgreSQL server (scripts/pg-server.mjs: Debian's postgresql package), the reads streamed
 * through a cursor and the changed customers written in bulk. Peak RSS is this process's
 * (the recompute's), not the server's.
 *
 * Full recompute of a shop of N orders from the database: read every stored order, apply the
 * merchant's rules, score, assign personas, and write what changed, the day's snapshot and
 * transitions. Orders replay CDNOW (scripts/lib/cdnow.ts) with 1–3 line items each (some $0
 * orders, so the line rules read a few orders' lines). Printed in one run:
 *
 * - a raw-scan baseline: the same rows' customer, day and amount read by one prepared
 *   statement into typed arrays, no rule applied — the floor a recompute is measured against;
 *   on SQLite also the same scan through the pages the recompute reads with (decision 065);
 * - the first recompute (every customer new) and a daily one 30 days later (no new order),
 *   each with its phases and its ratio to the raw scan; a recompute that publishes the
 *   dashboard's figures before its rows (decision 070) prints both times;
 * - peak RSS of this process (the shop is seeded in a child process, so this is the
 *   recompute's own memory). The recomputes run on a worker thread with the app's scoring
 *   threads' resource limits (SCORING_THREAD_LIMITS), as the app runs them.
 *
 * Goals: first and daily ≤ 2 s for 1M orders, ≤ 2× the raw scan, peak RSS ≤ 300 MB.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { arg, peakRssMb, readCdnow, replayCdnow, splitIntoLines } from "./lib/cdnow";
import { startPostgres } from "./pg-server.mjs";
import { SCORING_THREAD_LIMITS } from "../app/scoring/thread-limits";
import { APP_NODE_FLAGS, APP_PROCESS_ENV, scriptAsAppProcess } from "./lib/app-processes";
import type { RecomputeSummary } from "../app/scoring/recompute.server";
import type { OrderHeader } from "../app/sync/order-store.server";
import type { CanonicalLineItem } from "../app/rfm/order";

const ORDERS = arg("orders", 1_000_000);
const RUNS = arg("runs", 1);
const SHOP = "bench";

const POSTGRES = process.argv.includes("--postgres");

/** Child process: a migrated database holding one installed shop with N orders. */
async function seed(url: string): Promise<void> {
  const { isSqlite, openDatabase } = await import("../app/db/index.server");
  const { createShop } = await import("../app/shops/shop.server");
  const { createOrderStore } = await import("../app/sync/order-store.server");
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openDatabase(url);
  await createShop(db, { id: SHOP, domain: "bench.myshopify.com", platform: "shopify", settings: { rules: { lookbackDays: null } } }, { now: new Date() });
  // As an install leaves it: the shop's sync state records its scoring day.
  await db.prepare(`INSERT INTO "SyncState" (shopId, updatedAt) VALUES (?, ?)`).run(SHOP, new Date());
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
      await store.writeBulkBatch(SHOP, headers, lines);
      headers = [];
      lines = [];
    }
  }
  await store.writeBulkBatch(SHOP, headers, lines);
  await store.refreshLineAggregates(SHOP); // as a backfill does when its export is in
  // What the engine's own housekeeping would have done by the time a shop is recomputed.
  if (isSqlite(db)) await db.withNative((native) => native.pragma("wal_checkpoint(TRUNCATE)"));
  else await db.exec(`VACUUM ANALYZE`);
  await db.close();
}

/** Bytes this process has passed to write(2) (Linux): the database's WAL, checkpoints and temporary files. */
const bytesWritten = () => {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
};

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const met = (ok: boolean) => (ok ? "met" : "MISSED");

function phases(summary: RecomputeSummary): string {
  const p = summary.timingsMs.phases;
  return `read+rules ${p.readAndRules} ms, scoring ${p.scoring} ms, compare ${p.compare} ms, publish ${p.publish} ms, history ${p.history} ms, customer writes ${p.customerWrites} ms, snapshot ${p.snapshot} ms`;
}

/** The timed part, on a thread with the scoring threads' limits (the app's recompute runs on one). */
async function measure(url: string): Promise<void> {
  // The app's modules load here only: the main thread's memory stays the runner's.
  const { openScoringDatabase } = await import("../app/scoring/connection.server");
  const { recomputeShop } = await import("../app/scoring/recompute.server");
  const { rawScan } = await import("../app/sync/order-columns.server");
  const db = openScoringDatabase(url); // as the scoring worker opens it
  const lastOrder = (await db.prepare(`SELECT max(processedAt) FROM "Order" WHERE shopId = ?`).pluck().get(SHOP)) as number;
  const asOf = new Date(Math.floor(lastOrder / 86_400_000 + 1) * 86_400_000);
  for (let run = 1; run <= RUNS; run++) {
    if (RUNS > 1) console.log(`— run ${run} of ${RUNS}`);
    await db.prepare(`DELETE FROM "Customer" WHERE shopId = ?`).run(SHOP);
    parentPort?.postMessage("raw scan");
    const s0 = performance.now();
    const scan = await rawScan(db, SHOP);
    const baseline = performance.now() - s0;
    console.log(`raw scan baseline: ${seconds(baseline)} s — ${scan.orders.toLocaleString()} orders, ${scan.customers.toLocaleString()} customers into typed arrays`);
    for (const [label, when] of [
      ["first recompute (every customer new)", asOf],
      ["daily recompute 30 days later (no new order)", new Date(asOf.getTime() + 30 * 86_400_000)],
    ] as const) {
      parentPort?.postMessage(label.split(" (")[0]);
      const written = bytesWritten();
      const start = performance.now();
      let published: number | null = null;
      const summary = await recomputeShop(SHOP, { db, now: () => when, onPublished: () => void (published = performance.now() - start) });
      const ms = performance.now() - start;
      const megabytes = (bytesWritten() - written) / 1e6;
      const figure = (what: string, at: number) =>
        `${what} ${seconds(at)} s (goal ≤ 2 s: ${met(at <= 2000)}), ${(at / baseline).toFixed(2)}× the raw scan (goal ≤ 2×: ${met(at <= 2 * baseline)})`;
      // A recompute that writes many rows publishes the dashboard's figures first (decision 070): both times, each against the goals.
      const times = published === null ? figure("done in", ms) : `${figure("dashboard figures published after", published)}; ${figure("every row stored after", ms)}`;
      console.log(
        `${label}: ${times} — ` +
          `${summary.customersScored.toLocaleString()} customers scored, ${summary.customersWritten.toLocaleString()} rows written, ` +
          `${summary.personaChanges.toLocaleString()} persona changes; ${phases(summary)}; written to files ${Number.isNaN(megabytes) ? "n/a" : `${megabytes.toFixed(0)} MB`}`,
      );
    }
    if (!POSTGRES) {
      // Not the baseline: the same scan through the pages the recompute reads with (decision
      // 065). Last, so that what it leaves for the collector is not in the recomputes' peaks.
      parentPort?.postMessage("the same scan in pages");
      const p0 = performance.now();
      await rawScan(db, SHOP, { paged: true });
      console.log(`the same scan in pages, as the recompute reads on SQLite: ${seconds(performance.now() - p0)} s (for comparison; the ratios above are to the row-at-a-time scan)`);
    }
  }
  await db.close();
}

async function main() {
  const seedInto = process.argv.indexOf("--seed-into");
  if (seedInto > 0) return seed(process.argv[seedInto + 1]);
  if (process.argv.includes("--load-only")) {
    // The measured process's modules, loaded by a process of their own that has ended: tsx
    // then finds them compiled. The app runs compiled code; compiling them in the measured
    // process (a fresh clone, as CI's) added 15–40 MB to its peak RSS.
    await import("../app/scoring/connection.server");
    await import("../app/scoring/recompute.server");
    await import("../app/sync/order-columns.server");
    return;
  }
  if (!isMainThread) return measure(workerData as string);
  // As the app's processes start: with APP_NODE_FLAGS and APP_PROCESS_ENV (read when the process
  // starts, so no code can set them later). This file again, so.
  if (APP_NODE_FLAGS.some((flag) => !process.execArgv.includes(flag)) || Object.entries(APP_PROCESS_ENV).some(([name, value]) => process.env[name] !== value)) {
    execFileSync(path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"), [import.meta.filename, "--load-only"], { stdio: "inherit" });
    const run = scriptAsAppProcess(import.meta.filename, process.argv.slice(2));
    const again = spawnSync(process.execPath, run.args, { stdio: "inherit", env: run.env });
    process.exitCode = again.status ?? 1;
    return;
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-recompute-"));
  const server = POSTGRES ? await startPostgres() : null;
  try {
    const url = server ? await server.createDatabase("bench") : `file:${path.join(dir, "shop.db")}`;
    console.log(`database: ${server ? "PostgreSQL (throwaway server)" : "SQLite"}`);
    const t0 = performance.now();
    execFileSync(path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"), [import.meta.filename, "--orders", String(ORDERS), "--seed-into", url], { stdio: "inherit" });
    console.log(`seeded ${ORDERS.toLocaleString()} orders in ${seconds(performance.now() - t0)} s (child process)`);
    // This file again, on a thread with the scoring threads' resource limits.
    const thread = new Worker(import.meta.filename, { argv: process.argv.slice(2), workerData: url, resourceLimits: SCORING_THREAD_LIMITS });
    // Which phase the peak fell in: this thread is idle meanwhile, so it samples RSS.
    let phase = "loading the app";
    const peaks = new Map<string, number>();
    thread.on("message", (name: string) => (phase = name));
    const sampler = setInterval(() => peaks.set(phase, Math.max(peaks.get(phase) ?? 0, process.memoryUsage.rss() / 1_048_576)), 10);
    await new Promise<void>((resolve, reject) => {
      thread.once("error", reject);
      thread.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the recompute thread exited with ${code}`))));
    }).finally(() => clearInterval(sampler));
    const rss = peakRssMb();
    console.log(`peak RSS: ${rss.toFixed(0)} MB (goal ≤ 300 MB: ${met(rss <= 300)}); sampled peak by phase: ${[...peaks].map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`).join(", ")}`);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
