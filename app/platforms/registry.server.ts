/**
 * adapterFor(platform): the only switch on platform. The process's adapters are built once,
 * from its environment; tests and tools build their own with `adapterRegistry`.
 */
import { env } from "~/env.server";
import { createShopifyAdapter } from "./shopify/adapter.server";
import { graphqlFor, rawGraphqlFor } from "./shopify/admin-client.server";
import { database } from "~/db/index.server";
import { createWooCommerceAdapter } from "./woocommerce/adapter.server";
import type { Platform, StoreAdapter } from "./types";

export type AdapterFor = (platform: Platform | string) => StoreAdapter;

export class UnknownPlatformError extends Error {
  constructor(platform: string) {
    super(`no store adapter for platform "${platform}"`);
    this.name = "UnknownPlatformError";
  }
}

/** A lookup over the given adapters. */
export function adapterRegistry(adapters: Partial<Record<Platform, StoreAdapter>>): AdapterFor {
  return (platform) => {
    const adapter = adapters[platform as Platform];
    if (!adapter) throw new UnknownPlatformError(platform);
    return adapter;
  };
}

declare global {
  // eslint-disable-next-line no-var
  var rfmAdapters: AdapterFor | undefined;
}

/** The process's adapter for a platform. */
export function adapterFor(platform: Platform | string): StoreAdapter {
  globalThis.rfmAdapters ??= processAdapters();
  return globalThis.rfmAdapters(platform);
}

function processAdapters(): AdapterFor {
  const config = env();
  return adapterRegistry({
    shopify: createShopifyAdapter({ graphqlFor, rawGraphqlFor, bulkPollMs: config.BULK_POLL_MS }),
    woocommerce: createWooCommerceAdapter({ db: database, deliveryUrl: `${config.SHOPIFY_APP_URL.replace(/\/+$/, "")}/webhooks/woocommerce` }),
  });
}
