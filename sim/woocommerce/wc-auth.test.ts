import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUrl } from "./auth";
import { startWooSimulator, type WooSimulator } from "./server";

/** The wc-auth flow: https callback required, login, grant page, approve → JSON key delivery → return_url. */

describe("wc-auth (app authorisation)", () => {
  let sim: WooSimulator;
  let callback: Server;
  let callbackUrl = "";
  let answer = 200;
  const delivered: { headers: Record<string, unknown>; body: string }[] = [];
  let dir = "";

  beforeAll(async () => {
    // A self-signed certificate for the https callback, as the captured store's receiver had.
    dir = mkdtempSync(path.join(tmpdir(), "wc-auth-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
    callback = createServer({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        delivered.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(answer);
        res.end();
      });
    });
    await new Promise<void>((resolve) => callback.listen(0, "127.0.0.1", resolve));
    callbackUrl = `https://127.0.0.1:${(callback.address() as AddressInfo).port}/wc-auth-callback`;
    sim = await startWooSimulator();
  });

  afterAll(async () => {
    await sim?.stop();
    callback?.closeAllConnections();
    await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const authorizeUrl = (cb: string) =>
    `${sim.url}/wc-auth/v1/authorize?${new URLSearchParams({ app_name: "RFM Personas", scope: "read_write", user_id: "merchant-123", return_url: "http://127.0.0.1:9/return", callback_url: cb })}`;

  async function login(): Promise<string> {
    const res = await fetch(`${sim.url}/wc-auth/v1/login/`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "admin", password: "password", redirect: authorizeUrl(callbackUrl) }),
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    return res.headers.get("set-cookie")!.split(";")[0];
  }

  async function approveLink(cookie: string): Promise<string> {
    const grant = await fetch(authorizeUrl(callbackUrl), { headers: { Cookie: cookie } });
    expect(grant.status).toBe(200);
    const html = await grant.text();
    expect(html).toContain("RFM Personas would like to connect to your store");
    return /href="([^"]*access_granted[^"]*)"/.exec(html)![1].replace(/&amp;/g, "&");
  }

  it("refuses an http callback_url before asking anyone to log in", async () => {
    const res = await fetch(authorizeUrl("http://127.0.0.1:9/callback"), { redirect: "manual" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(await res.text()).toContain("Error: The callback_url needs to be over SSL.");
  });

  it("sends a visitor to the login page with the request's parameters", async () => {
    const res = await fetch(authorizeUrl(callbackUrl), { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.pathname).toBe("/wc-auth/v1/login/");
    expect(location.searchParams.get("callback_url")).toBe(callbackUrl);
    expect(location.searchParams.get("user_id")).toBe("merchant-123");
  });

  it("on approval POSTs the new key as JSON to the https callback, then returns the merchant; the key works at once", async () => {
    answer = 200;
    const cookie = await login();
    const res = await fetch(await approveLink(cookie), { headers: { Cookie: cookie }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:9/return?success=1&user_id=merchant-123");
    const last = delivered[delivered.length - 1];
    expect(last.headers["content-type"]).toBe("application/json;charset=UTF-8");
    expect(last.headers["user-agent"]).toBe(`WordPress/6.8.8; ${sim.url}`);
    const body = JSON.parse(last.body);
    expect(Object.keys(body)).toEqual(["key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"]);
    expect(body).toMatchObject({ user_id: "merchant-123", key_permissions: "read_write" });
    const check = await fetch(signUrl("GET", `${sim.url}/wp-json/wc/v3/orders?per_page=1`, { consumerKey: body.consumer_key, consumerSecret: body.consumer_secret }));
    expect(check.status).toBe(200);
  });

  it("deletes the new key and shows an error when the callback does not answer 200", async () => {
    answer = 500;
    const cookie = await login();
    const res = await fetch(await approveLink(cookie), { headers: { Cookie: cookie }, redirect: "manual" });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Error: An error occurred in the request and at the time were unable to send the consumer data.");
    const body = JSON.parse(delivered[delivered.length - 1].body);
    const check = await fetch(signUrl("GET", `${sim.url}/wp-json/wc/v3/orders`, { consumerKey: body.consumer_key, consumerSecret: body.consumer_secret }));
    expect([check.status, (await check.json()).message]).toEqual([401, "Consumer key is invalid."]);
  });
});
