/**
 * Standalone WooCommerce simulator: `npm run sim:woocommerce`. One store seeded from the CDNOW dataset
 * (dates shifted to end today) on $SIM_PORT (default 8788), loopback only, until killed.
 *
 * Environment (all optional): SIM_PORT, SIM_CUSTOMERS (2000), SIM_SEED (1), SIM_CONSUMER_KEY /
 * SIM_CONSUMER_SECRET (a fixed read_write key), SIM_WEBHOOK_MODE (async | sync).
 */
import { generateWooSeed, startWooSimulator } from "./index";

const env = process.env;
const started = Date.now();
const data = generateWooSeed({ dataset: "cdnow", maxCustomers: Number(env.SIM_CUSTOMERS ?? 2000), shiftDatesTo: new Date(), seed: env.SIM_SEED ?? 1 });
const sim = await startWooSimulator({
  port: Number(env.SIM_PORT ?? 8788),
  data,
  webhookDelivery: { mode: env.SIM_WEBHOOK_MODE === "sync" ? "sync" : "async", queueDelayMs: 2000 },
});
const key = sim.shop.addKey({ consumerKey: env.SIM_CONSUMER_KEY, consumerSecret: env.SIM_CONSUMER_SECRET, permissions: "read_write" });

console.log(`WooCommerce simulator listening on ${sim.url} (ready in ${Date.now() - started} ms)`);
console.log(`  store:         ${data.site.name} (${data.truth.counts.customers} customers, ${data.truth.counts.orders} orders, ${data.site.currency})`);
console.log(`  REST:          ${sim.url}/wp-json/wc/v3/  (OAuth 1.0a over http)`);
console.log(`  key:           ${key.consumerKey} / ${key.consumerSecret}`);
console.log(`  wc-auth:       ${sim.url}/wc-auth/v1/authorize?…  (login ${sim.shop.admin.username} / ${sim.shop.admin.password})`);
console.log(`  control API:   ${sim.url}/__sim/…  (see sim/woocommerce/control-http.ts)`);

const shutdown = async () => {
  await sim.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
