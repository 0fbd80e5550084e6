/**
 * Shopify's part of an admin page's error boundary: the responses its auth throws (the embedded
 * bounce and exit-iframe pages) render as its library says; anything else is rethrown.
 */
import { boundary } from "@shopify/shopify-app-remix/server";

export const shopifyErrorBoundary = (error: unknown) => boundary.error(error);
