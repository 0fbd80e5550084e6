/**
 * npm run bench:ingest [-- --orders 1000000]
 *
 * Ingest throughput of a Shopify bulk export: N orders in Shopify's real bulk JSONL format
 * (one node per line; line items on their own lines with __parentId, written one parent
 * later so children are not adjacent to their parent) streamed from disk through the
 * production path (parse → validate → normalise → batched upserts with resume points) into
 * a fresh SQLite database. In the same run, a baseline: the same lines JSON.parsed and
 * inserted with raw better-sqlite3 prepared statements into the same tables, no validation.
 *
 * Orders replay ../shared/datasets/cdnow_master.txt: CDNOW row i of replica k becomes order
 * k·rows+i of customer "<k>-<customer id>", its date shifted by 3·k days; each order has 1–3
 * line items whose totals add up to the CDNOW dollar value.
 *
 * Goals: ≥ 25,000 orders/s, ≤ 3× the baseline's time, peak RSS ≤ 300 MB.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { execFileSync } from "node:child_process";
import { arg, peakRssMb, readCdnow, replayCdnow, splitIntoLines } from "./lib/cdnow";
import { ingestBulkLines } from "../app/platforms/shopify/backfill.server";
import { createOrderStore } from "../app/sync/order-store.server";
import { createShop } from "../app/shops/shop.server";
import { openSqlite, writeTransaction } from "../app/sync/sqlite.server";

const ORDERS = arg("orders", 1_000_000);

const money = (cents: number) => ({ shopMoney: { amount: (cents / 100).toFixed(2), currencyCode: "USD" } });

async function writeJsonl(file: string): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(file);
  let lines = 0;
  let pending: string[] = [];
  const write = async (s: string) => {
    lines++;
    if (!out.write(s + "\n")) await once(out, "drain");
  };
  for (const o of replayCdnow(readCdnow(), ORDERS)) {
    const id = `gid://shopify/Order/${o.n + 1}`;
    const customer = `gid://shopify/Customer/${o.customer}`;
    const email = `c${o.customer}@example.com`;
    await write(
      JSON.stringify({
        id,
        processedAt: o.at,
        createdAt: o.at,
        updatedAt: o.at,
        cancelledAt: null,
        test: false,
        sourceName: "web",
        tags: [],
        email,
        customer: { id: customer, email },
        totalPriceSet: money(o.cents),
        totalRefundedSet: money(0),
      }),
    );
    // Children of the previous order come after this parent: not adjacent.
    for (const child of pending) await write(child);
    pending = [];
    splitIntoLines(o.n, o.cents).forEach((cents, p) =>
      pending.push(
        JSON.stringify({
          id: `gid://shopify/LineItem/${o.n * 3 + p + 1}`,
          quantity: 1,
          originalUnitPriceSet: money(cents),
          discountedTotalSet: money(cents),
          sellingPlan: null,
          __parentId: id,
        }),
      ),
    );
  }
  for (const child of pending) await write(child);
  out.end();
  await once(out, "finish");
  return { lines, bytes: statSync(file).size };
}

function readLines(file: string) {
  return createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
}

async function freshDb(dir: string, name: string) {
  const url = `file:${path.join(dir, name)}`;
  // In a child process: the WASM schema engine is not part of what ingest costs in memory.
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openSqlite(url);
  const t = Date.now();
  createShop(db, { id: "bench", domain: "bench.myshopify.com", platform: "shopify" }, { now: new Date(t) });
  db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES ('bench', 'backfill', ?)`).run(t);
  return db;
}

async function baseline(dir: string, file: string) {
  const db = await freshDb(dir, "baseline.db");
  const insertOrder = db.prepare(
    `INSERT INTO "Order" (shopId, id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor,
       channel, pos, subscription, test, cancelled, tags, deleted) VALUES ('bench', ?, ?, 0, ?, ?, 'USD', ?, 0, ?, 0, 0, 0, 0, '[]', 0)`,
  );
  const insertLine = db.prepare(
    `INSERT INTO "OrderLine" (shopId, orderId, id, quantity, unitPriceMinor, totalMinor, subscription) VALUES ('bench', ?, ?, ?, ?, ?, 0)`,
  );
  const start = performance.now();
  let batch: Record<string, any>[] = [];
  const flush = writeTransaction(db, (rows: Record<string, any>[]) => {
    for (const r of rows) {
      if (r.__parentId) {
        const cents = Math.round(Number(r.discountedTotalSet.shopMoney.amount) * 100);
        insertLine.run(r.__parentId, r.id, r.quantity, cents, cents);
      } else {
        insertOrder.run(r.id, r.customer?.id ?? null, Date.parse(r.processedAt), Date.parse(r.updatedAt),
          Math.round(Number(r.totalPriceSet.shopMoney.amount) * 100), r.sourceName);
      }
    }
  });
  for await (const line of readLines(file)) {
    batch.push(JSON.parse(line));
    if (batch.length >= 5000) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  const ms = performance.now() - start;
  db.close();
  return ms;
}

async function ours(dir: string, file: string) {
  const db = await freshDb(dir, "ingest.db");
  const store = createOrderStore(db);
  const start = performance.now();
  const orders = await ingestBulkLines("bench", readLines(file), 0, { db, store });
  const ms = performance.now() - start;
  const stored = store.countOrders("bench");
  const lines = (db.prepare(`SELECT count(*) n FROM "OrderLine"`).get() as { n: number }).n;
  db.close();
  return { ms, orders, stored, lines };
}

/**
 * Each phase runs in its own process, so each peak RSS is that phase's alone (generating a
 * gigabyte of JSONL would otherwise count against the ingest).
 */
