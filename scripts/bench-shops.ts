/**
 * npm run bench:shops [-- --shops 20 --big 1000000 --small-min 1000 --small-max 50000 --webs 2 --workers 2 --webhooks 3]
 *
 * Many shops on one deployment: a throwaway PostgreSQL (scripts/pg-server.mjs), the Shopify
 * simulator in a process of its own (scripts/lib/shops-sim.ts) holding --shops shops (one with
 * --big orders, the rest spread from --small-min to --small-max orders; CDNOW replayed straight
 * into the simulator's model), and the app's
 * production build as --webs web processes (RUN_JOBS=false, behind a round-robin proxy
 * standing in for the load balancer) plus --workers `npm run worker` processes on pg-boss.
 *
 * Every shop is installed as the admin does (session token → token exchange), the merchant
 * approves write-back at once, and the app backfills, scores and writes back on its own.
 * As soon as a small shop is written back (its first write-back run finished), it gets
 * --webhooks orders (each sends a signed `orders/create`), one a second, for customers an
 * order today moves to another persona; its freshness is webhook send → persona tag changed in the simulator's store. Most of them
 * arrive while the big shop is still backfilling or writing back (the report says how many).
 *
 * Printed as JSON: total time, per shop its orders, install → backfilled and scored,
 * install → written back, freshness p50/p95; overall freshness; and the verdict per shop:
 * every order stored, and persona tags in the store = personas stored by the app = the pure
 * engine's scoring of the simulator's orders (scripts/lib/shop-truth.ts). Jobs that failed
 * in pg-boss are counted, and so are webhook deliveries the simulator gave up on (Shopify's
 * retries, compressed in time); a shop whose orders differ lists the first missing ones with
 * what became of their webhooks. Exit code 0 only when every shop is correct and no job failed.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type Db, type PostgresDb } from "../app/db/index.server";
import { ensureProductionBuild, freePort, snapshotBuild, startNode, stopProcesses, untilAnswers, webEntry } from "./lib/app-processes";
import { startRoundRobinProxy } from "./lib/round-robin-proxy";
import type { PersonaCheck } from "./lib/shop-truth";
import { personaDigest, startShopsSim, type ShopsSim } from "./lib/shops-sim";
import { startPostgres } from "./pg-server.mjs";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    shops: { type: "string", default: "20" },
    big: { type: "string", default: "1000000" },
    "small-min": { type: "string", default: "1000" },
    "small-max": { type: "string", default: "50000" },
    webs: { type: "string", default: "2" },
    workers: { type: "string", default: "2" },
    /** Orders (webhooks) per small shop once it is written back. */
    webhooks: { type: "string", default: "3" },
    /** Seconds the whole run may take before it gives up. */
    timeout: { type: "string", default: "3600" },
    build: { type: "string", default: path.join(root, "build") },
  },
});
const SHOPS = Math.max(1, Number(args.shops));
const WEBS = Math.max(1, Number(args.webs));
const WORKERS = Math.max(1, Number(args.workers));
const WEBHOOKS = Math.max(0, Number(args.webhooks));
const TIMEOUT_MS = Number(args.timeout) * 1000;
const TRACE = process.env.LOG_LEVEL === "debug";
const API_KEY = "shops-api-key";
const SECRET = "shops-api-secret";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
/** A tag that has not changed this long after its order counts as never changed. */
const FRESHNESS_GIVE_UP_MS = 120_000;
/** CDNOW's orders per customer: a replayed shop of N customers holds about this many times N orders. */
const ORDERS_PER_CUSTOMER = 2.95;
const log = (msg: string) => process.stderr.write(`[shops] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Order counts: the big shop first, then the small ones spread evenly (geometrically) over the range. */
function orderCounts(): number[] {
  const lo = Number(args["small-min"]);
  const hi = Math.max(lo, Number(args["small-max"]));
  const small = SHOPS - 1;
  return [Number(args.big), ...Array.from({ length: small }, (_, i) => Math.round(small === 1 ? lo : lo * (hi / lo) ** (i / (small - 1))))];
}

interface Target {
  customer: number;
  persona: string;
  sentAt: number;
  changedAt: number;
  /** The big shop was not yet written back when this order was sent. */
  whileBigBusy: boolean;
}

interface ShopRun {
  domain: string;
  /** The replayed seed's size (the simulator's process builds it). */
  data: { orders: number; customers: number };
  id: string | null;
  installedAt: number;
  syncedAt: number | null;
  writtenAt: number | null;
  lastWrittenCheck: number;
  targets: Target[];
  check?: PersonaCheck & { ordersInStore: number; ordersStored: number };
  /** Webhook deliveries the simulator gave up on (every attempt failed), by topic. */
  undelivered?: Record<string, number>;
  /** For a shop whose orders differ: each missing order, and what became of its webhook. */
  missing?: string[];
}

/**
 * A request from this process, tried again (with a fresh session token: `request` mints one)
 * when it fails to connect or its token had expired: on a loaded machine a token minted before
 * a stall can be a minute old when it is sent.
 */
async function patiently(request: () => Promise<Response>, tries = 5): Promise<Response> {
  for (let i = 1; ; i++) {
    try {
      const res = await request();
      if (res.status !== 401 || i >= tries) return res;
      log(`request answered 401 (a session token expired while this process was blocked), trying again`);
    } catch (err) {
      if (i >= tries) throw err;
      log(`request failed (${String((err as Error).cause ?? err)}), trying again`);
    }
    await sleep(2_000);
  }
}

async function scoredPersonas(db: Db, shopId: string): Promise<Map<string, string>> {
  const rows = (await db.prepare(`SELECT customerKey, persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`).all(shopId)) as { customerKey: string; persona: string }[];
  return new Map(rows.map((r) => [r.customerKey, r.persona]));
}

/**
 * The shop's first write-back has finished (its run is done, none is still running), and every
 * customer the app scored carries exactly its persona tag in the simulator's store, nobody else
 * one: the store's tags and the stored personas have the same digest. Tags are all in place
 * well before a bulk run ends (its metafields and results follow): an order sent then would
 * measure that run's tail, which any order of a shop's first minutes waits for, not the load.
 */
async function writtenBack(db: Db, sim: ShopsSim, run: ShopRun): Promise<boolean> {
  const runs = (await db.prepare(`SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'running') AS running FROM "WritebackRun" WHERE shopId = ?`).get(run.id)) as {
    done: unknown;
    running: unknown;
  };
  if (Number(runs.done) === 0 || Number(runs.running) > 0) return false;
  const stored = await scoredPersonas(db, run.id!);
  if (stored.size === 0) return false;
  const want = personaDigest([...stored].filter(([key]) => !key.startsWith("email:")).map(([key, persona]) => [key, [persona]]));
  const have = await sim.tagDigest(run.domain);
  return want.customers === have.customers && want.sum === have.sum;
}

// A private copy: a rebuild of build/ during the run must not pull files from under the processes.
ensureProductionBuild(path.resolve(args.build!), log);
const snapshot = snapshotBuild(path.resolve(args.build!));
const BUILD = snapshot.dir;
const planned = orderCounts().map((orders, i) => ({
  domain: i === 0 ? "big.myshopify.com" : `shop-${String(i).padStart(2, "0")}.myshopify.com`,
  customers: Math.max(1, Math.round(orders / ORDERS_PER_CUSTOMER)),
}));

const pgServer = await startPostgres();
const url = await pgServer.createDatabase("shops");
execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate", url], { stdio: "ignore" });

const webPorts = await Promise.all(Array.from({ length: WEBS }, () => freePort()));
const proxy = await startRoundRobinProxy(webPorts);
const appUrl = `http://localhost:${proxy.port}`;
const t0 = Date.now();
const sim = await startShopsSim({
  apiKey: API_KEY,
  apiSecret: SECRET,
  appUrl,
  shops: planned,
  // Shopify retries a delivery 8 times with exponential backoff (over 4 hours; here over about
  // 3 minutes, so a run ends): an answer late by a stall of this process — building a big
  // shop's bulk export blocks it for seconds — is retried, as it would be, not lost.
  webhookDelivery: { maxAttempts: 9, backoffMs: [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 60_000] },
});
const runs: ShopRun[] = sim.shops.map(({ domain, orders, customers }) => ({
  domain,
  data: { orders, customers },
  id: null,
  installedAt: 0,
  syncedAt: null,
  writtenAt: null,
  lastWrittenCheck: 0,
  targets: [],
}));
const totalOrders = runs.reduce((n, r) => n + r.data.orders, 0);
log(`seeded ${SHOPS} shops, ${totalOrders.toLocaleString()} orders (big: ${runs[0].data.orders.toLocaleString()}) in the simulator's process in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const logDir = mkdtempSync(path.join(os.tmpdir(), "rfm-shops-logs-"));
// The shipped defaults: only what a deployment must set, plus the simulator in place of Shopify.
const env = {
  NODE_ENV: "production",
  DATABASE_URL: url,
  SHOPIFY_API_KEY: API_KEY,
  SHOPIFY_API_SECRET: SECRET,
  SHOPIFY_APP_URL: appUrl,
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  SHOPIFY_ADMIN_SIMULATOR_URL: sim.url,
  APP_BRIDGE_URL: `${sim.url}/__sim/app-bridge.js`,
  // LOG_LEVEL=debug: the workers log every job run (type, shop, start, ms) and this script each freshness order's send and change.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  RUN_JOBS: "false",
};
const web = webEntry(BUILD);
const children: ChildProcess[] = [
  ...webPorts.map((port, i) => startNode(web.file, web.argv, { ...env, PORT: String(port) }, path.join(logDir, `web-${i}.log`))),
  ...Array.from({ length: WORKERS }, (_, i) => startNode(path.join(BUILD, "server", "worker.js"), [], env, path.join(logDir, `worker-${i}.log`))),
];
const db = openDatabase(url);
let exitCode = 1;
try {
  await Promise.all(webPorts.map((p) => untilAnswers(`http://127.0.0.1:${p}/readyz`)));
  log(`PostgreSQL, ${WEBS} web (RUN_JOBS=false) behind ${appUrl} + ${WORKERS} workers; simulator on ${sim.url}; logs in ${logDir}`);

  const started = Date.now();
  for (const run of runs) {
    run.installedAt = Date.now();
    const install = async () =>
      new URLSearchParams({
        embedded: "1",
        shop: run.domain,
        host: Buffer.from(`admin.shopify.com/store/${run.domain.split(".")[0]}`).toString("base64url"),
        id_token: await sim.sessionToken(run.domain),
      });
    const installed = await patiently(async () => fetch(`${appUrl}/app?${await install()}`, { headers: { "User-Agent": BROWSER } }));
    if (!installed.ok) throw new Error(`installing ${run.domain} failed: GET /app answered ${installed.status}`);
    // The merchant approves write-back on the dashboard straight away; it writes once scored.
    const approved = await patiently(async () =>
      fetch(`${appUrl}/app?index`, {
        method: "POST",
        headers: { Authorization: `Bearer ${await sim.sessionToken(run.domain)}`, "User-Agent": BROWSER },
        body: new URLSearchParams({ intent: "approve-writeback" }),
      }),
    );
    if (!approved.ok) throw new Error(`approving write-back for ${run.domain} failed: POST /app answered ${approved.status}`);
    run.id = String(await db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).pluck().get(run.domain));
  }
  log(`installed ${SHOPS} shops and approved write-back in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const big = runs[0];
  const pool = (db as PostgresDb).pool;
  // For sizing: the most connections the deployment held at once (sampled every few seconds).
  let peakConnections = 0;
  let lastConnectionSample = 0;
  const pendingSends: { run: ShopRun; target: Target }[] = [];
  let nextSendAt = 0;
  // A tag change is seen within ~100 ms whatever the main loop below is doing: only the
  // customers waiting for a change are looked at, in one call, so the store is not slowed.
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const waiting = runs.flatMap((run) => run.targets.filter((t) => t.sentAt !== 0 && t.changedAt === 0).map((t) => ({ run, t })));
      if (waiting.length > 0) {
        const tags = await sim.tagsOf(waiting.map(({ run, t }) => [run.domain, t.customer]));
        const asked = Date.now();
        waiting.forEach(({ run, t }, i) => {
          const current = tags[i];
          if (current.length > 0 && !current.includes(t.persona)) {
            t.changedAt = asked;
            if (TRACE) log(`freshness tag changed: ${run.domain} customer ${t.customer} after ${asked - t.sentAt} ms`);
          } else if (asked - t.sentAt > FRESHNESS_GIVE_UP_MS) t.changedAt = -1;
        });
      }
      await sleep(100);
    }
  })().catch((err: Error) => log(`stopped watching tags: ${err.message}`));
  for (;;) {
    const now = Date.now();
    if (now - lastConnectionSample > 3_000) {
      lastConnectionSample = now;
      const n = Number((await pool.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()`)).rows[0].n);
      peakConnections = Math.max(peakConnections, n);
    }
    if (now - started > TIMEOUT_MS) {
      const late = runs.filter((r) => r.writtenAt === null).map((r) => `${r.domain} (${r.syncedAt === null ? "backfilling or scoring" : "writing back"})`);
      throw new Error(`gave up after ${args.timeout} s: ${late.join(", ") || "freshness orders still pending"}`);
    }
    await Promise.all(runs.map(async (run) => {
      if (run.syncedAt === null) {
        const state = (await db.prepare(`SELECT phase, lastError, backfillFinishedAt, lastRecomputeAt FROM "SyncState" WHERE shopId = ?`).get(run.id)) as
          | { phase: string; lastError: string | null; backfillFinishedAt: unknown; lastRecomputeAt: unknown }
          | undefined;
        if (state?.phase === "failed") throw new Error(`${run.domain}: sync failed: ${state.lastError}`);
        if (state?.backfillFinishedAt && state.lastRecomputeAt) {
          run.syncedAt = now;
          log(`${run.domain}: backfilled and scored ${run.data.orders.toLocaleString()} orders in ${((now - run.installedAt) / 1000).toFixed(1)} s`);
        }
      } else if (run.writtenAt === null && now - run.lastWrittenCheck >= (run === big ? 5_000 : 1_000)) {
        run.lastWrittenCheck = now;
        if (await writtenBack(db, sim, run)) {
          run.writtenAt = Date.now();
          log(`${run.domain}: written back ${((run.writtenAt - run.installedAt) / 1000).toFixed(1)} s after install`);
          if (run !== big && WEBHOOKS > 0) {
            // Customers an order today moves from R ≤ 2 to R5: a new persona under the shipped map.
            const picked = (await db
              .prepare(`SELECT customerKey, persona FROM "Customer" WHERE shopId = ? AND customerKey LIKE 'gid://shopify/Customer/%' AND r <= 2 AND persona IS NOT NULL ORDER BY frequency DESC, customerKey LIMIT ?`)
              .all(run.id, WEBHOOKS)) as { customerKey: string; persona: string }[];
            for (const c of picked) {
              const target = { customer: Number(c.customerKey.split("/").pop()), persona: c.persona, sentAt: 0, changedAt: 0, whileBigBusy: false };
              run.targets.push(target);
              pendingSends.push({ run, target });
            }
          }
        }
      }
    }));
    // One order a second across shops, in the order shops became ready.
    if (pendingSends.length > 0 && now >= nextSendAt) {
      const { run, target } = pendingSends.shift()!;
      target.whileBigBusy = big.writtenAt === null;
      // The simulator posts the signed webhook at once: its first attempt is the send time.
      target.sentAt = Date.now();
      await sim.createOrder(run.domain, target.customer, { title: "Freshness check", quantity: 1, unitPriceCents: 2_500 });
      nextSendAt = target.sentAt + 1_000;
      if (TRACE) log(`freshness order sent: ${run.domain} shop ${run.id} customer ${target.customer} at ${new Date(target.sentAt).toISOString()}`);
    }
    const allWritten = runs.every((r) => r.writtenAt !== null);
    const allFresh = pendingSends.length === 0 && runs.every((r) => r.targets.every((t) => t.changedAt !== 0));
    if (allWritten && allFresh) break;
    await sleep(100);
  }
  const allDone = Date.now();
  watching = false;
  await watcher;
  log(`all ${SHOPS} shops backfilled, scored and written back in ${((allDone - started) / 1000).toFixed(1)} s; checking against the truth…`);

  // The verdict: after the last webhook's recompute and write-back have settled, stored and
  // written personas equal the engine's scoring of the simulator's orders, for every shop.
  // Order webhooks only: a 1M-order shop's write-back echoes (~676k customers/update) take
  // the simulator most of an hour more to deliver, and change no persona.
  await sim.settleOrders(runs.map((r) => r.domain));
  for (const run of runs) {
    const checkUntil = Date.now() + 60_000;
    for (;;) {
      const ordersStored = Number(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND deleted = FALSE`).pluck().get(run.id));
      const { ordersInStore, ...check } = await sim.verdict(run.domain, [...(await scoredPersonas(db, run.id!))]);
      run.check = { ...check, ordersInStore, ordersStored };
      const ok = check.storedWrong === 0 && check.tagsWrong === 0 && ordersStored === ordersInStore;
      if (ok || Date.now() > checkUntil) break;
      await sleep(1_000); // a webhook's recompute or write-back may still be on its way
    }
    run.undelivered = await sim.undelivered(run.domain);
    if (TRACE && run.targets.length > 0) {
      // Where each freshness order's webhook was: the simulator's attempts, then our inbox row.
      const at = (t: unknown) => `${new Date(t as string | number).toISOString()}`;
      for (const attempts of await sim.orderWebhookAttempts(run.domain)) log(`freshness webhook ${run.domain}: attempts ${attempts}`);
      const rows = (await db
        .prepare(`SELECT receivedAt, appliedAt FROM "WebhookInbox" WHERE shopDomain = ? AND topic = 'orders/create' ORDER BY id`)
        .raw()
        .all(run.domain)) as [unknown, unknown][];
      for (const [received, applied] of rows) log(`freshness inbox ${run.domain}: received ${at(received)} applied ${applied === null ? "never" : at(applied)}`);
    }
    if (run.check!.ordersStored !== run.check!.ordersInStore) {
      const rows = (await db.prepare(`SELECT id, deleted FROM "Order" WHERE shopId = ?`).all(run.id)) as { id: string; deleted: unknown }[];
      run.missing = await sim.missingOrders(run.domain, rows.map((r) => [r.id, Boolean(r.deleted)]), 10);
    }
  }
  const failedJobs = Number((await pool.query(`SELECT count(*) AS n FROM pgboss.job WHERE state = 'failed'`)).rows[0].n);
  // Which jobs failed and why (the first few of each kind), so a WRONG verdict says where to look.
  const failures = (
    await pool.query(
      `SELECT name, output->>'message' AS message, count(*)::int AS n FROM pgboss.job WHERE state = 'failed' GROUP BY 1, 2 ORDER BY n DESC LIMIT 5`,
    )
  ).rows as { name: string; message: string | null; n: number }[];
  const mb = (bytes: unknown) => Math.round(Number(bytes) / 1e5) / 10;
  const databaseMb = mb((await pool.query(`SELECT pg_database_size(current_database()) AS b`)).rows[0].b);
  const largestTables = (
    await pool.query(
      `SELECT n.nspname || '.' || c.relname AS name, pg_total_relation_size(c.oid) AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname IN ('public', 'pgboss') ORDER BY b DESC LIMIT 6`,
    )
  ).rows.map((r: { name: string; b: unknown }) => `${r.name} ${mb(r.b)} MB`);

  const fresh = runs.flatMap((r) => r.targets.filter((t) => t.changedAt > 0).map((t) => t.changedAt - t.sentAt)).sort((a, b) => a - b);
  const whileBusy = runs.flatMap((r) => r.targets.filter((t) => t.whileBigBusy && t.changedAt > 0).map((t) => t.changedAt - t.sentAt)).sort((a, b) => a - b);
  const sent = runs.reduce((n, r) => n + r.targets.length, 0);
  const correct = runs.every((r) => r.check && r.check.storedWrong === 0 && r.check.tagsWrong === 0 && r.check.ordersStored === r.check.ordersInStore);
  const report = {
    mode: `postgres, ${WEBS} web (RUN_JOBS=false) behind a round-robin proxy + ${WORKERS} workers`,
    shops: SHOPS,
    orders: totalOrders,
    totalSeconds: seconds(allDone - started),
    freshness: {
      orders: sent,
      neverChanged: runs.reduce((n, r) => n + r.targets.filter((t) => t.changedAt < 0).length, 0),
      p50ms: percentile(fresh, 50),
      p95ms: percentile(fresh, 95),
      maxMs: fresh.at(-1) ?? null,
      whileBigShopBusy: { orders: whileBusy.length, p50ms: percentile(whileBusy, 50), p95ms: percentile(whileBusy, 95) },
    },
    perShop: runs.map((r) => {
      const f = r.targets.filter((t) => t.changedAt > 0).map((t) => t.changedAt - t.sentAt).sort((a, b) => a - b);
      return {
        shop: r.domain,
        orders: r.data.orders,
        customers: r.data.customers,
        backfilledAndScoredS: seconds(r.syncedAt && r.syncedAt - r.installedAt),
        writtenBackS: seconds(r.writtenAt && r.writtenAt - r.installedAt),
        freshness: r.targets.length ? { orders: r.targets.length, p50ms: percentile(f, 50), p95ms: percentile(f, 95), whileBigShopBusy: r.targets.filter((t) => t.whileBigBusy).length } : null,
        correct: r.check ? r.check.storedWrong === 0 && r.check.tagsWrong === 0 && r.check.ordersStored === r.check.ordersInStore : false,
        check: r.check,
        undelivered: r.undelivered,
        ...(r.missing ? { missing: r.missing } : {}),
      };
    }),
    requestsPerWebProcess: proxy.counts,
    postgres: { databaseMb, largestTables, peakConnections },
    failedJobs,
    ...(failures.length > 0 ? { failures } : {}),
    verdict: correct && failedJobs === 0 ? "every shop backfilled, scored and written back = the engine over the simulator's truth" : "WRONG (see perShop[].check, failedJobs)",
    logs: logDir,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  exitCode = correct && failedJobs === 0 ? 0 : 1;
} finally {
  await stopProcesses(children);
  await proxy.stop();
  await sim.stop();
  await db.close();
  pgServer.stop();
  snapshot.remove();
}
process.exit(exitCode);
