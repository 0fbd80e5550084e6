/**
 * Connecting a WooCommerce store over real HTTP: the simulator's wc-auth flow (login, grant,
 * approve → JSON key POSTed to our real https callback, self-signed as the captured store's
 * receiver was), manual keys, the app's wc/v3 client over the npm one, a real SQLite database.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { startReceiver } from "../../../sim/kit/receiver";
import { startWooSimulator, type WooSimulator } from "../../../sim/woocommerce";
import { freshDatabase } from "../../../test/support/db";
import { jobQueueOf } from "../../../test/support/job-runner";
import { queuedJobs } from "../../../test/support/queued-jobs";
import {
  connectionStatus,
  connectWithKey,
  disconnectWooStore,
  handleWooAuthCallback,
  PROBLEMS,
  signConnectState,
  startWooConnect,
  WEBHOOK_TOPICS,
  type ConnectDeps,
} from "./connect.server";
import { loadCredentials } from "./credentials.server";

const SECRET = "connect-test-state-secret";

/** Node request → Fetch Request (what Remix hands a route action). */
async function fetchRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  return new Request(`${origin}${req.url}`, { method: req.method, headers, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
}

async function answer(res: ServerResponse, response: Response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(await response.text());
}

let certDir = "";
let cert: { key: Buffer; cert: Buffer };
beforeAll(() => {
  certDir = mkdtempSync(path.join(tmpdir(), "wc-connect-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${certDir}/key.pem`, "-out", `${certDir}/cert.pem`, "-days", "1", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
  cert = { key: readFileSync(`${certDir}/key.pem`), cert: readFileSync(`${certDir}/cert.pem`) };
});
afterAll(() => {
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

interface World {
  sim: WooSimulator;
  db: Db;
  deps: ConnectDeps;
  callbacks: number[];
}

let world: World;
const closers: (() => Promise<void>)[] = [];
const closeServer = (server: HttpServer | HttpsServer) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

beforeEach(async () => {
  const sim = await startWooSimulator({ currency: "EUR" });
  closers.push(() => sim.stop());
  const hooks = await startReceiver();
  closers.push(hooks.close);
  const { db } = await freshDatabase();
  const callbacks: number[] = [];
  const deps: ConnectDeps = { db, queue: jobQueueOf(db), appUrl: "", stateSecret: SECRET, webhookUrl: `${hooks.url}/webhooks/woocommerce` };
  // The app's https callback route, as WooCommerce reaches it.
  const app = createHttpsServer(cert, async (req, res) => {
    void fetchRequest(req, deps.appUrl).then(async (request) => {
      const response = await handleWooAuthCallback(request, deps);
      callbacks.push(response.status);
      await answer(res, response);
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  closers.push(closeServer(app));
  deps.appUrl = `https://127.0.0.1:${(app.address() as AddressInfo).port}`;
  world = { sim, db, deps, callbacks };
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The merchant in the browser: log in to WordPress, open the grant page, click Approve. */
async function approveInStore(authorizeUrl: string): Promise<Response> {
  const { sim } = world;
  const login = await fetch(`${sim.url}/wc-auth/v1/login/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "admin", password: "password", redirect: authorizeUrl }),
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  const grant = await (await fetch(authorizeUrl, { headers: { Cookie: cookie } })).text();
  const approve = /href="([^"]*access_granted[^"]*)"/.exec(grant)![1].replace(/&amp;/g, "&");
  return fetch(approve, { headers: { Cookie: cookie }, redirect: "manual" });
}

const host = () => new URL(world.sim.url).host;
const shops = async () => await world.db.prepare(`SELECT id, domain, platform, currency, uninstalledAt FROM "Shop"`).all() as { id: string; domain: string; platform: string; currency: string; uninstalledAt: unknown }[];
const jobs = async (shopId: string) => (await queuedJobs(world.db, shopId)).map(({ type, status }) => ({ type, status }));
const storeWebhooks = () => [...world.sim.shop.webhooks.webhooks.values()];

/** A wc-auth URL as startWooConnect builds it, but with our own user_id (to forge or age it). */
function authorizeWith(userId: string): string {
  const query = new URLSearchParams({ app_name: "RFM Personas", scope: "read_write", user_id: userId, return_url: `${world.deps.appUrl}/woocommerce/connected`, callback_url: `${world.deps.appUrl}/woocommerce/callback` });
  return `${world.sim.url}/wc-auth/v1/authorize?${query}`;
}

describe("connect a WooCommerce store with wc-auth", () => {
  it("GIVEN a merchant who approves WHEN WooCommerce posts the key THEN the key is verified and stored encrypted, the shop is created with the store's currency, our 6 webhooks are registered and the import is queued", async () => {
    const start = await startWooConnect(world.sim.url, world.deps);
    expect(start.ok).toBe(true);
    const authorize = new URL((start as { authorizeUrl: string }).authorizeUrl);
    expect(authorize.pathname).toBe("/wc-auth/v1/authorize");
    expect(authorize.searchParams.get("callback_url")).toMatch(/^https:\/\//);
    expect(authorize.searchParams.get("scope")).toBe("read_write");

    const back = await approveInStore(authorize.toString());

    expect(world.callbacks).toEqual([200]);
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toContain("/woocommerce/connected?");
    expect(back.headers.get("location")).toContain("success=1");
    const [shop] = await shops();
    expect(shop).toMatchObject({ domain: host(), platform: "woocommerce", currency: "EUR", uninstalledAt: null });
    const stored = (await loadCredentials(world.db, shop.id))!;
    expect(stored).toMatchObject({ siteUrl: world.sim.url, keyPermissions: "read_write" });
    const raw = await world.db.prepare(`SELECT consumerSecret, webhookSecret FROM "StoreCredential"`).get() as { consumerSecret: string; webhookSecret: string };
    expect(raw.consumerSecret).not.toBe(stored.consumerSecret);
    expect(raw.consumerSecret).not.toContain("cs_");
    expect(Object.keys(stored.webhooks).sort()).toEqual([...WEBHOOK_TOPICS].sort());
    expect(storeWebhooks().map((w) => [w.topic, w.deliveryUrl, w.status]).sort()).toEqual(
      [...WEBHOOK_TOPICS].sort().map((t) => [t, world.deps.webhookUrl, "active"]),
    );
    expect(storeWebhooks().every((w) => w.secret === stored.webhookSecret)).toBe(true);
    expect((await jobs(shop.id)).map((j) => j.type)).toEqual(["backfill", "recompute"]);
    expect(await connectionStatus(world.db, world.sim.url)).toEqual({ connected: true, shopId: shop.id, domain: host(), readOnly: false });
  });

  it("GIVEN a user_id we did not sign WHEN WooCommerce posts a key THEN the callback refuses it, WooCommerce deletes the key, nothing is stored", async () => {
    const forged = signConnectState(world.sim.url, "someone-else's-secret", new Date());

    const back = await approveInStore(authorizeWith(forged));

    expect(world.callbacks).toEqual([403]);
    expect(back.status).toBe(401);
    expect(await back.text()).toContain("unable to send the consumer data");
    expect(await shops()).toEqual([]);
    expect(await world.db.prepare(`SELECT COUNT(*) AS n FROM "StoreCredential"`).get()).toEqual({ n: 0 });
    expect(world.sim.shop.store.keys.size).toBe(0);
  });

  it("GIVEN a connection started over 30 minutes ago WHEN the key arrives THEN it is refused as expired", async () => {
    const old = signConnectState(world.sim.url, SECRET, new Date(Date.now() - 31 * 60_000));

    await approveInStore(authorizeWith(old));

    expect(world.callbacks).toEqual([403]);
    expect(await shops()).toEqual([]);
  });

  it("GIVEN a signed user_id tampered to name another site WHEN the callback gets it THEN it is refused", async () => {
    const [payload, sig] = signConnectState(world.sim.url, SECRET, new Date()).split(".");
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), site: "https://evil.example" })).toString("base64url");
    const request = new Request(`${world.deps.appUrl}/woocommerce/callback`, {
      method: "POST",
      body: JSON.stringify({ key_id: 1, user_id: `${other}.${sig}`, consumer_key: "ck_x", consumer_secret: "cs_x", key_permissions: "read_write" }),
    });

    const response = await handleWooAuthCallback(request, world.deps);

    expect(response.status).toBe(403);
    expect(await shops()).toEqual([]);
  });
});

describe("connect a WooCommerce store with pasted keys", () => {
  it("GIVEN a read/write key WHEN pasted THEN the shop is connected with webhooks and an import", async () => {
    const key = world.sim.shop.addKey({ permissions: "read_write" });

    const result = await connectWithKey({ siteUrl: `${world.sim.url}/`, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }, world.deps);

    expect(result).toMatchObject({ ok: true, domain: host(), readOnly: false, webhooks: 6, problems: [] });
    expect(storeWebhooks()).toHaveLength(6);
  });

  it("GIVEN a read-only key WHEN pasted THEN the shop connects read-only (stored so), without webhooks, and says so", async () => {
    const key = world.sim.shop.addKey({ permissions: "read" });

    const result = await connectWithKey({ siteUrl: world.sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }, world.deps);

    expect(result).toMatchObject({ ok: true, readOnly: true, webhooks: 0 });
    expect((result as { problems: string[] }).problems.join(" ")).toContain("read-only");
    expect(storeWebhooks()).toEqual([]);
    const [shop] = await shops();
    expect(await (await loadCredentials(world.db, shop.id))?.keyPermissions).toBe("read");
    expect(await connectionStatus(world.db, world.sim.url)).toMatchObject({ connected: true, readOnly: true });
    expect((await jobs(shop.id)).map((j) => j.type)).toEqual(["backfill", "recompute"]);
  });

  it("GIVEN a wrong secret WHEN pasted THEN nothing is stored and the merchant is told the store refused the key", async () => {
    const key = world.sim.shop.addKey({ permissions: "read_write" });

    const result = await connectWithKey({ siteUrl: world.sim.url, consumerKey: key.consumerKey, consumerSecret: "cs_wrong" }, world.deps);

    expect(result).toMatchObject({ ok: false });
    expect((result as { problem: string }).problem).toContain("the store refused the key");
    expect(await shops()).toEqual([]);
  });

  it("GIVEN a connected store WHEN it connects again THEN its old webhooks are replaced (6, not 12) under a fresh secret", async () => {
    const key = world.sim.shop.addKey({ permissions: "read_write" });
    const input = { siteUrl: world.sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret };
    await connectWithKey(input, world.deps);
    const firstSecret = (await loadCredentials(world.db, (await shops())[0].id))!.webhookSecret;

    await connectWithKey(input, world.deps);

    expect(await shops()).toHaveLength(1);
    const secret = (await loadCredentials(world.db, (await shops())[0].id))!.webhookSecret;
    expect(secret).not.toBe(firstSecret);
    expect(storeWebhooks()).toHaveLength(6);
    expect(storeWebhooks().every((w) => w.secret === secret)).toBe(true);
  });
});

describe("a store with plain permalinks", () => {
  /** WordPress with plain permalinks: no /wp-json/ path (404 page), the REST API only as ?rest_route=. */
  async function plainPermalinkStore(): Promise<string> {
    const proxy = createHttpServer(async (req, res) => {
      if (req.url?.startsWith("/wp-json/")) {
        res.writeHead(404, { "Content-Type": "text/html; charset=UTF-8" });
        res.end("<!DOCTYPE html><title>Page not found</title>");
        return;
      }
      void fetchRequest(req, world.sim.url).then(async (request) => answer(res, await fetch(request, { redirect: "manual" })));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    closers.push(closeServer(proxy));
    return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }

  it("GIVEN plain permalinks WHEN the merchant starts wc-auth or pastes keys THEN they are told to change the permalink setting, and nothing is stored", async () => {
    const site = await plainPermalinkStore();
    const key = world.sim.shop.addKey({ permissions: "read_write" });

    expect(await startWooConnect(site, world.deps)).toEqual({ ok: false, problem: PROBLEMS["plain-permalinks"] });
    const pasted = await connectWithKey({ siteUrl: site, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }, world.deps);
    expect(pasted).toMatchObject({ ok: false, problem: PROBLEMS["plain-permalinks"] });
    expect(PROBLEMS["plain-permalinks"]).toContain("Settings → Permalinks");
    expect(await shops()).toEqual([]);
  });

  it("GIVEN an address where no WooCommerce answers WHEN connecting THEN the merchant is told so", async () => {
    const nothing = await startReceiver(() => 404);
    closers.push(nothing.close);

    expect(await startWooConnect(nothing.url, world.deps)).toEqual({ ok: false, problem: PROBLEMS["no-woocommerce"] });
  });
});

describe("disconnect", () => {
  it("GIVEN a connected store WHEN disconnected THEN our webhooks are removed from the store, the keys forgotten, the shop's work stopped, and the merchant told to revoke the key", async () => {
    const key = world.sim.shop.addKey({ permissions: "read_write" });
    const { shopId } = (await connectWithKey({ siteUrl: world.sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret }, world.deps)) as { shopId: string };

    const result = await disconnectWooStore(shopId, world.deps);

    expect(result).toMatchObject({ webhooksRemoved: 6, problems: [] });
    expect(result.notice).toContain("REST API");
    expect(storeWebhooks()).toEqual([]);
    expect(await loadCredentials(world.db, shopId)).toBeNull();
    expect((await shops())[0].uninstalledAt).not.toBeNull();
    expect((await jobs(shopId)).map((j) => j.status)).toEqual(["cancelled", "cancelled"]);
    expect(await connectionStatus(world.db, world.sim.url)).toEqual({ connected: false });
  });
});