function phase(name: string, dir: string, file: string): Record<string, number> {
  const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, "--phase", name, "--dir", dir, "--file", file, "--orders", String(ORDERS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

async function runPhase(name: string, dir: string, file: string) {
  let result: Record<string, number>;
  if (name === "generate") result = await writeJsonl(file);
  else if (name === "ours") result = await ours(dir, file);
  else result = { ms: await baseline(dir, file) };
  process.stdout.write(JSON.stringify({ ...result, rssMb: peakRssMb() }) + "\n");
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-ingest-"));
  try {
    const file = path.join(dir, "orders.jsonl");
    const t0 = performance.now();
    const { lines, bytes } = phase("generate", dir, file);
    console.log(
      `bulk export: ${ORDERS.toLocaleString()} orders, ${lines.toLocaleString()} JSONL lines, ${(bytes / 1e6).toFixed(0)} MB ` +
        `(generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const run = phase("ours", dir, file);
    if (run.stored !== ORDERS) throw new Error(`stored ${run.stored} orders, expected ${ORDERS}`);
    const baseRun = phase("baseline", dir, file);
    const base = baseRun.ms;
    const rate = ORDERS / (run.ms / 1000);
    const ratio = run.ms / base;
    console.log(`baseline (JSON.parse + raw prepared inserts): ${(base / 1000).toFixed(2)} s, ${Math.round(ORDERS / (base / 1000)).toLocaleString()} orders/s`);
    console.log(`ingest (production path):                     ${(run.ms / 1000).toFixed(2)} s, ${Math.round(rate).toLocaleString()} orders/s, ${run.lines.toLocaleString()} line items`);
    console.log(`ratio ingest/baseline: ${ratio.toFixed(2)} (goal ≤ 3)  orders/s goal ≥ 25,000: ${rate >= 25_000 ? "met" : "MISSED"}`);
    console.log(`peak RSS of the ingest process: ${run.rssMb.toFixed(0)} MB (goal ≤ 300 MB); baseline process: ${baseRun.rssMb.toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const phaseIndex = process.argv.indexOf("--phase");
if (phaseIndex > 0) {
  const get = (n: string) => process.argv[process.argv.indexOf(`--${n}`) + 1];
  await runPhase(process.argv[phaseIndex + 1], get("dir"), get("file"));
} else {
  await main();
}
