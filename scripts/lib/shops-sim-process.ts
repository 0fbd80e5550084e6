/**
 * The process side of scripts/lib/shops-sim.ts: seeds the shops (CDNOW replayed, as the
 * benchmark sized them), runs the Shopify simulator, and answers the benchmark's calls.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { metafieldDefinitionsFromAppToml, startSimulator, webhooksFromAppToml, type Simulator } from "../../sim/shopify";
import { readCdnow } from "./cdnow";
import { replayedShopifyShop } from "./replayed-shopify-shop";
import { checkPersonas, expectedPersonas, personaTags, personaTagsOf } from "./shop-truth";
import { personaDigest, type SeededShop, type ShopsSimCalls, type ShopsSimOptions } from "./shops-sim";

const root = path.resolve(import.meta.dirname, "..", "..");
let sim: Simulator | undefined;
let api: ShopsSimCalls | undefined;

function calls(s: Simulator): ShopsSimCalls {
  return {
    sessionToken: (domain) => s.sessionToken(domain),
    createOrder: (domain, customerId, lineItem) => s.shop(domain).createOrder({ customerId, lineItems: [lineItem] }).id,
    tagsOf: (customers) => customers.map(([domain, id]) => personaTagsOf(s.shop(domain), id)),
    tagDigest: (domain) => personaDigest(personaTags(s.shop(domain))),
    async settleOrders(domains) {
      const orderTopic = (topic: string) => topic.startsWith("orders/") || topic.startsWith("refunds/");
      const waiting = () => domains.some((domain) => s.shop(domain).webhooks.deliveries.some((d) => d.state === "pending" && orderTopic(d.topic)));
      while (waiting()) await new Promise((r) => setTimeout(r, 200));
    },
    verdict(domain, stored) {
      const shop = s.shop(domain);
      return { ...checkPersonas(expectedPersonas(shop), new Map(stored), personaTags(shop)), ordersInStore: shop.store.orders.size };
    },
    undelivered(domain) {
      const out: Record<string, number> = {};
      for (const d of s.shop(domain).webhooks.deliveries) if (d.state === "failed" || d.state === "held") out[`${d.topic} ${d.state}`] = (out[`${d.topic} ${d.state}`] ?? 0) + 1;
      return out;
    },
    missingOrders(domain, storedRows, limit) {
      const shop = s.shop(domain);
      const stored = new Map(storedRows);
      const shown = [...shop.store.orders.keys()].filter((id) => stored.get(`gid://shopify/Order/${id}`) !== false).slice(0, limit);
      const fates = new Map<number, string[]>(shown.map((id) => [id, []]));
      for (const d of shop.webhooks.deliveries) {
        if (!d.topic.startsWith("orders/")) continue;
        const id = (JSON.parse(d.body) as { id?: number }).id;
        if (id !== undefined) fates.get(id)?.push(`${d.topic} ${d.state} [${d.attempts.map((a) => a.status ?? a.error).join(", ")}]`);
      }
      return shown.map((id) => {
        const gid = `gid://shopify/Order/${id}`;
        return `${gid} ${stored.has(gid) ? "stored as deleted" : "not stored"}: ${fates.get(id)!.join("; ") || "no webhook"}`;
      });
    },
    orderWebhookAttempts: (domain) =>
      s.shop(domain).webhooks.deliveries.filter((d) => d.topic === "orders/create").map((d) => d.attempts.map((a) => `${a.at} ${a.status ?? a.error}`).join(", ")),
  };
}

async function start(options: ShopsSimOptions): Promise<{ url: string; shops: SeededShop[] }> {
  const rows = readCdnow();
  const seeds = options.shops.map((shop) => ({ domain: shop.domain, data: replayedShopifyShop(shop.customers, rows) }));
  const toml = readFileSync(path.join(root, "shopify.app.toml"), "utf8");
  sim = await startSimulator({
    app: {
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      appUrl: options.appUrl,
      title: "RFM Personas",
      handle: "rfm-personas",
      webhooks: webhooksFromAppToml(toml),
      metafieldDefinitions: metafieldDefinitionsFromAppToml(toml),
    },
    shops: seeds.map((s) => ({ domain: s.domain, name: s.domain.split(".")[0], data: s.data, installed: false })),
    webhookDelivery: options.webhookDelivery,
  });
  api = calls(sim);
  return { url: sim.url, shops: seeds.map((s) => ({ domain: s.domain, orders: s.data.orders.length, customers: s.data.customers.length })) };
}

type Message = { start: ShopsSimOptions } | { stop: true } | { id: number; method: keyof ShopsSimCalls; args: unknown[] };

process.on("message", (m: Message) => {
  const reply = (answer: unknown) => process.send!(answer);
  if ("start" in m) {
    start(m.start).then(
      (ready) => reply({ ready }),
      (err: Error) => reply({ failed: err.stack ?? err.message }),
    );
    return;
  }
  if ("stop" in m) {
    void (sim ? sim.stop() : Promise.resolve()).finally(() => process.exit(0));
    return;
  }
  const answer = (async () => (api![m.method] as (...args: unknown[]) => unknown)(...m.args))();
  answer.then(
    (result) => reply({ id: m.id, result: result ?? null }),
    (err: Error) => reply({ id: m.id, error: err.stack ?? err.message }),
  );
});
// The benchmark gone (crashed or killed) leaves nothing behind.
process.on("disconnect", () => process.exit(0));
