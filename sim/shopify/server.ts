import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdminFrame } from "./admin-frame";
import type { DeclaredMetafieldDefinition } from "./declared-definitions";
import { DEFAULT_BULK, type BulkSettings } from "./bulk";
import { systemClock, type Clock } from "../kit/clock";
import { handleControl } from "./control-http";
import { FileStore } from "./files";
import { signQuery, signSessionToken, TokenRegistry } from "./oauth";
import { hashSeed } from "../kit/random";
import { API_VERSION, loadAdminSchema } from "./schema";
import { normaliseDomain, SimShop, type ShopOptions } from "./shop";
import type { RequestRecord, ShopStats } from "./stats";
import { UploadStore } from "./uploads";
import { DEFAULT_DELIVERY, type AppWebhookSubscription, type DeliverySettings } from "./webhooks";

/**
 * The Shopify Admin simulator: one node:http server hosting any number of shops.
 *
 * Routing: the shop comes from the `X-Sim-Shop` header (set by the app's interception module), else
 * from a `*.myshopify.com` Host header, else from `?shop=`. Shopify paths are served as on Shopify:
 *   POST /admin/oauth/access_token, GET /admin/oauth/authorize,
 *   POST /admin/api/2026-10/graphql.json (X-Shopify-Access-Token required).
 * Simulator-only paths live under /__sim: result files, staged uploads, and the control API.
 */

export interface AppOptions {
  /** The app's client id (SHOPIFY_API_KEY). */
  apiKey?: string;
  /** The client secret: signs webhooks and session tokens. */
  apiSecret?: string;
  /** Numeric id Shopify uses in app-reserved namespaces (app--<id>--…); derived from apiKey by default. */
  apiClientId?: string;
  title?: string;
  handle?: string;
  /** Granted on install / token exchange. */
  scopes?: string[];
  /** Base URL for relative webhook URIs (SHOPIFY_APP_URL). */
  appUrl?: string | null;
  /** App-wide subscriptions, like [[webhooks.subscriptions]] in shopify.app.toml. */
  webhooks?: AppWebhookSubscription[];
  /** Declarative metafield definitions (`[customer.metafields.app.<key>]`), created on each shop at install. */
  metafieldDefinitions?: DeclaredMetafieldDefinition[];
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  app?: AppOptions;
  shops?: ShopOptions[];
  /** Injectable time (throttle refill, token expiry, timestamps); tests pass createManualClock(). */
  clock?: Clock;
  /** Base seed for fault draws, webhook shuffles and JSONL interleaving. */
  seed?: string | number;
  bulk?: Partial<BulkSettings>;
  webhookDelivery?: Partial<DeliverySettings>;
}

export interface SimulatorApp {
  apiKey: string;
  apiSecret: string;
  apiClientId: string;
  title: string;
  handle: string;
  scopes: string[];
  appUrl: string | null;
  webhooks: AppWebhookSubscription[];
  metafieldDefinitions: DeclaredMetafieldDefinition[];
}

