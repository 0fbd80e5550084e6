import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhookFor } from "~/sync/webhook-route.server";

/**
 * Shopify's webhooks (every topic in shopify.app.toml): the adapter verifies and parses
 * (413/405/401/400), the events are applied in one transaction.
 */
export const action = ({ request }: ActionFunctionArgs) => receiveWebhookFor("shopify", request);
