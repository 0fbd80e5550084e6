import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Clock } from "../kit/clock";
import type { WcApiKey } from "./model";
import { WcError } from "./store";

/**
 * WC_REST_Authentication as WooCommerce 10.0.2 runs it:
 * - only when the request URI contains `wp-json/wc/` (or `wp-json/wc-`): `?rest_route=` is never authenticated;
 * - over https (WordPress's is_ssl(), here `X-Forwarded-Proto: https`) consumer_key/consumer_secret in the
 *   query, else Basic; over http those are ignored and only OAuth 1.0a one-legged works (query or
 *   `Authorization: OAuth` header, HMAC-SHA1/-SHA256, signature first, then a 15-minute timestamp
 *   window, then the nonce — kept per key, one per timestamp);
 * - a read-only key writing → 401.
 */

const VALID_WINDOW_S = 15 * 60;

const authError = (message: string) => new WcError(401, "woocommerce_rest_authentication_error", message);

export function isRestApiUri(rawUrl: string): boolean {
  return rawUrl.includes("wp-json/wc/") || rawUrl.includes("wp-json/wc-");
}

export function isSsl(req: IncomingMessage): boolean {
  return String(req.headers["x-forwarded-proto"] ?? "").toLowerCase() === "https";
}

/** RFC 3986 encoding, as OAuth and wc_rest_urlencode_rfc3986 use. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The signature WooCommerce expects: METHOD & enc(scheme://host/path) & enc(sorted k=v). */
export function oauthSignature(method: string, baseUrl: string, params: [string, string][], secret: string, algorithm: "sha1" | "sha256"): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const paramString = sorted.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join("&");
  const base = `${method.toUpperCase()}&${rfc3986(baseUrl)}&${rfc3986(paramString)}`;
  return createHmac(algorithm, `${secret}&`).update(base).digest("base64");
}

/** Query parameters as PHP's $_GET sees them: a repeated name keeps its first position and its last value. */
export function phpQuery(url: URL): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) out.set(k, v);
  return [...out.entries()];
}

function parseOAuthHeader(header: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of header.replace(/^OAuth\s+/i, "").matchAll(/([a-z_]+)="([^"]*)"/gi)) {
    out.push([decodeURIComponent(m[1]), decodeURIComponent(m[2])]);
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthContext {
  req: IncomingMessage;
  url: URL;
  /** The site's home URL (scheme://host[:port]); OAuth base strings use its host. */
  home: string;
  keys: ReadonlyMap<string, WcApiKey>;
  clock: Clock;
}

/** The key the request authenticates with, null when unauthenticated; throws the 401 WooCommerce sends. */
export function authenticate(ctx: AuthContext): WcApiKey | null {
  const { req, url } = ctx;
  if (!isRestApiUri(req.url ?? "")) return null;
  let key: WcApiKey | null = null;
  if (isSsl(req)) key = basicAuth(ctx);
  if (!key) key = oauth(ctx);
  if (key) checkPermissions(key, req.method ?? "GET");
  void url;
  return key;
}

function basicAuth({ req, url, keys }: AuthContext): WcApiKey | null {
  let ck = url.searchParams.get("consumer_key") ?? "";
  let cs = url.searchParams.get("consumer_secret") ?? "";
  if (!(ck && cs)) {
    ck = "";
    cs = "";
    const header = String(req.headers.authorization ?? "");
    if (/^basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i > 0) {
        ck = decoded.slice(0, i);
        cs = decoded.slice(i + 1);
      }
    }
  }
  if (!ck || !cs) return null;
  const key = keys.get(ck);
  if (!key) return null;
  if (!safeEqual(key.consumerSecret, cs)) throw authError("Consumer secret is invalid.");
  return key;
}

const REQUIRED = ["oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"];

