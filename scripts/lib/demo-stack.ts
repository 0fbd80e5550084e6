/**
 * The demo stack: the Shopify Admin simulator with a store seeded from CDNOW, and the app's
 * production build served for real and installed into it the way the Shopify admin does
 * (session token → token exchange → afterAuth). Used by `npm run demo` and the browser tests.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { generateSeed, metafieldDefinitionsFromAppToml, startSimulator, webhooksFromAppToml, type Simulator } from "../../sim/shopify";
import { openDatabase, type Db } from "../../app/db/index.server";
import { bounded, closeServer } from "./shutdown";

const root = path.resolve(import.meta.dirname, "..", "..");
export const DEMO_SHOP = "rfm-demo.myshopify.com";
const API_KEY = "rfm-demo-api-key";
const API_SECRET = "rfm-demo-api-secret";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

export interface DemoOptions {
  customers?: number;
  port?: number;
  simPort?: number;
  /** Seconds to wait for the first sync. */
  timeout?: number;
  database?: string;
  log?: (msg: string) => void;
}

export interface DemoStack {
  appUrl: string;
  sim: Simulator;
  db: Db;
  shop: string;
  /** The app inside the simulated Shopify admin. */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startDemoStack(options: DemoOptions = {}): Promise<DemoStack> {
  const log = options.log ?? (() => {});
  const SHOP = DEMO_SHOP;
  // 1. The store, dates shifted so its newest order is today: the same personas every day.
  const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
  const data = generateSeed({ dataset: "cdnow", maxCustomers: options.customers ?? 1500, shiftDatesTo: today, seed: 42 });
  log(`seeded ${SHOP}: ${data.truth.counts.customers} customers, ${data.truth.counts.orders} orders`);

  // 2. The app's environment: a fresh database, the simulator in place of Shopify.
  const appServer = createServer();
  const appPort = await listen(appServer, options.port ?? 0);
  const appUrl = `http://localhost:${appPort}`;
  const sim = await startSimulator({
    port: options.simPort ?? 0,
    app: {
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      appUrl,
      title: "RFM Personas",
      handle: "rfm-personas",
      webhooks: webhooksFromAppToml(readFileSync(path.join(root, "shopify.app.toml"), "utf8")),
      metafieldDefinitions: metafieldDefinitionsFromAppToml(readFileSync(path.join(root, "shopify.app.toml"), "utf8")),
    },
    shops: [{ domain: SHOP, name: "RFM Demo Store", data, installed: false }],
    bulk: { delayMs: 200 },
  });
  prepareAppEnvironment({
    database: options.database,
    appUrl,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    extra: {
      SHOPIFY_ADMIN_SIMULATOR_URL: sim.url,
      // The library's session-token bounce page loads App Bridge from here (the simulator's stand-in).
      APP_BRIDGE_URL: `${sim.url}/__sim/app-bridge.js`,
    },
  });

  // 3. The app itself: the production build, served as remix-serve would.
  await serveProductionBuild(appServer, log);
  log(`app on ${appUrl}, Shopify simulator on ${sim.url}`);

  // 4. Install: the admin opens the embedded app with a session token.
  const params = new URLSearchParams({
    embedded: "1",
    shop: SHOP,
    host: Buffer.from(`admin.shopify.com/store/${SHOP.split(".")[0]}`).toString("base64url"),
    id_token: sim.sessionToken(SHOP),
  });
  const res = await fetch(`${appUrl}/app?${params}`, { headers: { "User-Agent": BROWSER } });
  if (!res.ok) throw new Error(`installing failed: GET /app answered ${res.status}`);
  log("installed; importing and scoring (write-back waits for the merchant's approval)…");

  // 5. Wait for the first sync (backfill → recompute → write-back) to finish.
  const db = openDatabase(process.env.DATABASE_URL!);
  await waitForFirstSync(db, SHOP, options.timeout ?? 300);
  await sim.settle();

  return {
    appUrl,
    sim,
    db,
    shop: SHOP,
    adminUrl: `${sim.url}/admin/apps/rfm-personas?shop=${SHOP}`,
    stop: () => stopDemo(sim, appServer, db),
  };
}

/**
 * Every step is bounded and cuts what is still open, so stopping can never hang: first the
 * app's job runner (no new store API calls or jobs), then the simulator (no more webhooks),
 * then the app's server with its keep-alive and in-flight connections.
 */
export async function stopDemo(sim: { stop(): Promise<void> }, appServer: Server, db: Db): Promise<void> {
  await bounded(globalThis.rfmServices?.runner.stop({ timeoutMs: 5_000 }), 7_000);
  await bounded(sim.stop(), 5_000);
  await closeServer(appServer, 5_000);
  await db.close();
}

/**
 * The app's environment for a demo: a fresh, migrated database (data/demo.db unless told),
 * production mode, this run's app URL and credentials, plus what the platform's demo adds.
 */
export function prepareAppEnvironment(o: { database?: string; appUrl: string; apiKey: string; apiSecret: string; extra?: Record<string, string> }): void {
  const dbFile = o.database ?? path.join(root, "data", "demo.db");
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
  Object.assign(process.env, {
    NODE_ENV: "production",
    DATABASE_URL: `file:${dbFile}`,
    SHOPIFY_API_KEY: o.apiKey,
    SHOPIFY_API_SECRET: o.apiSecret,
    SHOPIFY_APP_URL: o.appUrl,
    // Production encrypts access tokens at rest; the demo's database is new each run, so is its key.
    TOKEN_ENCRYPTION_KEY: process.env.TOKEN_ENCRYPTION_KEY || randomBytes(32).toString("base64"),
    RECOMPUTE_DEBOUNCE_MS: "500",
    BULK_POLL_MS: "250",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    ...o.extra,
  });
  execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate", process.env.DATABASE_URL!], { stdio: "ignore" });
}

/** The app's production build (built first if missing), served on `appServer` as remix-serve would. */
export async function serveProductionBuild(appServer: Server, log: (msg: string) => void): Promise<void> {
  const buildFile = path.join(root, "build", "server", "index.js");
  if (!existsSync(buildFile) || !existsSync(path.join(root, "build", "server", "scoring-worker.js")) || newerThan(path.join(root, "app"), statSync(buildFile).mtimeMs)) {
    // A build older than the app's sources would serve yesterday's routes.
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
}

/** Whether any file under `dir` changed after `mtimeMs`. */
function newerThan(dir: string, mtimeMs: number): boolean {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && statSync(path.join(e.parentPath, e.name)).mtimeMs > mtimeMs);
}

/** Waits until the shop's first sync (backfill → recompute → write-back) is done and no job is due. */
export async function waitForFirstSync(db: Db, domain: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    const state = (await db.prepare(`SELECT s.* FROM "SyncState" s JOIN "Shop" p ON p.id = s.shopId WHERE p.domain = ?`).get(domain)) as
      | { phase: string; lastError: string | null; backfillFinishedAt: number | null; lastRecomputeAt: number | null }
      | undefined;
    const busy = (await db
      .prepare(`SELECT count(*) AS n FROM "Job" WHERE status IN ('pending','running') AND runAt <= ?`)
      .get(new Date(Date.now() + 5_000))) as { n: number };
    if (state?.phase === "failed") throw new Error(`sync failed: ${state.lastError}`);
    if (state?.backfillFinishedAt && state.lastRecomputeAt && busy.n === 0) break;
    if (Date.now() > deadline) throw new Error(`sync did not finish within ${timeout} s (phase ${state?.phase})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
