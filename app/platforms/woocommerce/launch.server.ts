/**
 * Opening the app from WP admin. The companion plugin (extensions/woocommerce/rfm-personas)
 * signs a launch token for the logged-in admin with the store's launch secret; the app checks
 * it and opens a short session bound to that store (merchant.server.ts).
 *
 * Token: `<payload>.<signature>`, both base64url without padding. The payload is JSON
 * `{site, user, exp, nonce}` — site the store URL (as WordPress's home_url()), user the WP
 * user id, exp unix seconds (at most LAUNCH_TOKEN_MAX_TTL_S ahead), nonce random. The
 * signature is HMAC-SHA256 keyed with the launch secret over `rfm-launch\n<payload>` (the
 * prefix keeps any other signature from passing for a launch). The plugin's PHP builds the
 * same bytes; test/woocommerce/launch.test.ts runs it.
 *
 * The launch secret: created when the store connects, derived from that connection's signed
 * state (launchSecretFor), stored encrypted like the REST keys. The page the merchant lands
 * on after connecting shows it to the browser that made the connection, to paste into the
 * plugin's settings (see woocommerce.connected.tsx).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { encryptToken, decryptToken, type TokenKey } from "~/privacy/token-cipher";
import type { Db } from "~/db/index.server";
import { CONNECT_STATE_TTL_MS, readConnectState } from "./connect.server";
import { credentialKeys, normalizeSiteUrl } from "./credentials.server";

/** A token lives long enough to cross one redirect, never more. */
export const LAUNCH_TOKEN_MAX_TTL_S = 5 * 60;
/** The plugin's clock and ours may differ a little. */
const CLOCK_SKEW_S = 60;

const SIGNING_PREFIX = "rfm-launch\n";

export interface LaunchPayload {
  site: string;
  user: number;
  exp: number;
  nonce: string;
}

const sign = (payload: string, secret: string) => createHmac("sha256", secret).update(`${SIGNING_PREFIX}${payload}`).digest();

