/**
 * The WooCommerce demo stack: the WooCommerce simulator with a store seeded from CDNOW, and
 * the app's production build served for real and connected to it the way a merchant does
 * (a read/write REST API key pasted into the app's connect form), then backfill, scoring and
 * write-back as background jobs, with the store's signed webhooks coming back over HTTP.
 * Used by `npm run demo -- --platform woocommerce`.
 */
import { createServer } from "node:http";
import { generateWooSeed, startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { openDatabase, type Db } from "../../app/db/index.server";
import { listen, prepareAppEnvironment, serveProductionBuild, stopDemo, waitForFirstSync, type DemoOptions } from "./demo-stack";

// The app's own secret still signs things (the wc-auth state); the demo's are fixed and local.
const API_KEY = "rfm-demo-api-key";
const API_SECRET = "rfm-demo-api-secret";

export interface WooDemoStack {
  appUrl: string;
  sim: WooSimulator;
  db: Db;
  /** The shop's domain in the app (the store's host). */
  shop: string;
  /** The store's address, as the merchant typed it into the connect form. */
  siteUrl: string;
  /** The standalone page the merchant lands on after connecting. */
  landingUrl: string;
  /** The connect form (both ways in). */
  connectUrl: string;
  stop(): Promise<void>;
}

export async function startWooDemoStack(options: DemoOptions = {}): Promise<WooDemoStack> {
  const log = options.log ?? (() => {});
  // 1. The store, dates shifted so its newest order is today: the same personas every day.
  const today = new Date(new Date().toISOString().slice(0, 10) + "T12:00:00Z");
  const data = generateWooSeed({ dataset: "cdnow", maxCustomers: options.customers ?? 1500, shiftDatesTo: today, seed: 42 });
  const sim = await startWooSimulator({ port: options.simPort ?? 0, data });
  const siteUrl = sim.url;
  log(`seeded ${data.site.name} at ${siteUrl}: ${data.truth.counts.customers} customers, ${data.truth.counts.orders} orders (${data.site.currency})`);

  // 2. The app: a fresh database, the production build.
  const appServer = createServer();
  const appPort = await listen(appServer, options.port ?? 0);
  const appUrl = `http://localhost:${appPort}`;
  prepareAppEnvironment({ database: options.database, appUrl, apiKey: API_KEY, apiSecret: API_SECRET });
  await serveProductionBuild(appServer, log);
  log(`app on ${appUrl}, WooCommerce simulator on ${siteUrl}`);

  // 3. Connect: the merchant makes a read/write key in WooCommerce and pastes it into the form.
  const key = sim.shop.addKey({ permissions: "read_write" });
  const res = await fetch(`${appUrl}/woocommerce/connect`, {
    method: "POST",
    body: new URLSearchParams({ intent: "keys", site: siteUrl, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }),
    redirect: "manual",
  });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`connecting failed: POST /woocommerce/connect answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const landingUrl = new URL(location, appUrl).href;
  log("connected; backfilling, scoring and writing back…");

  // 4. Wait for the first sync (backfill → recompute → write-back) and the store's echoes.
  const db = openDatabase(process.env.DATABASE_URL!);
  const shop = (await db.prepare(`SELECT domain FROM "Shop" WHERE platform = 'woocommerce'`).pluck().get()) as string | undefined;
  if (!shop) throw new Error("connecting failed: no WooCommerce shop in the app's database");
  await waitForFirstSync(db, shop, options.timeout ?? 300);
  await sim.settle();

  return {
    appUrl,
    sim,
    db,
    shop,
    siteUrl,
    landingUrl,
    connectUrl: `${appUrl}/woocommerce/connect`,
    stop: () => stopDemo(sim, appServer, db),
  };
}
