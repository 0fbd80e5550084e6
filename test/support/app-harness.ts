/**
 * The app wired to the Shopify simulator over real HTTP, for integration tests and the demo:
 * the simulator signs session tokens and webhooks with the app's real secret, the app's
 * Admin API traffic reaches the simulator through the interception module, and webhooks
 * come back over HTTP to the app's real webhook route.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { metafieldDefinitionsFromAppToml, parseGid, startSimulator, webhooksFromAppToml, type SeedData, type SimShop, type Simulator } from "../../sim/shopify";
import { installSimulatorInterception } from "~/platforms/shopify/simulator.server";
import type { StorePersonaData } from "./persona-data";
import { answerOf, args, BROWSER, responseOf } from "./routes";

const root = path.resolve(import.meta.dirname, "..", "..");

export async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
}

export interface Harness {
  sim: Simulator;
  shopDomain: string;
  appUrl: string;
  /** Opens the embedded app as the Shopify admin would (session token → token exchange → install). */
  install(): Promise<string>;
  /** The merchant approves write-back on the dashboard (the setup guide's button: a signed form post). */
  grantWriteConsent(): Promise<void>;
  /** Runs background jobs until nothing is due soon (bulk polls included); returns jobs run. */
  runJobs(options?: { maxMs?: number }): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(options: { shop?: string; data?: SeedData; bulkDelayMs?: number; webhookApiVersion?: string } = {}): Promise<Harness> {
  // Fast background work (read once, when the app's services start).
  process.env.RECOMPUTE_DEBOUNCE_MS ??= "30";
  process.env.BULK_POLL_MS ??= "20";
  const { action } = await import("~/routes/webhooks");
  const { server, appUrl } = await serveRoute("/webhooks", action);

  const shopDomain = options.shop ?? "rfm-demo.myshopify.com";
  const sim = await startSimulator({
    app: {
      apiKey: process.env.SHOPIFY_API_KEY,
      apiSecret: process.env.SHOPIFY_API_SECRET,
      appUrl,
      webhooks: webhooksFromAppToml(readFileSync(path.join(root, "shopify.app.toml"), "utf8")),
      // Shopify creates the app's declared metafield definitions at install.
      metafieldDefinitions: metafieldDefinitionsFromAppToml(readFileSync(path.join(root, "shopify.app.toml"), "utf8")),
    },
    shops: [{ domain: shopDomain, data: options.data, installed: false, webhookApiVersion: options.webhookApiVersion }],
    bulk: { delayMs: options.bulkDelayMs ?? 20 },
    webhookDelivery: { backoffMs: [10, 20, 40] },
  });
  process.env.SHOPIFY_ADMIN_SIMULATOR_URL = sim.url;
  installSimulatorInterception(process.env);

  const { services } = await import("~/services.server");
  const runner = services().runner;

  return {
    sim,
    shopDomain,
    appUrl,
    async install() {
      const { loader } = await import("~/routes/app");
      const params = new URLSearchParams({
        embedded: "1",
        shop: shopDomain,
        host: Buffer.from(`admin.shopify.com/store/${shopDomain.split(".")[0]}`).toString("base64url"),
        id_token: sim.sessionToken(shopDomain),
      });
      const request = new Request(`${process.env.SHOPIFY_APP_URL}/app?${params}`, { headers: { "User-Agent": BROWSER } });
      await loader({ request, params: {}, context: {} });
      const { default: prisma } = await import("~/db.server");
      const shop = await prisma.shop.findUniqueOrThrow({ where: { domain: shopDomain } });
      return shop.id;
    },
    async grantWriteConsent() {
      await postDashboardIntent(`${process.env.SHOPIFY_APP_URL}/app?index`, sim.sessionToken(shopDomain), "approve-writeback");
    },
    runJobs: ({ maxMs } = {}) => runJobsUntilIdle(() => sim.settle(), { maxMs }),
    async close() {
      await sim.stop();
      // closeAllConnections: a keep-alive socket or an unanswered request must not hold the close.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A signed form post to the dashboard's action, as the setup guide's button sends it from the
 * embedded app (Authorization: Bearer <session token>); throws unless it is accepted.
 */
export async function postDashboardIntent(url: string, sessionToken: string, intent: string): Promise<void> {
  const { action } = await import("~/routes/app._index");
  const request = new Request(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${sessionToken}`, "User-Agent": BROWSER },
    body: new URLSearchParams({ intent }),
  });
  const answer = await answerOf(() => action(args(request)));
  if (answer instanceof Response || !(answer as { approved?: boolean }).approved) {
    throw new Error(`the dashboard refused ${intent}: ${answer instanceof Response ? answer.status : JSON.stringify(answer)}`);
  }
}

/**
 * Runs the app's background jobs until nothing is due soon (polls and debounced recomputes are
 * waited for; scheduled ones — the next sweep, tomorrow's recompute — are not), letting the
 * store's deliveries (`settle`) arrive between rounds. Returns jobs run.
 */
export async function runJobsUntilIdle(settle: () => Promise<void>, { maxMs = 60_000 }: { maxMs?: number } = {}): Promise<number> {
  const { services } = await import("~/services.server");
  const { db, runner } = services();
  const deadline = Date.now() + maxMs;
  const { nextDueJob } = await import("./queued-jobs");
  const dueSoon = async () => ({ at: await nextDueJob(db, new Date(Date.now() + 30_000)) });
  let total = 0;
  for (;;) {
    await settle();
    total += await runner.drain();
    const soon = await dueSoon();
    if (soon.at === null) {
      await settle(); // deliveries the last jobs caused (e.g. a customer update after a write)
      if ((await dueSoon()).at === null) return total;
      continue;
    }
    if (Date.now() > deadline) throw new Error("jobs did not settle in time");
    await new Promise((r) => setTimeout(r, Math.max(5, Math.min(200, soon.at! - Date.now()))));
  }
}

/** How the simulated store spells the app's `$app` metafield namespace: app--<the app's client id>. */
export function appNamespaceOf(shop: SimShop): string {
  return `app--${shop.context(null, "request").apiClientId}`;
}

/** What a simulated customer carries: every tag, and the app's own metafields by key; null when there is no such customer. */
export function personaDataIn(shop: SimShop, customerKey: string): StorePersonaData | null {
  const id = parseGid(customerKey);
  const customer = id?.type === "Customer" ? shop.store.customers.get(id.id) : undefined;
  if (!customer) return null;
  const namespace = appNamespaceOf(shop);
  const fields = shop.store
    .metafieldsOf("CUSTOMER", customer.id)
    .filter((m) => m.namespace === namespace)
    .map((m) => [m.key, m.value]);
  return { labels: [...customer.tags], fields: Object.fromEntries(fields) };
}

/**
 * The app's route `action` served over real HTTP on loopback under `prefix` (404 elsewhere),
 * as the production server would call it; `onAnswer` sees each request and its answer.
 */
export async function serveRoute(
  prefix: string,
  action: (routeArgs: ReturnType<typeof args>) => Promise<Response>,
  onAnswer?: (request: Request, response: Response) => void,
): Promise<{ server: Server; appUrl: string }> {
  let appUrl = "";
  const server: Server = createServer(async (req, res) => {
    try {
      const request = await toRequest(req, appUrl);
      // Applied before answering, so what a test reads next already reflects the delivery.
      const response = req.url?.startsWith(prefix) ? await (await import("./inbox")).settled(await responseOf(() => action(args(request)))) : new Response("not found", { status: 404 });
      onAnswer?.(request, response);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, appUrl };
}
