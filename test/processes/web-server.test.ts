/**
 * The production web server as `npm start` runs it (build/server/web.js, a real process on a
 * loopback port): webhook deliveries are answered before Express and Remix, by the webhook
 * routes' own receipt; every other request is served as before (pages compressed, assets
 * cached, the access log, /healthz, /readyz); SIGTERM stops it.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { MAX_WEBHOOK_BYTES } from "~/platforms/webhook-body.server";
import { APP_NODE_FLAGS, APP_PROCESS_ENV_PREFIX, freePort, snapshotBuild, spawnAppProcess, untilAnswers } from "../../scripts/lib/app-processes";
import { addShop, freshDatabase, onPostgres } from "../support/db";
import { restOrder, signedWebhook } from "../support/webhooks";

const root = path.resolve(import.meta.dirname, "..", "..");
const SHOP = "fastpath.myshopify.com";

let db: Db;
let base: string;
let server: ChildProcess;
let stdout = "";
let stderr = "";
let snapshot: { dir: string; remove(): void };

/** The build in the checkout, rebuilt when older than the app's sources; copied so a concurrent build cannot swap it underneath. */
function productionBuild(): { dir: string; remove(): void } {
  const web = path.join(root, "build", "server", "web.js");
  const stale = !existsSync(web) || !existsSync(path.join(root, "build", "server", "index.js")) || newerThan(path.join(root, "app"), statSync(web).mtimeMs);
  if (stale) execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  return snapshotBuild(path.join(root, "build"));
}

function newerThan(dir: string, mtimeMs: number): boolean {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && statSync(path.join(e.parentPath, e.name)).mtimeMs > mtimeMs);
}

const inboxRows = async () => Number(await db.prepare(`SELECT count(*) FROM "WebhookInbox"`).pluck().get());

/** A signed delivery sent over the network to the server. */
async function post(signed: Request, urlPath = "/webhooks"): Promise<Response> {
  return fetch(base + urlPath, { method: "POST", headers: signed.headers, body: await signed.text() });
}

beforeAll(async () => {
  snapshot = productionBuild();
  const fresh = await freshDatabase();
  db = fresh.db;
  await addShop(db, SHOP, { syncState: false });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // As `npm start` runs it: node with the app's flags and environment on build/server/web.js (package.json's start script, checked below).
  server = spawnAppProcess(path.join(snapshot.dir, "server", "web.js"), [], {
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: fresh.url,
    SHOPIFY_API_KEY: "fast-key",
    SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "",
    SHOPIFY_APP_URL: `http://localhost:${port}`,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    // No store behind the shop: the applier's re-reads fail fast and retry later.
    SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:9",
    LOG_LEVEL: "error",
  });
  server.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  await untilAnswers(`${base}/readyz`, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${stderr}`);
  });
}, 300_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  snapshot?.remove();
});

describe.skipIf(onPostgres())("the production web server (npm start)", () => {
  it("GIVEN package.json WHEN npm start and npm run worker run THEN they start build/server/web.js and worker.js with the app's environment and node flags, as the benchmarks start them", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`${APP_PROCESS_ENV_PREFIX} node ${APP_NODE_FLAGS.join(" ")} --env-file-if-exists=.env build/server/web.js`);
    expect(pkg.scripts.worker).toBe(`${APP_PROCESS_ENV_PREFIX} node ${APP_NODE_FLAGS.join(" ")} --env-file-if-exists=.env build/server/worker.js`);
  });

  it("GIVEN a signed orders/create WHEN posted to /webhooks THEN it is stored and acknowledged without passing through Express (no access-log line)", async () => {
    const before = await inboxRows();

    const res = await post(signedWebhook("orders/create", SHOP, restOrder(1, 1)));

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("stored");
    expect(await inboxRows()).toBe(before + 1);
    const row = await db.prepare(`SELECT id, shopDomain, topic FROM "WebhookInbox" ORDER BY id DESC LIMIT 1`).get();
    expect(row).toEqual({ id: Number(res.headers.get("X-RFM-Inbox")), shopDomain: SHOP, topic: "orders/create" });
    expect(stdout).not.toContain("/webhooks");
  });

  it("GIVEN a forged signature WHEN posted THEN 401 and nothing is written", async () => {
    const before = await inboxRows();

    const res = await post(signedWebhook("orders/create", SHOP, restOrder(2, 1), { forge: true }));

    expect(res.status).toBe(401);
    expect(await inboxRows()).toBe(before);
  });

  it("GIVEN a signed body that is not JSON WHEN posted THEN 400, never 500, and nothing is written", async () => {
    const before = await inboxRows();

    const res = await post(signedWebhook("orders/create", SHOP, null, { rawBody: "{not json" }));

    expect(res.status).toBe(400);
    expect(await inboxRows()).toBe(before);
  });

  it("GIVEN a POST declaring 50 MB WHEN only its headers have been sent THEN the server answers 413 (the body is never needed)", async () => {
    const before = await inboxRows();
    const socket = connect(Number(new URL(base).port), "127.0.0.1");
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to the headers alone: ${answer}`)), 20_000);
      socket.on("data", () => {
        if (answer.includes("\r\n\r\n")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    socket.destroy();

    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(await inboxRows()).toBe(before);
  });

  it("GIVEN a chunked POST with no length WHEN it runs past the cap THEN 413 before the client has sent it all", async () => {
    const before = await inboxRows();
    let sent = 0;
    const total = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "x");

    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/webhooks/woocommerce`, { method: "POST", headers: { "Content-Type": "application/json" } });
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on("error", (err) => (answered ? undefined : reject(err)));
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!answered) req.end();
      };
      pump();
    });

    expect(status).toBe(413);
    expect(sent).toBeLessThan(total);
    expect(sent).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect(await inboxRows()).toBe(before);
  });

  it("GIVEN WooCommerce's ping WHEN posted to /webhooks/woocommerce THEN 200 ping through the same path", async () => {
    const res = await fetch(`${base}/webhooks/woocommerce`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "webhook_id=7" });

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("ping");
  });

  it("GIVEN the server WHEN a page, /healthz, /readyz and a client asset are requested THEN they answer as before: compressed, cached, logged", async () => {
    const page = await fetch(`${base}/auth/login`, { headers: { "Accept-Encoding": "gzip" } });
    const health = await fetch(`${base}/healthz`);
    const ready = await fetch(`${base}/readyz`);
    const asset = readdirSync(path.join(snapshot.dir, "client", "assets")).find((f) => f.endsWith(".js"))!;
    const assetRes = await fetch(`${base}/assets/${asset}`);

    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(page.headers.get("Content-Encoding")).toBe("gzip");
    expect(await page.text()).toContain("<html");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(ready.status).toBe(200);
    expect(assetRes.status).toBe(200);
    expect(assetRes.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(stdout).toMatch(/GET \/healthz 200/);
    expect(stdout).toMatch(/GET \/auth\/login 200/);
  });

  it("GIVEN the running server WHEN sent SIGTERM THEN it stops and exits 0", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 40_000))]);
    expect(code).toBe(0);
  }, 60_000);
});
