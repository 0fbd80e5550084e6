import type { Session } from "@shopify/shopify-api";
import prisma from "~/db.server";

/** Minimal slice of the Admin context the install hook needs (a real stand-in is easy to build). */
export interface InstallContext {
  session: Session;
  admin: unknown;
}

/**
 * Runs after Shopify's OAuth / token exchange: create or restore the shop.
 * A shop that uninstalled and comes back keeps its settings and history.
 */
export async function onShopifyInstall({ session }: InstallContext): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: session.shop },
    create: { domain: session.shop, platform: "shopify" },
    update: { uninstalledAt: null, installedAt: new Date() },
  });
}
