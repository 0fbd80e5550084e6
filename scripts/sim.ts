/**
 * Standalone Shopify Admin simulator for the offline demo: `npm run sim`.
 * Starts on $SIM_PORT (default 8787) with one shop seeded from the CDNOW dataset (dates shifted to
 * end today), delivers webhooks to $SHOPIFY_APP_URL using the subscriptions in shopify.app.toml, and
 * runs until killed. Point the app at it with SHOPIFY_ADMIN_SIMULATOR_URL=<printed URL>.
 *
 * Environment (all optional): SIM_PORT, SIM_SHOP (rfm-demo), SIM_CUSTOMERS (2000), SIM_SEED (1),
 * SIM_ACCESS_TOKEN (fixed offline token), SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL, SCOPES.
 */
import { existsSync, readFileSync } from "node:fs";
import { generateSeed, metafieldDefinitionsFromAppToml, startSimulator, webhooksFromAppToml, DEFAULT_APP_SCOPES } from "../sim/shopify";

const env = process.env;
const port = Number(env.SIM_PORT ?? 8787);
const domain = env.SIM_SHOP ?? "rfm-demo";
const customers = Number(env.SIM_CUSTOMERS ?? 2000);
const tomlPath = new URL("../shopify.app.toml", import.meta.url);
const webhooks = existsSync(tomlPath) ? webhooksFromAppToml(readFileSync(tomlPath, "utf8")) : [];
const metafieldDefinitions = existsSync(tomlPath) ? metafieldDefinitionsFromAppToml(readFileSync(tomlPath, "utf8")) : [];

const started = Date.now();
const data = generateSeed({ dataset: "cdnow", maxCustomers: customers, shiftDatesTo: new Date(), seed: env.SIM_SEED ?? 1 });
const sim = await startSimulator({
  port,
  host: env.SIM_HOST ?? "127.0.0.1",
  app: {
    apiKey: env.SHOPIFY_API_KEY ?? "sim-api-key",
    apiSecret: env.SHOPIFY_API_SECRET ?? "sim-api-secret",
    appUrl: env.SHOPIFY_APP_URL ?? null,
    scopes: env.SCOPES
      ? env.SCOPES.split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : DEFAULT_APP_SCOPES,
    webhooks,
    metafieldDefinitions,
  },
  bulk: { delayMs: 1500 },
  webhookDelivery: { maxAttempts: 8, backoffMs: [1000, 2000, 5000, 10000, 30000], timeoutMs: 5000 },
  shops: [{ domain, data, accessTokens: env.SIM_ACCESS_TOKEN ? [{ token: env.SIM_ACCESS_TOKEN }] : [] }],
});
const shop = sim.shop(domain);
const token = env.SIM_ACCESS_TOKEN ?? shop.issueAccessToken();

console.log(`Shopify Admin simulator listening on ${sim.url} (ready in ${Date.now() - started} ms)`);
console.log(
  `  shop:          ${shop.domain} (${data.truth.counts.customers} customers, ${data.truth.counts.orders} orders, ${data.shop.currencyCode})`
);
console.log(`  access token:  ${token}`);
console.log(
  `  GraphQL:       POST ${sim.url}/admin/api/2026-10/graphql.json  (headers X-Shopify-Access-Token, X-Sim-Shop: ${shop.domain})`
);
console.log(`  webhooks:      ${sim.app.appUrl ? `${webhooks.length} subscriptions → ${sim.app.appUrl}` : "off (set SHOPIFY_APP_URL)"}`);
console.log(`  control API:   ${sim.url}/__sim/shops/${shop.domain}/...  (see sim/shopify/control-http.ts)`);
console.log(`  app:           SHOPIFY_ADMIN_SIMULATOR_URL=${sim.url}`);

const shutdown = async () => {
  await sim.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
