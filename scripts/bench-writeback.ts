/**
 * npm run bench:writeback [-- --customers 100000 --changed 0.05 --online-first]
 *
 * Write-back of a 100k-customer shop to the Shopify Admin simulator on the Standard plan
 * throttle (100 points/s restore, 2,000-point bucket), over real HTTP:
 *   (a) the first full write-back (every customer gets its persona),
 *   (b) a daily run where 5% of the customers changed (half persona changes, half score changes),
 *   (b') the same daily change set forced through the online path, for comparison,
 *   (c) a daily run where nothing changed — must make 0 write calls.
 * (--online-first also forces (a) online: ~1.3M points, hours of simulated throttle time.)
 *
 * Time: the simulator and write-back share a virtual clock, real time plus every throttle
 * wait write-back asked for — waits are skipped, not slept, and the simulator's bucket
 * refills by the same clock. "wall" = real elapsed + skipped waits: what the run would
 * take against Shopify with the simulator's processing speed. Bulk operations run in the
 * simulator in real time (it executes every JSONL line through the real schema).
 *
 * Theoretical minimum for a change set = the points its writes cost when sent online in
 * the fewest possible calls (10 per tagsAdd/tagsRemove/flowTriggerReceive, 10 per 25
 * metafields set, 10 per 250 deleted) ÷ restore rate. Bulk operations do not draw on
 * the bucket, so the bulk path can beat it; the online path cannot.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../app/db/index.server";
import { createShop } from "../app/shops/shop.server";
import { setWriteConsent } from "../app/shops/write-consent.server";
import { personaNamesFor } from "../app/writeback/desired";
import type { WritebackReport } from "../app/writeback/run.server";
import { shopifyCustomerIds } from "../app/platforms/shopify/ids";
import { PERSONA_NAMESPACE } from "../app/platforms/shopify/writeback/metafields";
import { ensureStoreSetup } from "../app/platforms/shopify/writeback/setup.server";
import { runWriteback, type ShopifyWritebackDeps as WritebackDeps } from "../app/platforms/shopify/writeback/writer.server";
import { planShop } from "../app/writeback/shop-plan";
import { loadCustomers } from "../app/writeback/store.server";
import { shopSettings } from "../app/shops/settings.server";
import { startSimulator } from "../sim/shopify";
import { scoredCustomer, simCustomers, simGraphql, upsertScoredCustomers, type ScoredCustomer } from "../test/writeback/sim-client";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CUSTOMERS = arg("customers", 100_000);
const CHANGED = arg("changed", 0.05);
const ONLINE_FIRST = process.argv.includes("--online-first");
const RESTORE_RATE = 100;
const BUCKET = 2000;
const DAY = 86_400_000;

/** Points the change set costs online in the fewest calls, from the plan the run will execute. */
async function minimumPoints(deps: WritebackDeps, shopId: string, flowsExpected: number): Promise<{ points: number; customers: number }> {
  const settings = await shopSettings(deps.db, shopId);
  const plan = planShop(await loadCustomers(deps.db, shopId), {
    writeback: settings.writeback,
    personaName: personaNamesFor(settings.personas),
    fieldPlace: PERSONA_NAMESPACE,
    isWritable: shopifyCustomerIds.isWritable,
  });
  let calls = 0;
  let sets = 0;
  let deletes = 0;
  for (const job of plan.jobs) {
    calls += (job.plan.labelsAdd.length > 0 ? 1 : 0) + (job.plan.labelsRemove.length > 0 ? 1 : 0);
    sets += job.plan.fieldsSet.length;
    deletes += job.plan.fieldsDelete.length;
  }
  calls += Math.ceil(sets / 25) + Math.ceil(deletes / 250) + flowsExpected + plan.triggers.length;
  return { points: calls * 10, customers: plan.jobs.length };
}

