/**
 * Connecting a WooCommerce store, both ways, and disconnecting it.
 *
 * - wc-auth: we send the merchant to `/wc-auth/v1/authorize` with a signed, short-lived
 *   `user_id` naming the site; WooCommerce POSTs the new key as JSON to our https callback
 *   and echoes that `user_id`. A callback whose `user_id` we did not sign, or signed too long
 *   ago, is refused; the key is checked against the site *we* named, never one the body names.
 *   Anything but a 200 makes WooCommerce delete the key, so a key that fails its checks is
 *   answered non-200 and does not linger.
 * - Manual keys: the merchant pastes a key made in WooCommerce → Settings → Advanced → REST API.
 *
 * Either way the key is verified before anything is stored: a read (`GET system_status`,
 * which also gives the currency) and a write that changes nothing (`POST customers/batch`
 * with no items: 200 for read/write, 401 "does not have write permissions" for read-only).
 * A read-only key connects a read-only shop: no write-back, and no webhooks either (creating
 * them is a write), so live changes arrive through reconciliation only; the app says so.
 *
 * Plain permalinks: WooCommerce authenticates keys only under `/wp-json/wc/…`, and with plain
 * permalinks that path does not exist (only `?rest_route=`, never authenticated; the
 * `wc-auth/v1` endpoint is a rewrite too). We detect it before sending anyone anywhere.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { untilNextDailyRun } from "~/jobs/handlers.server";
import type { JobQueue } from "~/jobs/queue.server";
import { createShop, uninstallShop } from "~/shops/shop.server";
import { readSiteTimeZone } from "./site-timezone.server";
import type { Db } from "~/db/index.server";
import { createWooClient, WooApiError, type WooClient } from "./client.server";
import { deleteCredentials, loadCredentials, normalizeSiteUrl, saveCredentials, saveWebhookIds, type KeyPermissions, type WooCredentials } from "./credentials.server";
import { launchSecretFor, newLaunchSecret, saveLaunchSecret } from "./launch.server";
import { ensureWebhooks, removeWebhooks, WEBHOOK_TOPICS } from "./subscriptions.server";

export { WEBHOOK_TOPICS };

export const APP_NAME = "RFM Personas";
/** Long enough to log in to WordPress and approve; short enough that a leaked link soon dies. */
export const CONNECT_STATE_TTL_MS = 30 * 60_000;

export interface ConnectDeps {
  db: Db;
  queue: JobQueue;
  /** The app's public URL (https: WooCommerce posts keys only to an https callback). */
  appUrl: string;
  /** Signs the wc-auth `user_id` (keep it server-side). */
  stateSecret: string;
  /** Where the store delivers webhooks (default `<appUrl>/webhooks/woocommerce`). */
  webhookUrl?: string;
  now?: () => Date;
  /** The wc/v3 client for a key (default: the app's client). */
  clientFor?: (c: { siteUrl: string; consumerKey: string; consumerSecret: string }) => WooClient;
  /** Plain HTTP for the permalink probe. */
  fetch?: typeof fetch;
}

export const CALLBACK_PATH = "/woocommerce/callback";
export const RETURN_PATH = "/woocommerce/connected";

const nowOf = (deps: Pick<ConnectDeps, "now">) => deps.now?.() ?? new Date();
const webhookUrlOf = (deps: { appUrl?: string; webhookUrl?: string }) => deps.webhookUrl ?? `${(deps.appUrl ?? "").replace(/\/+$/, "")}/webhooks/woocommerce`;
const clientOf = (deps: Pick<ConnectDeps, "clientFor">, c: { siteUrl: string; consumerKey: string; consumerSecret: string }) =>
  (deps.clientFor ?? ((o) => createWooClient({ ...o, attempts: 2 })))(c);

// ---- signed state (the wc-auth user_id) ----------------------------------------------------

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");
const mac = (payload: string, secret: string) => createHmac("sha256", secret).update(`wc-auth-state\n${payload}`).digest();