/** What the plugin does (tests and tooling use it; the app itself never mints launch tokens). */
export function signLaunchToken(payload: LaunchPayload, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(body, secret).toString("base64url")}`;
}

/**
 * The launch secret a connection hands out: derived from that connection's signed state, so
 * the landing page can tell the browser that made the connection (it holds the state) from
 * anyone else who merely names the site.
 */
export function launchSecretFor(state: { siteUrl: string; nonce: string }, stateSecret: string): string {
  return createHmac("sha256", stateSecret).update(`woo-launch-secret\n${normalizeSiteUrl(state.siteUrl)}\n${state.nonce}`).digest("base64url");
}

export const newLaunchSecret = () => randomBytes(32).toString("base64url");

const seal = (value: string, keys: TokenKey[] | null) => (keys ? encryptToken(value, keys) : value);
const open = (value: string, keys: TokenKey[] | null) => (keys ? decryptToken(value, keys) : value);

export async function saveLaunchSecret(db: Db, shopId: string, secret: string, keys = credentialKeys()): Promise<void> {
  await db.prepare(`UPDATE "StoreCredential" SET launchSecret = ? WHERE shopId = ?`).run(seal(secret, keys), shopId);
}

export async function loadLaunchSecret(db: Db, shopId: string, keys = credentialKeys()): Promise<string | null> {
  const value = (await db.prepare(`SELECT launchSecret FROM "StoreCredential" WHERE shopId = ?`).pluck().get(shopId)) as string | null | undefined;
  return value ? open(value, keys) : null;
}

/** Whether `candidate` is the shop's launch secret (constant time). */
export async function isLaunchSecret(db: Db, shopId: string, candidate: string, keys = credentialKeys()): Promise<boolean> {
  const stored = await loadLaunchSecret(db, shopId, keys);
  if (!stored) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(candidate);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type LaunchCheck =
  | { ok: true; shopId: string; domain: string; user: number }
  | { ok: false; status: 401 | 403; reason: "malformed" | "forged" | "expired" | "unknown-store" | "replayed" };

function parse(token: string): { body: string; signature: Buffer; payload: LaunchPayload } | null {
  const [body, signature, extra] = token.split(".");
  if (!body || !signature || extra !== undefined) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Partial<LaunchPayload>;
    if (typeof payload.site !== "string" || typeof payload.exp !== "number" || typeof payload.nonce !== "string" || payload.nonce.length < 16) return null;
    const user = Number(payload.user);
    if (!Number.isInteger(user) || user <= 0) return null;
    return { body, signature: Buffer.from(signature, "base64url"), payload: { site: payload.site, user, exp: payload.exp, nonce: payload.nonce } };
  } catch {
    return null;
  }
}

/**
 * Checks a launch token: well formed, for a connected store, signed with that store's launch
 * secret, unexpired (and not minted for longer than a launch needs), never used before.
 * A used token is remembered until it would have expired anyway.
 */
export async function verifyLaunchToken(db: Db, token: unknown, now = new Date(), keys = credentialKeys()): Promise<LaunchCheck> {
  const parsed = typeof token === "string" ? parse(token) : null;
  if (!parsed) return { ok: false, status: 401, reason: "malformed" };
  const { payload } = parsed;
  let siteUrl: string;
  try {
    siteUrl = normalizeSiteUrl(payload.site);
  } catch {
    return { ok: false, status: 401, reason: "malformed" };
  }
  const store = (await db
    .prepare(
      `SELECT c.shopId, c.launchSecret, s.domain FROM "StoreCredential" c JOIN "Shop" s ON s.id = c.shopId
       WHERE c.siteUrl = ? AND s.uninstalledAt IS NULL AND c.launchSecret IS NOT NULL ORDER BY c.updatedAt DESC LIMIT 1`,
    )
    .get(siteUrl)) as { shopId: string; launchSecret: string; domain: string } | undefined;
  if (!store) return { ok: false, status: 403, reason: "unknown-store" };
  const expected = sign(parsed.body, open(store.launchSecret, keys));
  if (parsed.signature.length !== expected.length || !timingSafeEqual(parsed.signature, expected)) return { ok: false, status: 401, reason: "forged" };
  const nowS = Math.floor(now.getTime() / 1000);
  if (!(payload.exp >= nowS) || payload.exp > nowS + LAUNCH_TOKEN_MAX_TTL_S + CLOCK_SKEW_S) return { ok: false, status: 401, reason: "expired" };

  const nonceHash = createHash("sha256").update(`${store.shopId}\n${payload.nonce}`).digest("hex");
  const fresh = await db.transaction(async () => {
    // Used tokens are only needed until they expire: forget the old ones as new ones arrive.
    await db.prepare(`DELETE FROM "LaunchNonce" WHERE expiresAt < ?`).run(now);
    const inserted = await db
      .prepare(`INSERT INTO "LaunchNonce" (nonceHash, shopId, expiresAt, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(nonceHash, store.shopId, new Date((payload.exp + CLOCK_SKEW_S) * 1000), now);
    return inserted.changes > 0;
  });
  if (!fresh) return { ok: false, status: 403, reason: "replayed" };
  return { ok: true, shopId: store.shopId, domain: store.domain, user: payload.user };
}

// ---- handing the secret to the merchant -----------------------------------------------------

/**
 * The connect flow's signed state, kept in the browser that started it (set by the connect
 * form, read by the landing page). Plain value: the state is signed already.
 */
export const CONNECT_COOKIE = "rfm_woo_connect";

export function connectStateCookie(state: string, appUrl: string): string {
  const url = new URL(appUrl);
  const secure = !(url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
  return `${CONNECT_COOKIE}=${state}; Path=/woocommerce; Max-Age=${CONNECT_STATE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * The launch secret to show on the landing page: only to the browser whose connect state made
 * the store's current secret (anyone else who names the site sees nothing), while the state lives.
 */
export async function handedOutLaunchSecret(db: Db, request: Request, shopId: string, stateSecret: string, now = new Date()): Promise<string | null> {
  const raw = (request.headers.get("Cookie") ?? "").split(";").map((c) => c.trim()).find((c) => c.startsWith(`${CONNECT_COOKIE}=`));
  if (!raw) return null;
  const state = readConnectState(raw.slice(CONNECT_COOKIE.length + 1), stateSecret, now);
  if (!state.ok) return null;
  const candidate = launchSecretFor(state, stateSecret);
  return (await isLaunchSecret(db, shopId, candidate)) ? candidate : null;
}
