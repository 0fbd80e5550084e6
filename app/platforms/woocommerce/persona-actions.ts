/**
 * Where a merchant acts on a persona in WP admin: the Users list filtered to the customers
 * whose `rfm_persona` meta is this persona (the companion plugin's filter), a coupon limited to
 * their emails, and no automation trigger (WooCommerce has no Flow).
 */
import type { Db } from "~/db/index.server";
import type { PersonaAdminActions, ShopRef } from "../types";
import { siteBase } from "./ids";
import { metaKey } from "./writeback/meta";

export async function wooPersonaActions(db: Db, shop: Pick<ShopRef, "id" | "domain">, persona: { slug: string; name: string }): Promise<PersonaAdminActions> {
  // Only once write-back has put the persona on a customer is there anything to filter by.
  const written = await db
    .prepare(`SELECT 1 FROM "Customer" WHERE shopId = ? AND persona = ? AND written IS NOT NULL LIMIT 1`)
    .get(shop.id, persona.slug);
  const base = siteBase(shop.domain);
  const filter = new URLSearchParams({ role: "customer", [metaKey("persona")]: persona.name });
  return {
    customers: written
      ? {
          url: `${base}/wp-admin/users.php?${filter}`,
          label: "Open customers in WP admin",
          what: `Users whose ${metaKey("persona")} is “${persona.name}” (with the RFM Personas plugin).`,
        }
      : null,
    discount: {
      url: `${base}/wp-admin/post-new.php?post_type=shop_coupon`,
      label: "Create a coupon",
      steps: ["Export this persona's customers (CSV) for their emails.", "Under Usage restriction, paste them into Allowed emails.", "Publish the coupon."],
    },
    automation: null,
  };
}
