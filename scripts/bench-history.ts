/**
 * npm run bench:history [-- --orders 1000000]
 *
 * What backdated history costs on install (and after a rule change): a recompute then also
 * scores the shop as of each of the 51 past weeks under today's rules, from the counted orders
 * it has already read, and stores those weekly snapshots and the moves between them
 * (app/rfm/history.ts, app/scoring/history.server.ts). The shop is bench:recompute's (CDNOW
 * replayed into N orders with 1–3 line items each, seeded in a child process). Printed:
 *
 * - the columnar read of the shop's orders (done once) and one scoring as of today;
 * - the 51 backdated scorings in memory: total and per week;
 * - a first recompute, which computes and stores the history, beside a recompute of the same
 *   shop the same day, which does not (the history is there): the difference is what install pays;
 * - rows stored and peak RSS of this process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg, peakRssMb } from "./lib/cdnow";
import { scoreCountedOrders, shopDayOf } from "../app/rfm";
import { backdatedHistory } from "../app/rfm/history";
import { openScoringDatabase } from "../app/scoring/connection.server";
import { HISTORY_WEEKS } from "../app/scoring/history.server";
import { recomputeShop } from "../app/scoring/recompute.server";
import { rfmPart } from "../app/settings/shop-settings";
import { shopSettings } from "../app/shops/settings.server";
import { readCountedOrders } from "../app/sync/order-columns.server";

const ORDERS = arg("orders", 1_000_000);
const SHOP = "bench"; // the shop bench:recompute seeds

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-history-"));
  try {
    const file = path.join(dir, "shop.db");
    const t0 = performance.now();
    execFileSync(
      path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"),
      [path.join(import.meta.dirname, "bench-recompute.ts"), "--orders", String(ORDERS), "--seed-into", `file:${file}`],
      { stdio: "inherit" },
    );
    console.log(`seeded ${ORDERS.toLocaleString()} orders in ${seconds(performance.now() - t0)} s (child process, bench:recompute's shop)`);

    const db = openScoringDatabase(`file:${file}`); // as the scoring worker opens it
    const lastOrder = (await db.prepare(`SELECT max(processedAt) FROM "Order" WHERE shopId = ?`).pluck().get(SHOP)) as number;
    const asOf = new Date(Math.floor(lastOrder / 86_400_000 + 1) * 86_400_000);
    const settings = rfmPart(await shopSettings(db, SHOP));
    const dayOf = shopDayOf(null);

    // In memory: one read, then every cut-off scored from the same columns.
    let s = performance.now();
    const { columns } = await readCountedOrders(db, SHOP, settings.rules, dayOf(asOf), dayOf);
    const read = performance.now() - s;
    s = performance.now();
    const live = scoreCountedOrders(columns, settings, asOf);
    const today = performance.now() - s;
    s = performance.now();
    const history = backdatedHistory(columns, settings, asOf, { weeks: HISTORY_WEEKS, live });
    const weeks = performance.now() - s;
    const moves = history.points.reduce((n, p) => n + p.moves.length, 0) + history.movesToAsOf.length;
    console.log(
      `read once: ${seconds(read)} s — ${columns.day.length.toLocaleString()} counted orders, ${columns.customerCount.toLocaleString()} customers; ` +
        `scoring as of today: ${today.toFixed(0)} ms`,
    );
    console.log(
      `${history.points.length} backdated weeks scored in memory: ${seconds(weeks)} s, ${(weeks / Math.max(1, history.points.length)).toFixed(0)} ms per week ` +
        `(${((weeks / Math.max(1, history.points.length)) / (columns.customerCount / 1e6)).toFixed(0)} ms per week per 1M customers); ${moves} from→to rows`,
    );

    // Through the product: the first recompute computes and stores the history, the second (same day) finds it there.
    s = performance.now();
    const first = await recomputeShop(SHOP, { db, now: () => asOf });
    const firstMs = performance.now() - s;
    s = performance.now();
    const again = await recomputeShop(SHOP, { db, now: () => asOf });
    const againMs = performance.now() - s;
    const snapshots = (await db.prepare(`SELECT count(*) FROM "PersonaSnapshot" WHERE shopId = ? AND backdatedUnder IS NOT NULL`).pluck().get(SHOP)) as number;
    const transitions = (await db.prepare(`SELECT count(*) FROM "PersonaTransition" WHERE shopId = ?`).pluck().get(SHOP)) as number;
    console.log(
      `first recompute (install, history stored): ${seconds(firstMs)} s — history ${seconds(first.timingsMs.phases.history)} s, ` +
        `snapshot + history rows ${first.timingsMs.phases.snapshot} ms; ${first.backdatedWeeks} weeks, ${snapshots} backdated snapshot rows, ${transitions} transition rows`,
    );
    console.log(
      `same-day recompute (history already there): ${seconds(againMs)} s — history ${again.timingsMs.phases.history} ms; ` +
        `what install pays for the history: ${seconds(first.timingsMs.phases.history + first.timingsMs.phases.snapshot - again.timingsMs.phases.snapshot)} s`,
    );
    console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB`);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
