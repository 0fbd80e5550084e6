/**
 * The names personas carry in the store: the label on each customer and the saved
 * segment per persona. One place, so the dashboard, write-back and the writers agree.
 */
import type { WritebackSettings } from "~/settings/shop-settings";

/** "rfm:" + "champions" → "rfm:champions". */
export function personaTag(writeback: Pick<WritebackSettings, "tagPrefix">, slug: string): string {
  return `${writeback.tagPrefix}${slug}`;
}

/** The saved customer segment for a persona, e.g. "RFM: Champions". */
export function segmentName(personaName: string): string {
  return `RFM: ${personaName}`;
}
