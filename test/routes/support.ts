/**
 * Route tests with real requests through Shopify's embedded auth (token exchange
 * strategy): an offline session stored for the shop, and a session token signed with
 * the app's secret — as App Bridge would send it. Built on @shopify/shopify-api's own
 * test helpers (getJwt, setUpValidSession).
 */
import { getJwt, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { sessionStorage } from "~/platforms/shopify/shopify.server";
import { services } from "~/services.server";
import { addShop as addShopTo, type ShopFixture } from "../support/db";
import { resetDatabase as resetTables } from "../support/reset";
import { BROWSER } from "../support/routes";

export const API_KEY = process.env.SHOPIFY_API_KEY ?? "test-api-key";
export const API_SECRET = process.env.SHOPIFY_API_SECRET ?? "test-api-secret";
export const APP_URL = process.env.SHOPIFY_APP_URL ?? "https://rfm.test";
const SCOPE = "read_orders,read_all_orders,read_customers,write_customers";

/** Stores the offline session authenticate.admin loads for `shop` (no token exchange needed). */
export async function storeOfflineSession(shop: string): Promise<void> {
  await sessionStorage.storeSession(
    setUpValidSession({ shop, scope: SCOPE, accessToken: `shpat_${shop.split(".")[0]}`, state: "test" }),
  );
}

/** A session token for `shop` (HS256, signed with the app's secret), as App Bridge issues it. */
export async function sessionToken(shop: string, secret = API_SECRET): Promise<string> {
  const store = shop.replace(/\.myshopify\.com$/, "");
  const { token } = await getJwt(store, API_KEY, secret, { iss: `https://${shop}/admin` });
  return token;
}

/** A fetch from the embedded app (client navigation, fetcher, form post): Authorization: Bearer. */
export async function appRequest(path: string, shop: string, init: RequestInit = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${await sessionToken(shop)}`);
  return new Request(new URL(path, APP_URL), { ...init, headers });
}

/** The admin loading the app in its iframe: shop, host, embedded=1 and id_token in the URL. */
export async function documentRequest(path: string, shop: string): Promise<Request> {
  const url = new URL(path, APP_URL);
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64"));
  url.searchParams.set("embedded", "1");
  url.searchParams.set("id_token", await sessionToken(shop));
  return new Request(url, { headers: { "User-Agent": BROWSER } });
}

/** A form post from the app with the given fields. */
export async function formPost(path: string, shop: string, fields: Record<string, string>): Promise<Request> {
  return appRequest(path, shop, { method: "POST", body: new URLSearchParams(fields) });
}


export { args, BROWSER, run, type Outcome } from "../support/routes";

/** Empties every table, so each test starts from nothing. */
export async function resetDatabase(): Promise<void> {
  await resetTables(services().db);
}

/** A shop row as install leaves it, in the app's database; returns its id. */
export async function addShop(domain: string, options: ShopFixture = {}): Promise<string> {
  return addShopTo(services().db, domain, options);
}
