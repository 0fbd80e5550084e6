/**
 * WooCommerce behind the StoreAdapter seam: the wc/v3 import by pages, reconciliation
 * (modified_after, id-set comparison, webhook healing), order re-reads, and signed webhooks
 * turned into neutral events. Credentials come from StoreCredential (credentials.server.ts).
 */
import type { PersonaWriter, PlatformContext, ShopRef, StoreAdapter } from "../types";
import { backfillStep } from "./backfill.server";
import { createWooClient, type WooClient } from "./client.server";
import { loadCredentials, type WooCredentials } from "./credentials.server";
import { wooConnection } from "./connection.server";
import { wooCustomerIds } from "./ids";
import { wooPersonaActions } from "./persona-actions";
import { createWooCommerceWriter } from "./writeback/writer.server";
import { reconcileOrders, refetchOrders } from "./sweep.server";
import { receiveWooWebhook } from "./webhooks.server";
import type { Db } from "~/db/index.server";

export interface WooAdapterDeps {
  /** The process's database (webhooks look the store's secret up before any context exists). */
  db: () => Db;
  /** Where our webhooks deliver: `<app URL>/webhooks/woocommerce`. */
  deliveryUrl: string;
  /** The persona writer (customer meta); without one the store is read-only. */
  writer?: PersonaWriter;
  /** Builds the REST client from stored credentials (tests tune retries). */
  clientFor?: (credentials: WooCredentials) => WooClient;
  idCheckEveryMs?: number;
}

/** A store we only read (no writer wired, or a read-only key): write-back does nothing. */
export const readOnlyWriter: PersonaWriter = {
  capabilities: { labels: false, fields: false, segments: false, personaChangedTrigger: false },
  writeback: async () => ({ skipped: "read-only", more: 0 }),
  removeAll: async () => ({ skipped: "read-only" }),
};

export function createWooCommerceAdapter(deps: WooAdapterDeps): StoreAdapter {
  const clientFor = deps.clientFor ?? ((c: WooCredentials) => createWooClient(c));
  const client = async (shop: ShopRef, ctx: PlatformContext) => {
    const credentials = await loadCredentials(ctx.db, shop.id);
    if (!credentials) throw new Error(`WooCommerce store ${shop.domain} has no stored credentials: connect it again`);
    return clientFor(credentials);
  };
  return {
    platform: "woocommerce",
    customers: wooCustomerIds,
    orders: {
      backfillStep: async (shop, ctx) => backfillStep(shop, { ...ctx, client: await client(shop, ctx) }),
      async reconcile(shop, ctx) {
        const { seen, written } = await reconcileOrders(shop, {
          ...ctx,
          client: await client(shop, ctx),
          deliveryUrl: deps.deliveryUrl,
          idCheckEveryMs: deps.idCheckEveryMs,
        });
        return { seen, written };
      },
      refetchOrders: async (shop, wanted, ctx) => refetchOrders(shop, wanted, { ...ctx, client: await client(shop, ctx) }),
    },
    writer: deps.writer ?? createWooCommerceWriter({ clientFor }),
    connection: wooConnection({ deliveryUrl: deps.deliveryUrl, clientFor }),
    receiveWebhook: (request) => receiveWooWebhook(request, deps.db()),
    personaActions: wooPersonaActions,
  };
}
