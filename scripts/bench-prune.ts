/**
 * npm run bench:prune [-- --rows 1000000 --body 2000]
 *
 * Does the daily prune keep the process answering? On SQLite the prune runs on the process's
 * own thread, and better-sqlite3 is synchronous: while a delete runs, nothing else does. Seeds
 * `--rows` applied webhook deliveries (`--body` bytes of payload each) and as many dedupe
 * records, all past their retention, plus a day of recent ones; then prunes while a stand-in
 * for webhook receipts writes a row every 5 ms, and prints the prune's time, the longest
 * event-loop stall and the receipts' latency. Twice: in slices (as the app prunes) and with
 * one slice per table (close to how it pruned before), each on a fresh copy of the same database.
 */
import "./lib/bench-env";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg } from "./lib/cdnow";
import { openDatabase, type Db } from "../app/db/index.server";
import { pruneOldRows, PRUNE_SLICE_MS, type PruneOptions } from "../app/housekeeping/prune.server";

const ROWS = arg("rows", 1_000_000);
const BODY = arg("body", 2_000);
const DAY = 86_400_000;
const NOW = new Date("2026-12-01T03:30:00Z");
const RECENT = 10_000;

async function seed(db: Db): Promise<void> {
  const body = JSON.stringify([{ topic: "orders/updated", payload: "x".repeat(Math.max(0, BODY - 40)) }]);
  const inbox = db.prepare(
    `INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts, outcome, appliedAt) VALUES ('shopify', ?, ?, 'orders/updated', ?, ?, 1, 'processed', ?)`,
  );
  const event = db.prepare(`INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES (?, ?, 'orders/updated', ?)`);
  const chunk = 50_000;
  for (let start = 0; start < ROWS + RECENT; start += chunk) {
    await db.transaction(async () => {
      for (let i = start; i < Math.min(ROWS + RECENT, start + chunk); i++) {
        // The expired rows first, as time wrote them; the last RECENT within their retention.
        const at = i < ROWS ? NOW.getTime() - 9 * DAY + Math.floor((i / ROWS) * DAY) : NOW.getTime() - DAY / 2;
        const shop = `shop-${i % 50}.myshopify.com`;
        await inbox.run(shop, `e${i}`, body, at, at + 50);
        await event.run(shop, `e${i}`, at);
      }
    });
  }
}

interface Figures {
  seconds: number;
  deleted: number;
  maxStallMs: number;
  receipts: number;
  receiptP50: number;
  receiptP99: number;
  receiptMax: number;
}

async function measure(url: string, options: PruneOptions): Promise<Figures> {
  const db = openDatabase(url);
  // The longest gap between two turns of a 1 ms timer: how long the thread answered nothing.
  let lastTurn = performance.now();
  let maxStallMs = 0;
  const turns = setInterval(() => {
    const t = performance.now();
    maxStallMs = Math.max(maxStallMs, t - lastTurn);
    lastTurn = t;
  }, 1);
  const latencies: number[] = [];
  let stop = false;
  let started = Infinity;
  let ended = Infinity;
  const receive = db.prepare(`INSERT INTO "WebhookEvent" (shopDomain, eventId, topic, receivedAt) VALUES ('live.myshopify.com', ?, 'orders/create', ?)`);
  let n = 0;
  const writes: Promise<void>[] = [];
  // A receipt due every 5 ms, each on its own (as webhook requests arrive): when the thread
  // wakes, every receipt that came due meanwhile starts. Latency: from when it was due to when
  // its commit returned.
  const receipts = (async () => {
    let due = performance.now();
    while (!stop) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due + 5 - performance.now())));
      for (; due + 5 <= performance.now(); ) {
        due += 5;
        const from = due;
        writes.push(
          db.transaction(async () => {
            await receive.run(`live-${n++}`, NOW);
          }).then(() => {
            // Receipts due while the prune runs (the warm-up's first writes open the file).
            if (from >= started && from <= ended) latencies.push(performance.now() - from);
          }),
        );
      }
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 200));
  maxStallMs = 0;
  const t0 = performance.now();
  started = t0;
  const counts = await pruneOldRows(db, NOW, undefined, options);
  ended = performance.now();
  const seconds = (ended - t0) / 1000;
  // One more turn of the loop, so a stall that lasted to the end is sampled.
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(turns);
  stop = true;
  await receipts;
  await Promise.all(writes);
  await db.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    seconds,
    deleted: counts.webhookInbox + counts.webhookEvents,
    maxStallMs,
    receipts: latencies.length,
    receiptP50: at(0.5),
    receiptP99: at(0.99),
    receiptMax: latencies.at(-1) ?? 0,
  };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-prune-"));
  try {
    const seeded = path.join(dir, "seeded.db");
    execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", `file:${seeded}`], { stdio: "ignore" });
    const t = performance.now();
    const db = openDatabase(`file:${seeded}`);
    await seed(db);
    await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    await db.close();
    console.log(
      `seeded ${ROWS.toLocaleString()} applied deliveries (${BODY} B each) and ${ROWS.toLocaleString()} dedupe records past retention, ` +
        `${RECENT.toLocaleString()} of each within it, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    for (const [label, options] of [
      [`in slices of ~${PRUNE_SLICE_MS} ms (the app)`, {}],
      ["one slice per table", { sliceMs: Infinity, maxSliceRows: Number.MAX_SAFE_INTEGER }],
    ] as const) {
      const copy = path.join(dir, "run.db");
      copyFileSync(seeded, copy);
      const f = await measure(`file:${copy}`, options);
      console.log(
        `prune ${label}: ${f.seconds.toFixed(2)} s, ${f.deleted.toLocaleString()} rows deleted; longest event-loop stall ${f.maxStallMs.toFixed(0)} ms; ` +
          `receipts every 5 ms: ${f.receipts} written, latency p50 ${f.receiptP50.toFixed(1)} ms, p99 ${f.receiptP99.toFixed(1)} ms, max ${f.receiptMax.toFixed(0)} ms`,
      );
      rmSync(copy, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
