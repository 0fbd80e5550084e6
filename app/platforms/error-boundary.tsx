/**
 * What an admin page's error boundary does with an error that is not ours (a 400 or 404 we
 * threw): the platform's auth responses render as the platform expects. Only Shopify's
 * library throws such responses; a WooCommerce session refusal is a plain 401 it leaves alone.
 */
export { shopifyErrorBoundary as platformErrorBoundary } from "~/platforms/shopify/error-boundary";
