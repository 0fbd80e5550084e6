/**
 * npm run bench:writeback-memory [-- --customers 20000,100000]
 *
 * The memory of a shop's first write-back, the one that labels every customer at once through
 * Shopify's bulk operations, at each shop size given. The simulator runs in a process of its
 * own (scripts/lib/writeback-sim-process.ts), so what is measured is the app's: this process
 * started as the worker starts (APP_NODE_FLAGS, APP_PROCESS_ENV), a SQLite database of scored
 * customers, and runWriteback as the write-back job calls it.
 *
 * Printed per size: customers written, time; during the run the peak RSS and the peak of V8's
 * heap plus buffers outside it; and what the run holds while it waits for Shopify's operations
 * (at its last poll, after a full collection): each above what the process held before the run,
 * and per 100k customers. Goal: a first write-back's memory does not grow with the shop.
 */
import { execFileSync, fork, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { scriptAsAppProcess } from "./lib/app-processes";

const sizesArg = process.argv.indexOf("--customers");
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : "20000,100000").split(",").map(Number);
const SHOP = "bench";

async function measure(customers: number): Promise<void> {
  const { openDatabase } = await import("../app/db/index.server");
  const { createShop } = await import("../app/shops/shop.server");
  const { setWriteConsent } = await import("../app/shops/write-consent.server");
  const { ensureStoreSetup } = await import("../app/platforms/shopify/writeback/setup.server");
  const { runWriteback } = await import("../app/platforms/shopify/writeback/writer.server");
  const { scoredCustomer, simGraphqlAt, upsertScoredCustomers } = await import("../test/writeback/sim-client");
  const sim = fork(path.join(import.meta.dirname, "lib", "writeback-sim-process.ts"), [String(customers), SHOP], {
    execArgv: ["--import", "tsx", "--max-old-space-size=12000"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-writeback-memory-"));
  try {
    const { url: simUrl, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      sim.once("message", (m) => resolve(m as { url: string; token: string }));
      sim.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
    });
    const url = `file:${path.join(dir, "shop.db")}`;
    execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
    const db = openDatabase(url);
    await createShop(db, { id: SHOP, domain: `${SHOP}.myshopify.com`, platform: "shopify" }, { now: new Date() });
    await setWriteConsent(db, SHOP, "granted", new Date());
    // What the run holds while Shopify runs its operations (minutes to hours for a large shop):
    // at its last poll, after a full collection, so it is what is held, not garbage (at the
    // first polls the uploads' request bodies may still be on their way out).
    let waiting = 0;
    const simulator = simGraphqlAt(simUrl, SHOP, token);
    const graphql: typeof simulator = (query, variables) => {
      if (query.includes("RfmBulkOperationsById") && globalThis.gc) {
        globalThis.gc();
        const m = process.memoryUsage();
        waiting = m.heapUsed + m.external;
      }
      return simulator(query, variables);
    };
    const deps = {
      db,
      graphql,
      now: () => new Date(),
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      bulkPollMs: 250,
      pollSleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    };
    await ensureStoreSetup(SHOP, deps);
    const day0 = Date.parse("2026-11-01T06:00:00Z");
    for (let from = 0; from < customers; from += 50_000) {
      await upsertScoredCustomers(db, SHOP, Array.from({ length: Math.min(50_000, customers - from) }, (_, i) => scoredCustomer(from + i, day0)));
    }
    globalThis.gc?.();
    const rss0 = process.memoryUsage.rss();
    const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().external;
    let rss = rss0;
    let heap = heap0;
    const sample = () => {
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      heap = Math.max(heap, m.heapUsed + m.external);
    };
    const sampler = setInterval(sample, 10);
    const start = performance.now();
    const report = await runWriteback(SHOP, deps);
    sample();
    clearInterval(sampler);
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
    const per100k = (bytes: number) => ((bytes / 1_048_576) * (100_000 / customers)).toFixed(0);
    console.log(
      `${customers.toLocaleString("en-US")} customers: ${report.mode}, ${report.customers.written.toLocaleString("en-US")} written, ` +
        `${report.customers.failed} failed in ${seconds} s; RSS before ${mb(rss0)} MB, peak +${mb(rss - rss0)} MB (${per100k(rss - rss0)} MB per 100k customers); ` +
        `heap and buffers before ${mb(heap0)} MB, peak +${mb(heap - heap0)} MB (${per100k(heap - heap0)} MB per 100k customers), ` +
        `held at the last poll for Shopify's operations +${mb(waiting - heap0)} MB (${per100k(waiting - heap0)} MB per 100k customers)`,
    );
    await db.close();
  } finally {
    sim.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const only = process.argv.indexOf("--measure");
  if (only > 0) return measure(Number(process.argv[only + 1]));
  // Each size in a process of its own, started as the worker is: nothing one size left behind
  // is in the next one's figures.
  for (const customers of SIZES) {
    const run = scriptAsAppProcess(import.meta.filename, ["--measure", String(customers)]);
    const child = spawnSync(process.execPath, ["--expose-gc", ...run.args], { stdio: "inherit", env: run.env });
    if (child.status !== 0) {
      process.exitCode = child.status ?? 1;
      return;
    }
  }
}

await main();
