/**
 * The webhook fast path on a real loopback HTTP server, in front of the webhook routes' own
 * actions: the same answers as the routes, the size cap before buffering, bad input never 500,
 * and everything that is not a webhook POST left to the framework.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { services } from "~/services.server";
import { addShop } from "../../test/support/db";
import { resetDatabase } from "../../test/support/reset";
import { args, responseOf } from "../../test/support/routes";
import { restOrder, signedWebhook } from "../../test/support/webhooks";
import { webhookFastPath, type WebhookReceiver } from "./webhook-fast-path.server";

const SHOP = "fast.myshopify.com";
let server: Server;
let base: string;
const calls: string[] = [];
const errors: unknown[] = [];

const shopify: WebhookReceiver = async (request) => {
  calls.push("shopify");
  const { action } = await import("~/routes/webhooks");
  return responseOf(() => action(args(request)));
};
const woocommerce: WebhookReceiver = async (request) => {
  calls.push("woocommerce");
  const { action } = await import("~/routes/webhooks.woocommerce");
  return responseOf(() => action(args(request)));
};
const failing: WebhookReceiver = async () => {
  throw new Error("database unreachable");
};

beforeAll(async () => {
  const fast = webhookFastPath({ "/webhooks": shopify, "/webhooks/woocommerce": woocommerce, "/failing": failing }, { limit: 64 * 1024, onError: (e) => errors.push(e) });
  // What the framework would do with everything else.
  server = createServer((req, res) => {
    if (!fast(req, res)) res.writeHead(404, { "X-Framework": "yes" }).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(async () => {
  calls.length = 0;
  errors.length = 0;
  await resetDatabase(services().db);
  await addShop(services().db, SHOP, { syncState: false });
});

const inbox = async () => Number(await services().db.prepare(`SELECT count(*) FROM "WebhookInbox"`).pluck().get());
const send = async (signed: Request, urlPath = "/webhooks") => fetch(base + urlPath, { method: "POST", headers: signed.headers, body: await signed.text() });

describe("the webhook fast path", () => {
  it("GIVEN a signed delivery WHEN posted THEN the route's receipt answers it: 200 stored, one inbox row", async () => {
    const res = await send(signedWebhook("orders/create", SHOP, restOrder(1, 1)));

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("stored");
    expect(res.headers.get("Content-Length")).toBe("0");
    expect(calls).toEqual(["shopify"]);
    expect(await inbox()).toBe(1);
  });

  it("GIVEN a query string or a trailing slash WHEN posted THEN it is the same route", async () => {
    const one = await send(signedWebhook("orders/create", SHOP, restOrder(2, 1)), "/webhooks/?x=1");
    const two = await send(signedWebhook("orders/create", SHOP, restOrder(3, 1)), "/webhooks?x=1");

    expect([one.status, two.status]).toEqual([200, 200]);
    expect(await inbox()).toBe(2);
  });

  it("GIVEN a forged delivery, or a signed one that is not JSON WHEN posted THEN 401 / 400 with the route's text and nothing stored", async () => {
    const forged = await send(signedWebhook("orders/create", SHOP, restOrder(4, 1), { forge: true }));
    const malformed = await send(signedWebhook("orders/create", SHOP, null, { rawBody: "{nope" }));

    expect(forged.status).toBe(401);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toBe("Malformed JSON");
    expect(await inbox()).toBe(0);
  });

  it("GIVEN a declared length over the cap WHEN posted THEN 413 and the receiver is never called", async () => {
    const res = await fetch(`${base}/webhooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "x".repeat(64 * 1024 + 1) });

    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`Payload too large: at most ${64 * 1024} bytes`);
    expect(calls).toEqual([]);
  });

  it("GIVEN a chunked body running past the cap WHEN streamed THEN 413 and the receiver is never called", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/webhooks/woocommerce`, { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on("error", reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(32 * 1024, "x"));
    });

    expect(status).toBe(413);
    expect(calls).toEqual([]);
  });

  it("GIVEN a client that hangs up mid-body WHEN the server reads it THEN the receiver is never called and the server keeps answering", async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/webhooks`, { method: "POST", headers: { "Content-Length": "1000" } });
      req.on("error", () => resolve());
      req.write("{\"id\":", () => setTimeout(() => req.destroy(), 50));
    });

    const res = await send(signedWebhook("orders/create", SHOP, restOrder(5, 1)));

    expect(res.status).toBe(200);
    expect(calls).toEqual(["shopify"]);
  });

  it("GIVEN a Host header no URL can be made of WHEN posted THEN 400, never 500, and the receiver is never called", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), "127.0.0.1");
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.end("POST /webhooks HTTP/1.1\r\nHost: not a host\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    });

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(calls).toEqual([]);
  });

  it("GIVEN a receiver that throws WHEN posted THEN 500, the error reported, the server still up", async () => {
    const res = await fetch(`${base}/failing`, { method: "POST", body: "{}" });

    expect(res.status).toBe(500);
    expect(String(errors[0])).toContain("database unreachable");
    expect((await fetch(`${base}/webhooks`)).headers.get("X-Framework")).toBe("yes");
  });

  it("GIVEN a GET of a webhook path, or a POST elsewhere WHEN requested THEN the framework answers", async () => {
    const get = await fetch(`${base}/webhooks`);
    const other = await fetch(`${base}/app`, { method: "POST", body: "{}" });
    const prefix = await fetch(`${base}/webhooksx`, { method: "POST", body: "{}" });

    expect([get, other, prefix].map((r) => r.headers.get("X-Framework"))).toEqual(["yes", "yes", "yes"]);
    expect(calls).toEqual([]);
  });
});