const fmt = (n: number) => n.toLocaleString("en-US");
const secs = (ms: number) => (ms / 1000).toFixed(1);

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-writeback-"));
  const url = `file:${path.join(dir, "shop.db")}`;
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openDatabase(url);
  await createShop(db, { id: "bench", domain: "bench.myshopify.com", platform: "shopify" }, { now: new Date() });
  // The merchant approved write-back on the dashboard: the bench measures the writer, not the wait for consent.
  await setWriteConsent(db, "bench", "granted", new Date());

  // The virtual clock: real time plus the throttle waits write-back skipped.
  let skipped = 0;
  const clock = { now: () => Date.now() + skipped };
  const sleep = async (ms: number) => {
    skipped += ms;
    await new Promise((r) => setImmediate(r));
  };
  const t0 = performance.now();
  const sim = await startSimulator({
    clock,
    bulk: { delayMs: 500 },
    shops: [{ domain: "bench", plan: "Standard", customers: simCustomers(CUSTOMERS) }],
  });
  const shop = sim.shop("bench");
  console.log(
    `simulator: ${fmt(CUSTOMERS)} customers on the ${shop.plan} plan (restore ${shop.bucket.status().restoreRate}/s, ` +
      `bucket ${shop.bucket.status().maximumAvailable}) in ${secs(performance.now() - t0)} s`,
  );

  const deps: WritebackDeps = {
    db,
    graphql: simGraphql(sim, "bench.myshopify.com"),
    now: () => new Date(clock.now()),
    sleep,
    bulkPollMs: 250,
    pollSleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const setup = await ensureStoreSetup("bench", deps);
  console.log(`setup: ${setup.definitions.created.length} metafield definitions, ${setup.segments.created.length} segments`);

  const day0 = Date.parse("2026-11-01T06:00:00Z");
  const first: ScoredCustomer[] = Array.from({ length: CUSTOMERS }, (_, n) => scoredCustomer(n, day0));
  await upsertScoredCustomers(db, "bench", first);

  const rows: string[][] = [];
  async function scenario(label: string, overrides: Partial<WritebackDeps>, flowsExpected = 0): Promise<WritebackReport> {
    const minimum = await minimumPoints(deps, "bench", flowsExpected);
    shop.resetStats();
    const realStart = performance.now();
    const skippedStart = skipped;
    const report = await runWriteback("bench", { ...deps, ...overrides });
    const real = performance.now() - realStart;
    const waited = skipped - skippedStart;
    const wall = real + waited;
    const writeCalls = shop.stats().mutations.length;
    const minSeconds = minimum.points / RESTORE_RATE;
    const burstSeconds = Math.max(0, minimum.points - BUCKET) / RESTORE_RATE;
    rows.push([
      label,
      report.mode,
      fmt(minimum.customers),
      fmt(report.requests),
      fmt(writeCalls),
      fmt(report.costPoints),
      fmt(report.throttled),
      `${secs(wall)} s (${secs(real)} real + ${secs(waited)} waited)`,
      minSeconds > 0 ? `${fmt(minimum.points)} pts = ${minSeconds.toFixed(1)} s` : "0",
      minSeconds > 0 ? `${(wall / 1000 / minSeconds).toPrecision(2)}×` : "–",
      minSeconds > 0 ? `${burstSeconds.toFixed(1)} s` : "–",
    ]);
    console.log(
      `${label}: ${report.mode}, ${fmt(report.customers.written)} written, ${fmt(report.customers.failed)} failed, ` +
        `${fmt(report.flowTriggers.sent)} Flow triggers, ${fmt(report.requests)} requests, ${fmt(report.costPoints)} points, ` +
        `${report.throttled} THROTTLED, ${report.retries} retries, wall ${secs(wall)} s`,
    );
    // A run that writes nothing while customers are owed a write measures nothing: fail loudly.
    if (minimum.customers > 0 && report.customers.written === 0) throw new Error(`${label}: ${report.mode}, nothing written for ${minimum.customers} customers`);
    if (report.customers.failed > 0) throw new Error(`${label}: ${report.customers.failed} customers failed: ${JSON.stringify(report.errors.slice(0, 3))}`);
    return report;
  }

  await scenario(
    ONLINE_FIRST ? "(a) first write-back, online" : "(a) first write-back",
    ONLINE_FIRST ? { bulkThreshold: Number.POSITIVE_INFINITY } : {},
  );

  // A daily change set: 5% of customers, half move persona, half only change scores.
  const changedCount = Math.round(CUSTOMERS * CHANGED);
  const step = Math.max(1, Math.floor(CUSTOMERS / changedCount));
  const daily = (day: number, variant: number): ScoredCustomer[] => {
    const out: ScoredCustomer[] = [];
    for (let i = 0, n = 0; i < changedCount && n < CUSTOMERS; i++, n += step) {
      const base = first[n];
      if (base.persona === null) continue;
      out.push(
        i % 2 === 0
          ? { ...scoredCustomer(n, day, variant), previousPersona: base.persona, personaSince: day }
          : { ...base, m: 1 + (((base.m ?? 1) - 1 + variant) % 5), scoredAt: day },
      );
    }
    return out;
  };
  // A day passes between runs: the bucket is full again, as for a daily job.
  skipped += DAY;
  const b = daily(day0 + DAY, 1);
  await upsertScoredCustomers(db, "bench", b);
  await scenario("(b) daily, 5% changed", {}, Math.ceil(b.length / 2));

  skipped += DAY;
  const b2 = daily(day0 + 2 * DAY, 2);
  await upsertScoredCustomers(db, "bench", b2);
  await scenario("(b') daily, 5% changed, online", { bulkThreshold: Number.POSITIVE_INFINITY }, Math.ceil(b2.length / 2));

  // Nothing changed: a recompute the next day with the same outcome only moves scoredAt.
  skipped += DAY;
  await db.prepare(`UPDATE "Customer" SET scoredAt = ? WHERE shopId = 'bench'`).run(new Date(day0 + 3 * DAY));
  const c = await scenario("(c) daily, nothing changed", {});
  if (shop.stats().mutations.length !== 0 || c.requests !== 0) throw new Error("(c) made write calls");

  const header = ["run", "path", "customers to write", "requests", "write calls", "cost points", "THROTTLED", "wall (virtual)", "theoretical minimum", "wall ÷ minimum", "minimum after a full bucket"];
  console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    `\nwrite calls = mutation root fields the simulator executed for the app's requests (bulk lines not included); ` +
      `wall = real + skipped throttle waits; minimum = online points ÷ ${RESTORE_RATE}/s; ` +
      `"after a full bucket" also lets the first ${BUCKET} points go at once, so an online run can come in under 1×.`,
  );
  await sim.stop();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
