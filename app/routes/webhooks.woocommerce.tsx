import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhookFor } from "~/sync/webhook-route.server";

/**
 * WooCommerce's webhooks (the topics we register per store, signed with the store's own
 * secret): verified and parsed by the adapter (405/413/401/400; the ping answered 200), the
 * delivery stored in the inbox and acknowledged. `npm start` calls this action before Express
 * and Remix (app/server/main.server.ts); the dev server through Remix.
 */
export const action = ({ request }: ActionFunctionArgs) => receiveWebhookFor("woocommerce", request);
