import type { ActionFunctionArgs } from "@remix-run/node";
import { connectDeps } from "~/platforms/woocommerce/connect-deps.server";
import { handleWooAuthCallback } from "~/platforms/woocommerce/connect.server";

/**
 * WooCommerce's wc-auth callback: the new key as JSON, POSTed by the store (not the browser).
 * 200 only when the connection is made; any other answer makes WooCommerce delete the key.
 */
export const action = ({ request }: ActionFunctionArgs) => handleWooAuthCallback(request, connectDeps());
