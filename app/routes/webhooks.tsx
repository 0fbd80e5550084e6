import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhookFor } from "~/sync/webhook-route.server";

/**
 * Shopify's webhooks (every topic in shopify.app.toml): the adapter verifies and parses
 * (413/405/401/400), the delivery is stored in the inbox and acknowledged. `npm start` calls
 * this action before Express and Remix (app/server/main.server.ts); the dev server through Remix.
 */
export const action = ({ request }: ActionFunctionArgs) => receiveWebhookFor("shopify", request);