export interface Simulator {
  /** e.g. http://127.0.0.1:53211 */
  url: string;
  port: number;
  app: SimulatorApp;
  clock: Clock;
  /** Shops by domain (name.myshopify.com). */
  shops: ReadonlyMap<string, SimShop>;
  /** The shop for a domain ("acme" or "acme.myshopify.com"); throws when unknown. */
  shop(domain: string): SimShop;
  addShop(options: ShopOptions): SimShop;
  /** A session token (HS256 JWT) as App Bridge would give the app, for token exchange. */
  sessionToken(shop: string, options?: { userId?: number; ttlSeconds?: number }): string;
  stats(shop: string): ShopStats;
  resetStats(): void;
  /** Waits for every shop's webhook deliveries and bulk operations. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_APP_SCOPES = ["read_orders", "read_all_orders", "read_customers", "write_customers"];

type Json = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type":
      typeof body === "string" && body.startsWith("<?xml") ? "application/xml; charset=UTF-8" : "application/json; charset=utf-8",
    "X-Request-Id": randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** OAuth and GraphQL bodies come as JSON or form-encoded, as Shopify accepts both. */
function parseParams(raw: Buffer, contentType: string | undefined): Json | null {
  const text = raw.toString("utf8");
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  if (contentType?.includes("application/graphql")) return { query: text };
  try {
    const parsed: unknown = JSON.parse(text || "{}");
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Json) : null;
  } catch {
    return null;
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const admin = loadAdminSchema();
  const clock = options.clock ?? systemClock;
  const apiKey = options.app?.apiKey ?? "sim-api-key";
  const app: SimulatorApp = {
    apiKey,
    apiSecret: options.app?.apiSecret ?? "sim-api-secret",
    apiClientId: options.app?.apiClientId ?? String(1_000_000 + (hashSeed(apiKey) % 9_000_000)),
    title: options.app?.title ?? "Simulated app",
    handle: options.app?.handle ?? "simulated-app",
    scopes: options.app?.scopes ?? [...DEFAULT_APP_SCOPES],
    appUrl: options.app?.appUrl ?? null,
    webhooks: options.app?.webhooks ?? [],
    metafieldDefinitions: options.app?.metafieldDefinitions ?? [],
  };
  let baseUrl = "";
  const tokens = new TokenRegistry({ apiKey: app.apiKey, apiSecret: app.apiSecret, scopes: app.scopes }, clock);
  const files = new FileStore(() => baseUrl, clock);
  const uploads = new UploadStore(() => baseUrl, clock);
  const shops = new Map<string, SimShop>();
  tokens.grantedScopes = (domain) => shops.get(domain)?.grantedScopes ?? null;
  const hangTimers = new Set<NodeJS.Timeout>();
  const host = {
    admin,
    clock,
    tokens,
    files,
    uploads,
    app,
    delivery: { ...DEFAULT_DELIVERY, ...options.webhookDelivery },
    bulk: { ...DEFAULT_BULK, ...options.bulk },
    seed: options.seed ?? 0,
    baseUrl: () => baseUrl,
  };

  const addShop = (shopOptions: ShopOptions): SimShop => {
    const domain = normaliseDomain(shopOptions.domain);
    if (shops.has(domain)) throw new Error(`shop ${domain} already exists`);
    const shop = new SimShop(host, shopOptions, shops.size + 1);
    shops.set(domain, shop);
    return shop;
  };
  for (const shopOptions of options.shops ?? []) addShop(shopOptions);

  const resolveShop = (req: IncomingMessage, url: URL): SimShop | undefined => {
    const header = req.headers["x-sim-shop"];
    const hostName = (req.headers.host ?? "").split(":")[0];
    const domain = typeof header === "string" ? header : hostName.endsWith(".myshopify.com") ? hostName : url.searchParams.get("shop");
    return domain ? shops.get(normaliseDomain(domain)) : undefined;
  };

  const sessionToken = (shop: string, tokenOptions: { userId?: number; ttlSeconds?: number } = {}) =>
    signSessionToken({ apiKey: app.apiKey, apiSecret: app.apiSecret, shop: normaliseDomain(shop), nowMs: clock.now(), ...tokenOptions });

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, shop: SimShop, path: string): Promise<void> {
    const record: RequestRecord = {
      at: new Date(clock.now()).toISOString(),
      kind: "graphql",
      method: req.method ?? "POST",
      path,
      status: 200,
    };
    const finish = (status: number, body: unknown, extra: Partial<RequestRecord> = {}, headers: Record<string, string> = {}) => {
      shop.recordRequest({ ...record, ...extra, status });
      send(res, status, body, { "X-Shopify-API-Version": API_VERSION, ...headers });
    };
    const body = await readBody(req);
    const fault = shop.faults.decide();
    if (fault?.kind === "http") {
      const bodies = {
        429: { errors: "Too Many Requests" },
        500: { errors: "Internal Server Error" },
        503: { errors: "Service Unavailable" },
      };
      return finish(
        fault.status,
        bodies[fault.status],
        { fault: `http${fault.status}` },
        fault.status === 429 ? { "Retry-After": "1" } : {}
      );
    }
    if (fault?.kind === "timeout") {
      shop.recordRequest({ ...record, status: 0, fault: "timeout" });
      // Hang, then drop the connection without an answer (what a client sees as a timeout/reset).
      const timer = setTimeout(() => {
        hangTimers.delete(timer);
        req.socket.destroy();
      }, fault.ms);
      hangTimers.add(timer);
      return;
    }
    const tokenHeader = req.headers["x-shopify-access-token"];
    const token = typeof tokenHeader === "string" ? tokens.lookup(tokenHeader) : null;
    if (!token || token.shop !== shop.domain) {
      return finish(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    const params = parseParams(body, req.headers["content-type"]);
    if (!params) return finish(400, { errors: { query: "Required parameter missing or invalid" } });
    const result = await shop.handleGraphql(params, token.scopes, {
      forceThrottled: fault?.kind === "throttled",
      apiClientId: token.apiClientId,
    });
    return finish(result.status, result.body, { ...result.record, ...(fault?.kind === "throttled" ? { fault: "throttled" } : {}) });
  }

  async function handleOAuth(req: IncomingMessage, res: ServerResponse, shop: SimShop, url: URL): Promise<void> {
    if (url.pathname === "/admin/oauth/access_token" && req.method === "POST") {
      const params = parseParams(await readBody(req), req.headers["content-type"]) ?? {};
      const result = tokens.exchange(shop.domain, params);
      if (result.status === 200 && !shop.installed) shop.install();
      shop.recordRequest({
        at: new Date(clock.now()).toISOString(),
        kind: "oauth",
        method: "POST",
        path: url.pathname,
        status: result.status,
      });
      return send(res, result.status, result.body);
    }
    if (url.pathname === "/admin/oauth/authorize" && req.method === "GET") {
      // The merchant approves at once: redirect back with a signed code, as Shopify does.
      const q = url.searchParams;
      if (q.get("client_id") !== app.apiKey || !q.get("redirect_uri"))
        return send(res, 400, { errors: "Invalid client_id or redirect_uri" });
      const granted = tokens.scopesFor(shop.domain);
      const scopes = (q.get("scope") ?? app.scopes.join(",")).split(",").filter((s) => s && granted.includes(s));
      const online = q.getAll("grant_options[]").includes("per-user");
      const params: Record<string, string> = {
        code: tokens.createAuthorizationCode(shop.domain, { scopes, online }),
        host: Buffer.from(`admin.shopify.com/store/${shop.domain.replace(".myshopify.com", "")}`).toString("base64url"),
        shop: shop.domain,
        state: q.get("state") ?? "",
        timestamp: String(Math.floor(clock.now() / 1000)),
      };
      const redirect = new URL(q.get("redirect_uri")!);
      for (const [k, v] of Object.entries(params)) redirect.searchParams.set(k, v);
      redirect.searchParams.set("hmac", signQuery(params, app.apiSecret));
      res.writeHead(302, { Location: redirect.toString() });
      res.end();
      return;
    }
    send(res, 404, { errors: "Not Found" });
  }

  async function handleSim(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
    if (parts[0] === "files" && req.method === "GET") {
      const found = files.lookup(parts[1] ?? "", url.searchParams.get("X-Goog-Signature"));
      if ("file" in found) {
        res.writeHead(200, { "Content-Type": found.file.contentType, "Content-Length": String(found.file.size) });
        if (found.file.path) createReadStream(found.file.path).pipe(res);
        else res.end(found.file.content);
        return;
      }
      return send(res, found.status, `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${found.reason}</Code></Error>`);
    }
    if (parts[0] === "staged-uploads") {
      const body = await readBody(req);
      if (req.method === "POST") {
        const contentType = req.headers["content-type"] ?? "";
        if (!contentType.includes("multipart/form-data"))
          return send(res, 400, `<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code></Error>`);
        const form = await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
        const result = await uploads.acceptForm(form);
        return send(res, result.status, result.body);
      }
      if (req.method === "PUT") {
        const result = uploads.acceptPut(parts.slice(1).join("/"), url.searchParams.get("X-Goog-Signature"), body);
        return send(res, result.status, result.body);
      }
    }
    const params = parseParams(await readBody(req), "application/json") ?? {};
    const result = await handleControl(
      { shop: (d) => shops.get(normaliseDomain(d)), listShops: () => [...shops.values()], addShop, sessionToken },
      req.method ?? "GET",
      parts,
      url.searchParams,
      params
    );
    send(res, result.status, result.body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const handle = async () => {
      // The simulated admin page around the app, and the App Bridge stand-in (admin-frame.ts).
      if (handleAdminFrame(req, res, url, { app, shops, sessionToken, baseUrl: () => baseUrl })) return;
      if (url.pathname.startsWith("/__sim/")) return handleSim(req, res, url);
      const shop = resolveShop(req, url);
      if (!shop) return send(res, 404, { errors: "Not Found: unknown shop (send X-Sim-Shop or a *.myshopify.com Host)" });
      if (url.pathname.startsWith("/admin/oauth/")) return handleOAuth(req, res, shop, url);
      const graphql = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
      if (graphql && req.method === "POST") {
        if (graphql[1] !== API_VERSION)
          return send(res, 404, { errors: `Not Found: the simulator serves API version ${API_VERSION} only` });
        return handleGraphql(req, res, shop, url.pathname);
      }
      send(res, 404, { errors: "Not Found" });
    };
    handle().catch((error: unknown) => {
      // A simulator bug must be visible to the caller, not swallowed.
      if (!res.headersSent) send(res, 500, { errors: `Simulator error: ${error instanceof Error ? error.stack : String(error)}` });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostName = address.family === "IPv6" ? `[${address.address}]` : address.address;
  baseUrl = `http://${hostName}:${address.port}`;

  const shop = (domain: string) => {
    const found = shops.get(normaliseDomain(domain));
    if (!found) throw new Error(`unknown shop ${domain}`);
    return found;
  };

  return {
    url: baseUrl,
    port: address.port,
    app,
    clock,
    shops,
    shop,
    addShop,
    sessionToken,
    stats: (domain) => shop(domain).stats(),
    resetStats: () => {
      for (const s of shops.values()) s.resetStats();
    },
    settle: async () => {
      await Promise.all([...shops.values()].map((s) => s.settle()));
    },
    stop: async () => {
      for (const timer of hangTimers) clearTimeout(timer);
      for (const s of shops.values()) s.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      files.dispose();
    },
  };
}