function oauth({ req, url, home, keys, clock }: AuthContext): WcApiKey | null {
  const header = String(req.headers.authorization ?? "");
  const fromHeader = /^oauth /i.test(header) ? parseOAuthHeader(header) : [];
  const query = phpQuery(url);
  const all = [...query.filter(([k]) => !fromHeader.some(([h]) => h === k)), ...fromHeader];
  const get = (k: string) => all.find(([name]) => name === k)?.[1];
  if (!all.some(([k]) => k.startsWith("oauth_"))) return null;
  const missing = REQUIRED.filter((k) => !get(k));
  if (missing.length > 0) throw authError(`Missing OAuth parameter ${missing.join(", ")}`);
  const key = keys.get(get("oauth_consumer_key")!);
  if (!key) throw authError("Consumer key is invalid.");
  const method = get("oauth_signature_method")!;
  if (method !== "HMAC-SHA1" && method !== "HMAC-SHA256") throw authError("Invalid signature - signature method is invalid.");
  const base = `${isSsl(req) ? "https" : "http"}://${new URL(home).host}${url.pathname}`;
  const params = all.filter(([k]) => k !== "oauth_signature");
  const expected = oauthSignature(req.method ?? "GET", base, params, key.consumerSecret, method === "HMAC-SHA1" ? "sha1" : "sha256");
  const given = get("oauth_signature")!.replace(/ /g, "+");
  if (!safeEqual(expected, given)) throw authError("Invalid signature - provided signature does not match.");
  const timestamp = Number(get("oauth_timestamp"));
  const now = Math.floor(clock.now() / 1000);
  if (!Number.isFinite(timestamp) || timestamp < now - VALID_WINDOW_S || timestamp > now + VALID_WINDOW_S) throw authError("Invalid timestamp.");
  const nonce = get("oauth_nonce")!;
  if ([...key.nonces.values()].includes(nonce)) throw authError("Invalid nonce - nonce has already been used.");
  key.nonces.set(timestamp, nonce);
  for (const t of key.nonces.keys()) if (t < now - VALID_WINDOW_S) key.nonces.delete(t);
  return key;
}

function checkPermissions(key: WcApiKey, method: string): void {
  const m = method.toUpperCase();
  if (key.permissions === "read" && !["HEAD", "GET", "OPTIONS"].includes(m)) {
    throw authError("The API key provided does not have write permissions.");
  }
  if (key.permissions === "write" && !["POST", "PUT", "PATCH", "DELETE", "OPTIONS"].includes(m)) {
    throw authError("The API key provided does not have read permissions.");
  }
}

/** Signs a URL the way the npm client does over http (for tests and tools): OAuth params in the query. */
export function signUrl(
  method: string,
  rawUrl: string,
  key: { consumerKey: string; consumerSecret: string },
  options: { algorithm?: "HMAC-SHA1" | "HMAC-SHA256"; timestamp?: number; nonce?: string; baseUrl?: string } = {}
): string {
  const url = new URL(rawUrl);
  const algorithm = options.algorithm ?? "HMAC-SHA256";
  const oauthParams: [string, string][] = [
    ["oauth_consumer_key", key.consumerKey],
    ["oauth_nonce", options.nonce ?? Math.random().toString(36).slice(2) + Date.now().toString(36)],
    ["oauth_signature_method", algorithm],
    ["oauth_timestamp", String(options.timestamp ?? Math.floor(Date.now() / 1000))],
    ["oauth_version", "1.0"],
  ];
  const params: [string, string][] = [...url.searchParams.entries(), ...oauthParams];
  const base = options.baseUrl ?? `${url.protocol}//${url.host}${url.pathname}`;
  const signature = oauthSignature(method, base, params, key.consumerSecret, algorithm === "HMAC-SHA1" ? "sha1" : "sha256");
  for (const [k, v] of oauthParams) url.searchParams.set(k, v);
  url.searchParams.set("oauth_signature", signature);
  return url.toString();
}

/** The same OAuth data as an `Authorization: OAuth …` header (the URL keeps only its own query). */
export function oauthHeader(
  method: string,
  rawUrl: string,
  key: { consumerKey: string; consumerSecret: string },
  options: { algorithm?: "HMAC-SHA1" | "HMAC-SHA256"; timestamp?: number; nonce?: string } = {}
): string {
  const signed = new URL(signUrl(method, rawUrl, key, options));
  const parts = [...signed.searchParams.entries()].filter(([k]) => k.startsWith("oauth_")).map(([k, v]) => `${k}="${rfc3986(v)}"`);
  return `OAuth ${parts.join(", ")}`;
}
