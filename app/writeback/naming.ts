/**
 * The names personas carry in the store: the tag on each customer and the native
 * segment per persona. One place, so the dashboard, write-back and Flow agree.
 */
import type { WritebackSettings } from "~/settings/shop-settings";

/** "rfm:" + "champions" → "rfm:champions". */
export function personaTag(writeback: Pick<WritebackSettings, "tagPrefix">, slug: string): string {
  return `${writeback.tagPrefix}${slug}`;
}

/** The native customer segment for a persona, e.g. "RFM: Champions". */
export function segmentName(personaName: string): string {
  return `RFM: ${personaName}`;
}

/** Segment query on the persona tag (Shopify's segment query language). */
export function segmentQuery(tag: string): string {
  return `customer_tags CONTAINS '${tag.replace(/'/g, "\\'")}'`;
}

/** Numeric id of a Shopify GID ("gid://shopify/Customer/42" → "42"), for admin links. */
export function legacyId(gid: string): string | null {
  const m = /^gid:\/\/shopify\/\w+\/(\d+)$/.exec(gid);
  return m ? m[1] : null;
}
