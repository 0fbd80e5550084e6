import "@shopify/shopify-app-remix/adapters/node";
import {
  ApiVersion,
  AppDistribution,
  LogSeverity,
  shopifyApp,
} from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import prisma from "~/db.server";
import { env } from "~/env.server";
import { EncryptedSessionStorage } from "~/platforms/shopify/encrypted-session-storage.server";
import { parseTokenKeys } from "~/privacy/token-cipher";
import { installSimulatorInterception } from "./simulator.server";
import { installShopifyShop } from "./install.server";
import { fromLibraryAdmin, resilient } from "./admin-graphql.server";

const config = env();

// Tests and the demo point Admin API traffic at the simulator; no-op otherwise.
installSimulatorInterception({ SHOPIFY_ADMIN_SIMULATOR_URL: config.SHOPIFY_ADMIN_SIMULATOR_URL });

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: ApiVersion.October26,
  scopes: config.SCOPES,
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // Access and refresh tokens are ciphertext at rest whenever a key is configured (always in production).
  sessionStorage: config.TOKEN_ENCRYPTION_KEY
    ? new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(config.TOKEN_ENCRYPTION_KEY))
    : new PrismaSessionStorage(prisma),
  distribution: AppDistribution.AppStore,
  logger: {
    level: { error: LogSeverity.Error, warn: LogSeverity.Warning, info: LogSeverity.Info, debug: LogSeverity.Debug }[
      config.LOG_LEVEL
    ],
  },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  hooks: {
    afterAuth: async ({ session, admin }) => {
      // Imported lazily: services need this module's `unauthenticated` for background work.
      const { services } = await import("~/services.server");
      await installShopifyShop(session.shop, {
        db: services().db,
        prisma,
        queue: services().runner.queue,
        graphql: resilient(fromLibraryAdmin(admin)),
      });
    },
  },
  ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const apiVersion = ApiVersion.October26;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
