/**
 * Who is asking, for a request from inside the Shopify admin: the embedded app's session
 * token (App Bridge's Authorization header, or id_token on a document load), verified by
 * Shopify's library. The library throws its own responses (bounce page, 401 with the
 * reauthorize header, redirects), which the route passes on unchanged.
 */
import type { HeadersFunction } from "@remix-run/node";
import { boundary } from "@shopify/shopify-app-remix/server";
import type { MerchantAuthenticator } from "../merchant.server";
import { authenticate } from "./shopify.server";

export const shopifyMerchant: MerchantAuthenticator = {
  platform: "shopify",
  embedded: true,
  // Shopify's library answers every request that is not someone else's: an admin request
  // without a valid token is its to refuse (or bounce to get one).
  recognises: () => true,
  async domain(request) {
    const { session } = await authenticate.admin(request);
    return session.shop;
  },
};

/** Keeps the headers of the library's thrown responses (reauthorize, CSP) on admin pages. */
export const shopifyAdminHeaders: HeadersFunction = (args) => boundary.headers(args);
