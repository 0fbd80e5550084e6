/**
 * A WooCommerce store as a connection the merchant manages from the app: whether its key can
 * write, and disconnecting it (connect.server.ts does the work; this is its side of the seam).
 */
import type { StoreConnection } from "../types";
import type { WooClient } from "./client.server";
import { disconnectWooStore, REVOKE_KEY_NOTICE } from "./connect.server";
import { loadCredentials, type WooCredentials } from "./credentials.server";

/** The connect page, for this store (the plugin's Connect button opens it the same way). */
export const connectPageUrl = (siteUrl: string, extra: Record<string, string | string[]> = {}) => {
  const query = new URLSearchParams({ store: siteUrl });
  for (const [name, value] of Object.entries(extra)) for (const v of [value].flat()) query.append(name, v);
  return `/woocommerce/connect?${query}`;
};

export function wooConnection(deps: { deliveryUrl: string; clientFor: (credentials: WooCredentials) => WooClient }): StoreConnection {
  return {
    async access(db, shop) {
      const credentials = await loadCredentials(db, shop.id);
      if (!credentials) return null;
      return { writable: credentials.keyPermissions === "read_write", reconnectUrl: connectPageUrl(credentials.siteUrl) };
    },
    disconnectEffects: [
      "Our webhooks are removed from your store, so order changes stop reaching the app.",
      "The app forgets its REST API key. " + REVOKE_KEY_NOTICE,
      "Persona meta already written to your customers stays on them.",
    ],
    async disconnect(shop, ctx) {
      const credentials = await loadCredentials(ctx.db, shop.id);
      const result = await disconnectWooStore(shop.id, {
        db: ctx.db,
        now: ctx.now,
        webhookUrl: deps.deliveryUrl,
        // The stored credentials carry more than the client needs; connect only hands over the key.
        clientFor: (key) => deps.clientFor({ ...(credentials as WooCredentials), ...key }),
      });
      const site = credentials?.siteUrl ?? `https://${shop.domain}`;
      return { problems: result.problems, nextUrl: connectPageUrl(site, { disconnected: shop.domain, problem: result.problems }) };
    },
  };
}
