/**
 * requireMerchant(request): the first line of every admin loader and action. It
 * authenticates the request the way its platform signs it, finds the merchant's shop
 * (404 when we hold none or it is uninstalled) and picks the locale numbers are
 * formatted in — so routes never call a platform's auth themselves.
 */
import type { HeadersFunction } from "@remix-run/node";
import { requestLocale } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { createShop, loadInstalledShop, type MerchantShop } from "~/shops/shop.server";
import type { Db } from "~/db/index.server";
import { shopifyAdminHeaders, shopifyMerchant } from "./shopify/merchant.server";
import { wooMerchant } from "./woocommerce/merchant.server";
import type { Platform } from "./types";

export interface Merchant {
  shop: MerchantShop;
  /** The admin user's language (BCP 47), for numbers, money and dates. */
  locale: string;
}

/** How one platform's admin proves who is asking. */
export interface MerchantAuthenticator {
  platform: Platform;
  /** Whether its admin embeds the app (App Bridge) or opens it as a page of its own. */
  embedded: boolean;
  /** Whether the request is signed this platform's way. */
  recognises(request: Request): boolean;
  /** The verified shop domain; throws the platform's own Response when the request is not signed. */
  domain(request: Request): Promise<string>;
  /** The Set-Cookie ending the app's own session, where the app keeps one (not when the admin signs each request). */
  endSession?(request: Request): Promise<string>;
}

/**
 * In order; the last recognises everything (Shopify's library bounces what it cannot verify).
 * WooCommerce's session cookie first: it is only there after a verified launch from WP admin.
 */
const AUTHENTICATORS: readonly MerchantAuthenticator[] = [wooMerchant, shopifyMerchant];

const authenticatorFor = (request: Request) => AUTHENTICATORS.find((a) => a.recognises(request)) ?? AUTHENTICATORS[AUTHENTICATORS.length - 1];

/** Whether the admin pages render inside an embedding admin (App Bridge) for this request, or standalone. */
export const isEmbeddedAdmin = (request: Request): boolean => authenticatorFor(request).embedded;

export async function requireMerchant(request: Request): Promise<Merchant> {
  const auth = authenticatorFor(request);
  const domain = await auth.domain(request);
  return { shop: await requireShop(services().db, domain, auth.platform), locale: requestLocale(request) };
}

/** Headers that end the merchant's session with the app (none where the admin signs every request). */
export async function endMerchantSession(request: Request): Promise<Record<string, string>> {
  const cookie = await authenticatorFor(request).endSession?.(request);
  return cookie ? { "Set-Cookie": cookie } : {};
}

/** The installed shop for a verified domain; throws 404 when we hold none or it is uninstalled. */
export async function requireShop(db: Db, domain: string, platform: Platform): Promise<MerchantShop> {
  let shop = await loadInstalledShop(db, domain);
  if (!shop) {
    // A verified request proves the app is installed; the very first page load can race
    // the install hook (parent and child loaders both authenticate). Record the shop now
    // (an uninstalled one stays uninstalled) — install fills in its details and starts the sync.
    await createShop(db, { domain, platform });
    shop = await loadInstalledShop(db, domain);
  }
  if (!shop) throw Response.json({ message: `No store ${domain} is connected` }, { status: 404 });
  return shop;
}

/**
 * Every admin page's `headers` export: the embedded admin's own headers, kept on its thrown
 * responses. Only Shopify's admin adds any today; another admin adds its own here.
 */
export const adminHeaders: HeadersFunction = (args) => shopifyAdminHeaders(args);
