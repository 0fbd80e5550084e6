/**
 * App Bridge's `shopify` global, looked up when it is needed (in handlers and effects)
 * rather than during render: `useAppBridge()` throws while rendering when the script has
 * not loaded (blocked, offline, server), which would take the whole page down with it.
 */
import type { useAppBridge } from "@shopify/app-bridge-react";

type ShopifyGlobal = ReturnType<typeof useAppBridge>;

export function appBridge(): ShopifyGlobal | null {
  if (typeof window === "undefined") return null;
  return (window as unknown as { shopify?: ShopifyGlobal }).shopify ?? null;
}
