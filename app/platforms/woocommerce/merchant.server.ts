/**
 * Who is asking, for a WooCommerce merchant: the session the launch route opened after the
 * companion plugin's launch token checked out (launch.server.ts). The session is a signed
 * cookie naming the shop — HttpOnly, SameSite=Lax (the app opens as a top-level page from WP
 * admin, never in a frame), Secure except on an http://localhost app URL, one hour long:
 * the merchant opens the app again from WordPress after that.
 */
import { createHmac } from "node:crypto";
import { createCookieSessionStorage, type SessionStorage } from "@remix-run/node";
import { env } from "~/env.server";
import type { MerchantAuthenticator } from "../merchant.server";

export const WOO_SESSION_COOKIE = "rfm_woo_session";
export const WOO_SESSION_TTL_S = 60 * 60;

interface SessionData {
  shopId: string;
  domain: string;
  /** The WordPress user the launch token named. */
  user: number;
  /** Epoch ms: the cookie's max-age is the browser's to honour; this is ours. */
  exp: number;
}

let storage: { key: string; storage: SessionStorage<SessionData> } | undefined;

/** The session storage for the current environment (rebuilt when the app's secret or URL changes, as in tests). */
export function wooSessionStorage(): SessionStorage<SessionData> {
  const { SHOPIFY_API_SECRET, SHOPIFY_APP_URL } = env();
  const key = `${SHOPIFY_API_SECRET}\n${SHOPIFY_APP_URL}`;
  if (storage?.key !== key) {
    const url = new URL(SHOPIFY_APP_URL);
    const local = url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    // Derived with a purpose, so this secret signs nothing but these cookies.
    const secret = createHmac("sha256", SHOPIFY_API_SECRET).update("woocommerce-admin-session").digest("base64url");
    storage = {
      key,
      storage: createCookieSessionStorage<SessionData>({
        cookie: { name: WOO_SESSION_COOKIE, httpOnly: true, secure: !local, sameSite: "lax", path: "/", maxAge: WOO_SESSION_TTL_S, secrets: [secret] },
      }),
    };
  }
  return storage.storage;
}

/** The Set-Cookie header opening a session for a verified launch. */
export async function openWooSession(data: Omit<SessionData, "exp">, now = new Date()): Promise<string> {
  const sessions = wooSessionStorage();
  const session = await sessions.getSession();
  session.set("shopId", data.shopId);
  session.set("domain", data.domain);
  session.set("user", data.user);
  session.set("exp", now.getTime() + WOO_SESSION_TTL_S * 1000);
  return sessions.commitSession(session);
}

const hasSessionCookie = (request: Request) => (request.headers.get("Cookie") ?? "").split(";").some((c) => c.trim().startsWith(`${WOO_SESSION_COOKIE}=`));

const expired = () =>
  Response.json({ message: "Your session has ended: open RFM Personas again from your WordPress admin." }, { status: 401 });

export const wooMerchant: MerchantAuthenticator = {
  platform: "woocommerce",
  // Opened as a page of its own from WP admin (a link, not a frame).
  embedded: false,
  // An embedded Shopify request proves itself with a session token; our cookie never rides along
  // (SameSite=Lax is not sent from inside another site's frame), but a token always wins.
  recognises: (request) => hasSessionCookie(request) && !request.headers.has("Authorization") && !new URL(request.url).searchParams.has("id_token"),
  async domain(request) {
    const session = await wooSessionStorage().getSession(request.headers.get("Cookie"));
    const domain = session.get("domain");
    const exp = session.get("exp");
    if (typeof domain !== "string" || !domain || typeof exp !== "number" || exp < Date.now()) throw expired();
    return domain;
  },
  async endSession(request) {
    const sessions = wooSessionStorage();
    return sessions.destroySession(await sessions.getSession(request.headers.get("Cookie")));
  },
};