/** A `user_id` for wc-auth naming the site, signed, expiring after CONNECT_STATE_TTL_MS. */
export function signConnectState(siteUrl: string, secret: string, now: Date): string {
  const payload = b64url(JSON.stringify({ site: normalizeSiteUrl(siteUrl), exp: now.getTime() + CONNECT_STATE_TTL_MS, n: randomBytes(9).toString("base64url") }));
  return `${payload}.${b64url(mac(payload, secret))}`;
}

export type StateCheck = { ok: true; siteUrl: string; nonce: string } | { ok: false; reason: "forged" | "expired" };

export function readConnectState(token: unknown, secret: string, now: Date): StateCheck {
  if (typeof token !== "string") return { ok: false, reason: "forged" };
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: "forged" };
  const expected = mac(payload, secret);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  const { site, exp, n } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { site: string; exp: number; n: string };
  if (!(now.getTime() <= exp)) return { ok: false, reason: "expired" };
  return { ok: true, siteUrl: site, nonce: n };
}

// ---- the site and its REST API --------------------------------------------------------------

/** "shop.example/" → "https://shop.example"; null when it is not a web address. */
export function siteUrlOf(input: string): string | null {
  const raw = input.trim();
  if (!raw) return null;
  try {
    const url = new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    return normalizeSiteUrl(`${url.protocol}//${url.host}${url.pathname}`);
  } catch {
    return null;
  }
}

export type RestProbe = "pretty" | "plain-permalinks" | "no-woocommerce" | "unreachable";

export const PROBLEMS = {
  "plain-permalinks":
    "Your store uses plain permalinks, so WooCommerce cannot accept API keys. In WordPress go to Settings → Permalinks, choose any option other than “Plain” (for example “Post name”), save, then connect again.",
  "no-woocommerce": "No WooCommerce REST API answers at this address. Check the store's address and that WooCommerce is active.",
  unreachable: "The store did not answer. Check its address and that it is online.",
  "invalid-site": "Enter the store's web address, for example https://shop.example.com.",
} as const;

async function restAnswer(fetchImpl: typeof fetch, url: string): Promise<"json" | "other"> {
  const res = await fetchImpl(url, { headers: { Accept: "application/json" }, redirect: "follow" });
  const text = await res.text();
  if (!/json/i.test(res.headers.get("content-type") ?? "")) return "other";
  try {
    const body = JSON.parse(text) as { code?: unknown };
    // WordPress answers an unknown namespace with rest_no_route: REST works, WooCommerce is not there.
    return body && body.code === "rest_no_route" ? "other" : "json";
  } catch {
    return "other";
  }
}

/**
 * Where the store's wc/v3 API answers, without credentials: under `/wp-json/` (pretty
 * permalinks, what key auth needs), only as `?rest_route=` (plain permalinks), or nowhere.
 */
export async function probeRestApi(siteUrl: string, fetchImpl: typeof fetch = fetch): Promise<RestProbe> {
  try {
    if ((await restAnswer(fetchImpl, `${siteUrl}/wp-json/wc/v3/system_status`)) === "json") return "pretty";
    const plain = `${siteUrl}/?${new URLSearchParams({ rest_route: "/wc/v3/system_status" })}`;
    return (await restAnswer(fetchImpl, plain)) === "json" ? "plain-permalinks" : "no-woocommerce";
  } catch {
    return "unreachable";
  }
}

// ---- starting wc-auth -----------------------------------------------------------------------

/** `state`: the signed user_id, which the route keeps in the merchant's browser (the launch-secret hand-off). */
export type StartResult = { ok: true; authorizeUrl: string; state: string } | { ok: false; problem: string };

