/**
 * npm run demo [-- --check] [-- --customers 1500] [-- --port 3000]
 *
 * The whole product on one machine, offline: the Shopify Admin simulator with a store seeded
 * from the CDNOW purchase log (POS, subscription, $0-item, test, cancelled and refunded orders
 * mixed in), the app's production build served for real, installed into the store the way the
 * Shopify admin does it (session token → token exchange → afterAuth), then backfill, scoring
 * and write-back running as background jobs, with webhooks flowing back over HTTP.
 *
 *   --check   print a JSON summary when the first sync is done and exit (0 = all good)
 *   default   keep running and print the URL of the app inside a simulated admin frame
 *
 * Deterministic: a fixed seed, and dates shifted so the newest order is today.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { generateSeed, startSimulator, webhooksFromAppToml } from "../test/shopify-sim";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    customers: { type: "string", default: "1500" },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "sim-port": { type: "string", default: process.env.SIM_PORT ?? "0" },
    timeout: { type: "string", default: "300" },
  },
});

const SHOP = "rfm-demo.myshopify.com";
const API_KEY = "rfm-demo-api-key";
const API_SECRET = "rfm-demo-api-secret";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
const log = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function main() {
  // 1. The store.
  const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
  const data = generateSeed({ dataset: "cdnow", maxCustomers: Number(args.customers), shiftDatesTo: today, seed: 42 });
  log(`seeded ${SHOP}: ${data.truth.counts.customers} customers, ${data.truth.counts.orders} orders`);

  // 2. The app's environment: fresh database, the simulator in place of Shopify.
  const appServer = createServer();
  const appPort = await listen(appServer, Number(args.port));
  const appUrl = `http://localhost:${appPort}`;
  const sim = await startSimulator({
    port: Number(args["sim-port"]),
    app: {
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      appUrl,
      title: "RFM Personas",
      handle: "rfm-personas",
      webhooks: webhooksFromAppToml(readFileSync(path.join(root, "shopify.app.toml"), "utf8")),
    },
    shops: [{ domain: SHOP, name: "RFM Demo Store", data, installed: false }],
    bulk: { delayMs: 200 },
  });
  const dbFile = path.join(root, "data", "demo.db");
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
  Object.assign(process.env, {
    NODE_ENV: "production",
    DATABASE_URL: `file:${dbFile}`,
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_SIMULATOR_URL: sim.url,
    RECOMPUTE_DEBOUNCE_MS: "500",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    BULK_POLL_MS: "250",
  });
  execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate", process.env.DATABASE_URL!], { stdio: "ignore" });

  // 3. The app itself: the production build, served as remix-serve would.
  const buildFile = path.join(root, "build", "server", "index.js");
  if (!existsSync(buildFile)) {
    log("building the app (npm run build)…");
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
  const { createRequestHandler } = await import("@remix-run/express");
  const { default: express } = await import("express");
  const build = await import(pathToFileURL(buildFile).href);
  const app = express();
  app.disable("x-powered-by");
  app.use("/assets", express.static(path.join(root, "build", "client", "assets"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(root, "build", "client"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: "production" }));
  appServer.on("request", app);
  log(`app on ${appUrl}, Shopify simulator on ${sim.url}`);

  // 4. Install: the admin opens the embedded app with a session token.
  const params = new URLSearchParams({
    embedded: "1",
    shop: SHOP,
    host: Buffer.from(`admin.shopify.com/store/${SHOP.split(".")[0]}`).toString("base64url"),
    id_token: sim.sessionToken(SHOP),
  });
  const open = () => fetch(`${appUrl}/app?${params}`, { headers: { "User-Agent": BROWSER } });
  let res = await open();
  // The very first load races the install hook; the admin would simply load again.
  if (res.status === 404) res = await open();
  if (!res.ok) throw new Error(`installing failed: GET /app answered ${res.status}`);
  log("installed; backfilling and scoring…");

  // 5. Wait for the first sync (backfill → recompute → write-back) to finish.
  const { openSqlite } = await import("../app/sync/sqlite.server");
  const db = openSqlite(process.env.DATABASE_URL!);
  const deadline = Date.now() + Number(args.timeout) * 1000;
  for (;;) {
    const state = db.prepare(`SELECT s.* FROM "SyncState" s JOIN "Shop" p ON p.id = s.shopId WHERE p.domain = ?`).get(SHOP) as
      | { phase: string; lastError: string | null; backfillFinishedAt: number | null; lastRecomputeAt: number | null }
      | undefined;
    const busy = db
      .prepare(`SELECT count(*) AS n FROM "Job" WHERE status IN ('pending','running') AND runAt <= ?`)
      .get(Date.now() + 5_000) as { n: number };
    if (state?.phase === "failed") throw new Error(`sync failed: ${state.lastError}`);
    if (state?.backfillFinishedAt && state.lastRecomputeAt && busy.n === 0) break;
    if (Date.now() > deadline) throw new Error(`sync did not finish within ${args.timeout} s (phase ${state?.phase})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await sim.settle();

  const summary = await summarize(db, sim.stats(SHOP));
  if (args.check) {
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    await sim.stop();
    appServer.close();
    process.exit(0);
  }
  const frame = `${sim.url}/admin/apps/rfm-personas?shop=${SHOP}`;
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  process.stdout.write(`\nOpen the app inside the simulated Shopify admin:\n\n  ${frame}\n\nCtrl-C to stop.\n`);
}

/** What the first sync did, from the app's own database. */
async function summarize(db: import("../app/sync/sqlite.server").SqliteDatabase, stats: unknown) {
  const { applyRules } = await import("../app/rfm");
  const { createOrderStore } = await import("../app/sync/order-store.server");
  const { shopSettings } = await import("../app/scoring/recompute.server");
  const shop = db.prepare(`SELECT id, currency FROM "Shop" WHERE domain = ?`).get(SHOP) as { id: string; currency: string };
  const settings = shopSettings(db, shop.id);
  const { report } = applyRules(createOrderStore(db).iterateOrdersForScoring(shop.id), settings.rules, new Date());
  const personas = db
    .prepare(
      `SELECT persona, count(*) AS customers, sum(monetaryMinor) AS revenueMinor FROM "Customer"
       WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY customers DESC`,
    )
    .all(shop.id) as { persona: string; customers: number; revenueMinor: number }[];
  const count = (sql: string) => (db.prepare(sql).get(shop.id) as { n: number }).n;
  const s = stats as { graphqlRequests?: number; costPointsUsed?: number; throttledCount?: number; mutations?: string[] };
  return {
    shop: SHOP,
    currency: shop.currency,
    ordersSynced: count(`SELECT count(*) AS n FROM "Order" WHERE shopId = ? AND deleted = 0`),
    lineItemsSynced: count(`SELECT count(*) AS n FROM "OrderLine" WHERE shopId = ?`),
    ordersCounted: report.counted.orders,
    ordersExcluded: Object.fromEntries(report.removed.filter((r) => r.orders > 0).map((r) => [r.rule, r.orders])),
    lineItemsExcluded: Object.fromEntries(report.removed.filter((r) => r.lineItems > 0).map((r) => [r.rule, r.lineItems])),
    customersScored: personas.reduce((n, p) => n + p.customers, 0),
    guestCustomersScored: count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND guest = 1 AND persona IS NOT NULL`),
    customersWithoutPersona: count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NULL`),
    customersPerPersona: Object.fromEntries(personas.map((p) => [p.persona, p.customers])),
    adminApi: { requests: s.graphqlRequests, costPoints: s.costPointsUsed, throttled: s.throttledCount },
  };
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
