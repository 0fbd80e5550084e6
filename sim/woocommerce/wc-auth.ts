import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KeyPermissions } from "./model";
import { phpJson } from "./payloads";
import type { WooShop } from "./shop";

/**
 * The wc-auth endpoint (WC_Auth) as captured: /wc-auth/v1/authorize refuses an http callback_url
 * (401 HTML, before login), sends a visitor to /wc-auth/v1/login/, shows a logged-in admin the grant
 * page; /wc-auth/v1/access_granted/ creates a key, POSTs it as JSON to the https callback_url (which
 * must answer 200, else the key is deleted and the merchant sees an error) and redirects to return_url.
 * As the captured store's mu-plugin did, the callback's certificate is not verified (tests use a
 * self-signed one).
 */

const COOKIE = "wordpress_logged_in_sim";
const SCOPES: Record<string, KeyPermissions> = { read: "read", write: "write", read_write: "read_write" };
const SCOPE_TEXT: Record<string, string> = { read: "Read", write: "Write", read_write: "Read/Write" };

function html(res: ServerResponse, status: number, title: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=UTF-8",
    "Cache-Control": "no-cache, must-revalidate, max-age=0, no-store, private",
    "X-Powered-By": "PHP/8.2.36",
    ...headers,
  });
  res.end(`<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8" /><title>${title}</title></head><body id="error-page">${body}</body></html>`);
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function wpDie(res: ServerResponse, message: string): void {
  html(res, 401, "Access denied", `<div class="wp-die-message"><p>Error: ${escapeHtml(message)}</p></div>`);
}

function loggedIn(shop: WooShop, req: IncomingMessage): boolean {
  const cookies = String(req.headers.cookie ?? "");
  const m = new RegExp(`${COOKIE}=([^;]+)`).exec(cookies);
  return m !== null && shop.sessions.has(m[1]);
}

/** The request's parameters again, in WooCommerce's order (rawurlencode). */
function params(url: URL, extra: [string, string][] = []): string {
  const keys = ["app_name", "user_id", "return_url", "callback_url", "scope"];
  return [...keys.map((k): [string, string] => [k, url.searchParams.get(k) ?? ""]), ...extra].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
}

function postCallback(callbackUrl: string, body: string, userAgent: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      callbackUrl,
      {
        method: "POST",
        rejectUnauthorized: false,
        timeout: 15_000,
        headers: { "Content-Type": "application/json;charset=UTF-8", "User-Agent": userAgent, "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      }
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

export async function handleWcAuth(shop: WooShop, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const endpoint = url.pathname.replace(/^\/wc-auth\/v1\//, "").replace(/\/$/, "");
  const home = shop.home;

  if (endpoint === "login" && req.method === "POST") {
    const form = await readForm(req);
    const back = form.get("redirect") ?? `${home}/wc-auth/v1/authorize/`;
    if (form.get("username") !== shop.admin.username || form.get("password") !== shop.admin.password) {
      html(res, 200, "Log in", `<p class="error">Error: The password you entered is incorrect.</p>`);
      return;
    }
    const session = randomBytes(16).toString("hex");
    shop.sessions.add(session);
    res.writeHead(302, { Location: back, "Set-Cookie": `${COOKIE}=${session}; Path=/; HttpOnly`, "X-Redirect-By": "WordPress" });
    res.end();
    return;
  }

  for (const required of ["app_name", "scope", "user_id", "return_url", "callback_url"]) {
    if (!url.searchParams.get(required)) return wpDie(res, `${required} parameter is missing!`);
  }
  const scope = url.searchParams.get("scope")!;
  if (!SCOPES[scope]) return wpDie(res, "Invalid scope " + scope);
  const callbackUrl = url.searchParams.get("callback_url")!;
  const returnUrl = url.searchParams.get("return_url")!;
  if (!callbackUrl.startsWith("https://")) return wpDie(res, "The callback_url needs to be over SSL.");

  if (endpoint === "authorize" || endpoint === "login") {
    if (!loggedIn(shop, req)) {
      if (endpoint === "authorize") {
        res.writeHead(302, { Location: `${home}/wc-auth/v1/login/?${params(url)}`, "Content-Type": "text/html; charset=UTF-8", "X-Redirect-By": "WordPress" });
        res.end();
        return;
      }
      const redirect = `${home}/wc-auth/v1/authorize/?${params(url)}`;
      html(
        res,
        200,
        "Log in",
        `<form method="post" action="${home}/wc-auth/v1/login/"><p>${escapeHtml(url.searchParams.get("app_name")!)} would like to connect to your store. Log in to continue.</p>` +
          `<input name="username" /><input name="password" type="password" /><input type="hidden" name="redirect" value="${escapeHtml(redirect)}" /><button type="submit">Login</button></form>`
      );
      return;
    }
    if (endpoint === "login") {
      res.writeHead(302, { Location: `${home}/wc-auth/v1/authorize/?${params(url)}` });
      res.end();
      return;
    }
    const nonce = randomBytes(5).toString("hex");
    shop.authNonces.add(nonce);
    const approve = `${home}/wc-auth/v1/access_granted/?${params(url, [["wc_auth_nonce", nonce]])}`;
    const deny = `${home}/wc-auth/v1/access_denied/?${params(url, [["wc_auth_nonce", nonce]])}`;
    const app = escapeHtml(url.searchParams.get("app_name")!);
    html(
      res,
      200,
      "Application authentication request",
      `<div class="wc-auth-content"><h1>${app} would like to connect to your store</h1><p>This will give &quot;<strong>${app}</strong>&quot; <strong>${SCOPE_TEXT[scope]}</strong> access.</p>` +
        `<p class="wc-auth-actions"><a href="${escapeHtml(approve)}" class="button button-primary wc-auth-approve">Approve</a> <a href="${escapeHtml(deny)}" class="button wc-auth-deny">Deny</a></p></div>`
    );
    return;
  }

  if (endpoint === "access_granted" || endpoint === "access_denied") {
    const nonce = url.searchParams.get("wc_auth_nonce") ?? "";
    if (!loggedIn(shop, req) || !shop.authNonces.delete(nonce)) return wpDie(res, "Invalid nonce verification");
    const userId = url.searchParams.get("user_id")!;
    const back = (success: 0 | 1) => `${returnUrl}${returnUrl.includes("?") ? "&" : "?"}success=${success}&user_id=${encodeURIComponent(userId)}`;
    if (endpoint === "access_denied") {
      res.writeHead(302, { Location: back(0), "X-Redirect-By": "WordPress" });
      res.end();
      return;
    }
    const when = new Date(shop.clock.now()).toISOString().slice(0, 19).replace("T", " ");
    const key = shop.store.createKey(1, SCOPES[scope], `${url.searchParams.get("app_name")} - API (${when})`);
    const body = phpJson({ key_id: key.keyId, user_id: userId, consumer_key: key.consumerKey, consumer_secret: key.consumerSecret, key_permissions: key.permissions });
    const status = await postCallback(callbackUrl, body, `WordPress/6.8.8; ${home}`);
    if (status !== 200) {
      shop.store.deleteKey(key.keyId);
      return wpDie(res, "An error occurred in the request and at the time were unable to send the consumer data.");
    }
    res.writeHead(302, { Location: back(1), "X-Redirect-By": "WordPress" });
    res.end();
    return;
  }
  html(res, 404, "Page not found", "<p>Page not found</p>");
}