/** Checks the site, then gives the wc-auth URL to send the merchant to. */
export async function startWooConnect(siteInput: string, deps: ConnectDeps): Promise<StartResult> {
  // WooCommerce refuses an http callback_url ("needs to be over SSL") after the merchant clicked: fail here instead.
  if (!/^https:\/\//i.test(deps.appUrl)) return { ok: false, problem: "The app must be served over https for WooCommerce to send it keys; use the manual key form." };
  const siteUrl = siteUrlOf(siteInput);
  if (!siteUrl) return { ok: false, problem: PROBLEMS["invalid-site"] };
  const probe = await probeRestApi(siteUrl, deps.fetch);
  if (probe !== "pretty") return { ok: false, problem: PROBLEMS[probe] };
  const app = deps.appUrl.replace(/\/+$/, "");
  const userId = signConnectState(siteUrl, deps.stateSecret, nowOf(deps));
  const query = new URLSearchParams({
    app_name: APP_NAME,
    scope: "read_write",
    user_id: userId,
    return_url: `${app}${RETURN_PATH}?${new URLSearchParams({ site: siteUrl })}`,
    callback_url: `${app}${CALLBACK_PATH}`,
  });
  return { ok: true, authorizeUrl: `${siteUrl}/wc-auth/v1/authorize?${query}`, state: userId };
}

// ---- checking a key and completing the connection -------------------------------------------

export interface Connected {
  ok: true;
  shopId: string;
  domain: string;
  siteUrl: string;
  readOnly: boolean;
  /** Webhooks registered (0 for a read-only key). */
  webhooks: number;
  /** What did not work but does not stop the connection (e.g. a webhook refused: healed later). */
  problems: string[];
}

export type ConnectResult = Connected | { ok: false; problem: string; status: number };

interface KeyCheck {
  permissions: KeyPermissions;
  currency: string | undefined;
  name: string | undefined;
}

const WRITE_REFUSED = /does not have write permissions/i;

/** A read (which also gives the currency) and a write that changes nothing. */
async function checkKey(client: WooClient): Promise<KeyCheck | { problem: string }> {
  let status: { environment?: { site_title?: unknown }; settings?: { currency?: unknown } };
  try {
    status = (await client.get<typeof status>("system_status")).data;
  } catch (error) {
    const why = error instanceof WooApiError && error.status === 401 ? "the store refused the key" : "the store could not be read with this key";
    return { problem: `${why} (${error instanceof Error ? error.message : String(error)}).` };
  }
  let permissions: KeyPermissions = "read_write";
  try {
    await client.post("customers/batch", { update: [] });
  } catch (error) {
    if (!(error instanceof WooApiError && error.status === 401 && WRITE_REFUSED.test(error.message))) {
      return { problem: `the store could not be written to with this key (${error instanceof Error ? error.message : String(error)}).` };
    }
    permissions = "read";
  }
  const currency = typeof status.settings?.currency === "string" ? status.settings.currency : undefined;
  const name = typeof status.environment?.site_title === "string" ? status.environment.site_title : undefined;
  return { permissions, currency, name };
}

/** host + path: the shop's domain (a store may live in a sub-folder). */
const domainOf = (siteUrl: string) => {
  const u = new URL(siteUrl);
  return `${u.host}${u.pathname.replace(/\/+$/, "")}`;
};

/** Removes webhooks pointing at us (ours from an earlier connection, by id or by address); returns how many. */
async function removeOurWebhooks(client: WooClient, deliveryUrl: string, known: Record<string, number>): Promise<number> {
  const ids = new Set(Object.values(known));
  for await (const w of client.all<{ id: number; delivery_url: string }>("webhooks", { status: "all" })) {
    if (w.delivery_url === deliveryUrl) ids.add(w.id);
  }
  await removeWebhooks(client, Object.fromEntries([...ids].map((id) => [String(id), id])));
  return ids.size;
}

/**
 * Verifies a key for a site and, when it works, connects the shop: creates (or restores) the
 * Shop row, stores the key (secret encrypted), registers our webhooks with a fresh secret,
 * and queues the import.
 */
export async function connectWithKey(
  input: { siteUrl: string; consumerKey: string; consumerSecret: string; /** for the companion plugin (launch.server.ts); default: a fresh random one */ launchSecret?: string },
  deps: ConnectDeps,
): Promise<ConnectResult> {
  const siteUrl = siteUrlOf(input.siteUrl);
  if (!siteUrl) return { ok: false, problem: PROBLEMS["invalid-site"], status: 400 };
  const consumerKey = input.consumerKey.trim();
  const consumerSecret = input.consumerSecret.trim();
  if (!/^ck_\w+$/.test(consumerKey) || !/^cs_\w+$/.test(consumerSecret)) {
    return { ok: false, problem: "The consumer key starts with ck_ and the consumer secret with cs_: copy both from WooCommerce → Settings → Advanced → REST API.", status: 400 };
  }
  const client = clientOf(deps, { siteUrl, consumerKey, consumerSecret });
  const check = await checkKey(client);
  if ("problem" in check) {
    // A failed key on a store with plain permalinks fails for that reason: say so.
    const probe = await probeRestApi(siteUrl, deps.fetch);
    const problem = probe === "pretty" ? `The key could not be used: ${check.problem}` : PROBLEMS[probe];
    return { ok: false, problem, status: 502 };
  }

  const now = nowOf(deps);
  const domain = domainOf(siteUrl);
  const readOnly = check.permissions !== "read_write";
  // The shop's days are its time zone's (null: nothing told us; UTC until reconciliation learns it).
  const timezone = (await readSiteTimeZone(client, deps.fetch)) ?? undefined;
  const previous = await (async () => {
    const row = (await deps.db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).pluck().get(domain)) as string | undefined;
    return row ? loadCredentials(deps.db, row) : null;
  })();
  const webhookSecret = randomBytes(32).toString("base64url");
  const credentials = (shopId: string): WooCredentials => ({ shopId, siteUrl, consumerKey, consumerSecret, keyPermissions: check.permissions, webhookSecret, webhooks: {} });
  const shopId = await deps.db.transaction(async () => {
    const id = await createShop(deps.db, { domain, platform: "woocommerce", name: check.name ?? null, currency: check.currency, timezone, scopes: check.permissions }, { now, existing: "reinstall" });
    await saveCredentials(deps.db, credentials(id), undefined, now);
    await saveLaunchSecret(deps.db, id, input.launchSecret ?? newLaunchSecret());
    return id;
  });

  const problems: string[] = [];
  let webhooks = 0;
  if (readOnly) {
    problems.push("The key is read-only: personas are not written back and no webhooks are registered (changes arrive with the hourly reconciliation).");
  } else {
    const deliveryUrl = webhookUrlOf(deps);
    try {
      await removeOurWebhooks(client, deliveryUrl, previous?.webhooks ?? {});
    } catch (error) {
      problems.push(`old webhooks not removed: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      const registered = await ensureWebhooks(client, { secret: webhookSecret, deliveryUrl, known: {} });
      await saveWebhookIds(deps.db, shopId, registered.ids, now);
      webhooks = Object.keys(registered.ids).length;
    } catch (error) {
      // The connection stands: reconciliation adopts what was created (by address) and creates the rest.
      problems.push(`webhooks not all registered (reconciliation completes them): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await queueImport(deps, shopId, now);
  return { ok: true, shopId, domain, siteUrl, readOnly, webhooks, problems };
}

/** A first connection imports everything; a returning store resumes or catches up. */
async function queueImport(deps: ConnectDeps, shopId: string, now: Date): Promise<void> {
  const state = (await deps.db.prepare(`SELECT phase, backfillFinishedAt FROM "SyncState" WHERE shopId = ?`).get(shopId)) as
    | { phase: string; backfillFinishedAt: unknown }
    | undefined;
  if (!state) await deps.db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES (?, 'idle', ?)`).run(shopId, now);
  const imported = state?.backfillFinishedAt !== null && state?.backfillFinishedAt !== undefined && state.phase !== "failed";
  await deps.queue.enqueue(imported ? "sweep" : "backfill", shopId);
  const timeZone = (await deps.db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | undefined;
  await deps.queue.enqueue("recompute", shopId, { key: "daily", delayMs: untilNextDailyRun(now, timeZone), payload: { daily: true } });
}

// ---- the wc-auth callback -------------------------------------------------------------------

const text = (status: number, body: string) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });

/**
 * WooCommerce's POST to our callback: `{key_id, user_id, consumer_key, consumer_secret,
 * key_permissions}`. 200 only when the connection is made (anything else deletes the key).
 */
export async function handleWooAuthCallback(request: Request, deps: ConnectDeps): Promise<Response> {
  if (request.method !== "POST") return text(405, "method not allowed");
  let body: Record<string, unknown>;
  try {
    body = (await request.json()) as Record<string, unknown>;
  } catch {
    return text(400, "not JSON");
  }
  const state = readConnectState(body?.user_id, deps.stateSecret, nowOf(deps));
  if (!state.ok) return text(403, state.reason === "expired" ? "this connection request has expired: start again from the app" : "unknown connection request");
  if (typeof body.consumer_key !== "string" || typeof body.consumer_secret !== "string") return text(400, "no key in the request");
  const launchSecret = launchSecretFor(state, deps.stateSecret);
  const result = await connectWithKey({ siteUrl: state.siteUrl, consumerKey: body.consumer_key, consumerSecret: body.consumer_secret, launchSecret }, deps);
  return result.ok ? text(200, "connected") : text(result.status, result.problem);
}

/** The merchant's browser back from wc-auth: what became of the connection for that site. */
export async function connectionStatus(
  db: Db,
  siteInput: string,
): Promise<{ connected: false } | { connected: true; shopId: string; domain: string; readOnly: boolean }> {
  const siteUrl = siteUrlOf(siteInput);
  if (!siteUrl) return { connected: false };
  const domain = domainOf(siteUrl);
  const shop = (await db.prepare(`SELECT id, uninstalledAt FROM "Shop" WHERE domain = ? AND platform = 'woocommerce'`).get(domain)) as
    | { id: string; uninstalledAt: unknown }
    | undefined;
  const credentials = shop && shop.uninstalledAt === null ? await loadCredentials(db, shop.id) : null;
  if (!shop || !credentials) return { connected: false };
  return { connected: true, shopId: shop.id, domain, readOnly: credentials.keyPermissions !== "read_write" };
}

// ---- disconnect -----------------------------------------------------------------------------

export const REVOKE_KEY_NOTICE = "WooCommerce does not let apps delete their keys: revoke this one in WooCommerce → Settings → Advanced → REST API.";

export interface Disconnected {
  webhooksRemoved: number;
  problems: string[];
  /** What the merchant still has to do in WooCommerce. */
  notice: string;
}

/**
 * Removes our webhooks from the store, forgets its key and stops the shop's work (its data
 * stays, as after a Shopify uninstall). WooCommerce has no API to revoke a key: the merchant
 * revokes it under WooCommerce → Settings → Advanced → REST API (we say so).
 */
/** What disconnecting needs: the store's address for our webhooks (given, or under the app's URL). */
export type DisconnectDeps = Pick<ConnectDeps, "db" | "now" | "clientFor"> & ({ webhookUrl: string } | Pick<ConnectDeps, "appUrl" | "webhookUrl">);

export async function disconnectWooStore(shopId: string, deps: DisconnectDeps): Promise<Disconnected> {
  const credentials = await loadCredentials(deps.db, shopId);
  const problems: string[] = [];
  let webhooksRemoved = 0;
  if (credentials && credentials.keyPermissions === "read_write") {
    try {
      webhooksRemoved = await removeOurWebhooks(clientOf(deps, credentials), webhookUrlOf(deps), credentials.webhooks);
    } catch (error) {
      problems.push(`webhooks not removed from the store: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const now = nowOf(deps);
  await deps.db.transaction(async () => {
    await deleteCredentials(deps.db, shopId);
    await uninstallShop(deps.db, shopId, now);
  });
  return { webhooksRemoved, problems, notice: REVOKE_KEY_NOTICE };
}
