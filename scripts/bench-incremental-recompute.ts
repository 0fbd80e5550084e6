/**
 * npm run bench:incremental-recompute [-- --orders 300000] [-- --changes 40] [-- --postgres]
 *
 * A recompute after one order, incremental against full (decision 047). A shop of N orders
 * (CDNOW replayed, seeded by bench:recompute's seeding child; all-time lookback) is scored in full once,
 * which builds the scoring state. Then, --changes times: one new order today for a random
 * customer (written through the order store, which marks the customer in ScoringDirty),
 * and the recompute that follows it — incremental (only the marked customer and whoever a moved
 * edge crosses). Then a few more orders each followed by a full recompute, as every order burst
 * cost before. Printed: the first full recompute and the state build, the incremental
 * recompute p50 / p95 / max with its phases, and the full recompute per burst p50. Last, what
 * the marks cost an order write: --writes single-order upserts (each its own transaction, as the
 * webhook inbox applies them) in blocks with the marks and without (the shop's scoring
 * generation set to 0 in this database: the order store marks nothing for an unscored shop).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg } from "./lib/cdnow";
import { startPostgres } from "./pg-server.mjs";
import { openScoringDatabase } from "../app/scoring/connection.server";
import { recomputeWithState } from "../app/scoring/incremental.server";
import { recomputeShop } from "../app/scoring/recompute.server";
import { createOrderStore } from "../app/sync/order-store.server";

const ORDERS = arg("orders", 300_000);
const CHANGES = arg("changes", 40);
const FULL_RUNS = arg("full", 5);
const WRITES = arg("writes", 2_000);
const POSTGRES = process.argv.includes("--postgres");
const SHOP = "bench";

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-incremental-"));
  const server = POSTGRES ? await startPostgres() : null;
  try {
    const url = server ? await server.createDatabase("bench") : `file:${path.join(dir, "shop.db")}`;
    // The shop bench:recompute seeds (its child process does only that with --seed-into).
    execFileSync(path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"), [path.join(import.meta.dirname, "bench-recompute.ts"), "--orders", String(ORDERS), "--seed-into", url], { stdio: "inherit" });
    const db = openScoringDatabase(url);
    const store = createOrderStore(db);
    const lastOrder = (await db.prepare(`SELECT max(${db.sql.epochMs("processedAt")}) FROM "Order" WHERE shopId = ?`).pluck().get(SHOP)) as number;
    const day = Math.floor(Number(lastOrder) / 86_400_000 + 1) * 86_400_000;
    const customers = (await db.prepare(`SELECT DISTINCT customerKey FROM "Order" WHERE shopId = ?`).pluck().all(SHOP)) as string[];
    console.log(`database: ${server ? "PostgreSQL" : "SQLite"}; ${ORDERS.toLocaleString()} orders, ${customers.length.toLocaleString()} customers; load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);

    let at = day + 9 * 3_600_000;
    let build = 0;
    const t0 = performance.now();
    const first = await recomputeWithState(SHOP, {
      db,
      now: () => new Date(at),
      onScored: () => void (build = performance.now()),
    });
    const t1 = performance.now();
    console.log(`first full recompute: ${fmt(build - t0)} (${first.customersWritten.toLocaleString()} rows written), then the state built in ${fmt(t1 - build)}`);

    let n = 0;
    const newOrder = async () => {
      at += 1_000;
      const key = customers[(n++ * 7_919) % customers.length];
      const cents = 1_000 + ((n * 37) % 200) * 100;
      await store.upsertOrders(SHOP, [{
        platform: "shopify", id: `gid://shopify/Order/new-${n}`, customerKey: key, guest: false, processedAt: new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(), currency: "USD", totalMinor: cents, refundedMinor: 0, channel: "web", pos: false,
        subscription: false, test: false, cancelled: false, tags: [],
        lineItems: [{ id: "L1", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }],
      }]);
    };

    const incremental: number[] = [];
    const candidates: number[] = [];
    const phases = { claim: [] as number[], read: [] as number[], state: [] as number[], compare: [] as number[], write: [] as number[] };
    for (let i = 0; i < CHANGES; i++) {
      await newOrder();
      const s = performance.now();
      const run = await recomputeWithState(SHOP, { db, now: () => new Date(at) });
      incremental.push(performance.now() - s);
      if (!run.incremental) throw new Error(`expected an incremental recompute, got a full one (${run.fallback})`);
      candidates.push(run.incremental.candidates);
      for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k].push(run.incremental.phases[k]);
    }
    const sorted = incremental.slice().sort((a, b) => a - b);
    const c = candidates.slice().sort((a, b) => a - b);
    const median = (xs: number[]) => pct(xs.slice().sort((a, b) => a - b), 50);
    console.log(
      `incremental recompute after one order (${CHANGES}×): p50 ${fmt(pct(sorted, 50))}, p95 ${fmt(pct(sorted, 95))}, max ${fmt(sorted.at(-1)!)}; ` +
        `customers looked at p50 ${pct(c, 50)}, max ${c.at(-1)}; median phases: ` +
        Object.entries(phases).map(([k, v]) => `${k} ${fmt(median(v))}`).join(", "),
    );

    const full: number[] = [];
    for (let i = 0; i < FULL_RUNS; i++) {
      await newOrder();
      const s = performance.now();
      await recomputeShop(SHOP, { db, now: () => new Date(at) });
      full.push(performance.now() - s);
    }
    const f = full.slice().sort((a, b) => a - b);
    console.log(`full recompute after one order (${FULL_RUNS}×, as before): p50 ${fmt(pct(f, 50))}, max ${fmt(f.at(-1)!)}; load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);

    // The marks' cost per order write, alternating blocks with and without them (a shop whose
    // generation is 0 has never been scored: the order store marks nothing for it).
    const perWrite: Record<string, number[]> = { marked: [], unmarked: [] };
    const generation = (await db.prepare(`SELECT scoringGeneration FROM "SyncState" WHERE shopId = ?`).pluck().get(SHOP)) as number;
    const setGeneration = (g: number) => db.prepare(`UPDATE "SyncState" SET scoringGeneration = ? WHERE shopId = ?`).run(g, SHOP);
    const unmark = () => setGeneration(0);
    const remark = () => setGeneration(generation);
    for (let block = 0; block < 10; block++) {
      const marked = block % 2 === 0;
      if (!marked) await unmark();
      const s = performance.now();
      for (let i = 0; i < WRITES / 10; i++) await newOrder();
      perWrite[marked ? "marked" : "unmarked"].push((performance.now() - s) / (WRITES / 10));
      if (!marked) await remark();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`order write (upsert, own transaction), ${WRITES} in blocks: with marks ${mean(perWrite.marked).toFixed(3)} ms, without ${mean(perWrite.unmarked).toFixed(3)} ms per order; load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
    await db.close();
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
