/**
 * Where a merchant acts on a persona in Shopify's admin: the persona's saved customer segment
 * (the id write-back stored in PersonaSegment), a discount for that segment, and a Flow
 * workflow started from the app's own "RFM persona changed" trigger. App Bridge opens
 * shopify://admin/… links inside the merchant's admin.
 */
import type { Db } from "~/db/index.server";
import type { PersonaAdminActions, ShopRef } from "../types";
import { legacyId } from "./ids";

/** The Flow trigger's name, as extensions/rfm-persona-changed/shopify.extension.toml declares it. */
export const FLOW_TRIGGER_NAME = "RFM persona changed";

export async function shopifyPersonaActions(db: Db, shop: Pick<ShopRef, "id">, persona: { slug: string; name: string }): Promise<PersonaAdminActions> {
  const segment = (await db.prepare(`SELECT segmentId, name FROM "PersonaSegment" WHERE shopId = ? AND persona = ?`).get(shop.id, persona.slug)) as
    | { segmentId: string; name: string }
    | undefined;
  const id = segment ? legacyId(segment.segmentId) : null;
  return {
    customers:
      segment && id !== null
        ? {
            url: `shopify://admin/customers/segments/${id}`,
            label: "Open segment in Shopify",
            what: `The “${segment.name}” customer segment: email them from Shopify Messaging, or use it in a campaign.`,
          }
        : null,
    discount: segment
      ? {
          url: "shopify://admin/discounts",
          label: "Create a discount",
          steps: ["Select Create discount and pick a type.", `Under Eligibility, choose Specific customer segments and add “${segment.name}”.`, "Save the discount."],
        }
      : null,
    automation: {
      url: "shopify://admin/apps/flow",
      label: "Open Shopify Flow",
      trigger: FLOW_TRIGGER_NAME,
      steps: [
        "In Shopify Flow, select Create workflow.",
        `Select a trigger: search for “${FLOW_TRIGGER_NAME}” (RFM Personas).`,
        `Add a condition: “new persona” is equal to “${persona.name}” (or “previous persona”, to act when customers leave it).`,
        "Add an action (tag the customer, send an internal email, add them to a marketing list) and turn the workflow on.",
      ],
    },
  };
}
