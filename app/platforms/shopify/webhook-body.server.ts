/**
 * The raw body of a webhook delivery: read with a size cap before anything is verified,
 * and parsed without losing the digits of Shopify's 64-bit ids.
 */

// The size-capped reader is shared by every platform.
export { MAX_WEBHOOK_BYTES, readBodyCapped, type CappedBody } from "../webhook-body.server";

/**
 * JSON.parse, except that integers beyond 2^53 come back as strings with every digit.
 * Shopify's ids are 64-bit (its documented samples use ids like 820982911946154508);
 * a plain JSON.parse silently turns them into neighbouring numbers.
 */
export function parseJsonKeepingIds(text: string): unknown {
  return JSON.parse(text, function (_key, value: unknown, context?: { source?: string }) {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return context.source;
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}
