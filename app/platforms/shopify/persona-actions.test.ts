import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../../test/support/db";
import { shopifyPersonaActions } from "./persona-actions";

describe("acting on a persona in Shopify's admin", async () => {
  it("GIVEN write-back created the persona's segment WHEN the persona's actions are asked for THEN the segment link is the admin's page of that segment, the discount names it, and Flow starts from the app's trigger", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "acts.myshopify.com");
    await db.prepare(`INSERT INTO "PersonaSegment" (shopId, persona, segmentId, name, query, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`).run(
      shopId,
      "at-risk",
      "gid://shopify/Segment/4207",
      "RFM: At Risk",
      "customer_tags CONTAINS 'rfm:at-risk'",
      new Date(),
    );

    const actions = await shopifyPersonaActions(db, { id: shopId }, { slug: "at-risk", name: "At Risk" });

    expect(actions.customers).toMatchObject({ url: "shopify://admin/customers/segments/4207", label: "Open segment in Shopify" });
    expect(actions.customers?.what).toContain("“RFM: At Risk”");
    expect(actions.discount?.url).toBe("shopify://admin/discounts");
    expect(actions.discount?.steps.join(" ")).toContain("Specific customer segments and add “RFM: At Risk”");
    expect(actions.automation).toMatchObject({ url: "shopify://admin/apps/flow", trigger: "RFM persona changed" });
    expect(actions.automation?.steps.join(" ")).toContain("“new persona” is equal to “At Risk”");
  });

  it("GIVEN no segment written yet (write-back not approved) WHEN asked THEN there is no segment or discount link, and the Flow steps still are", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "fresh.myshopify.com", { writeConsent: "pending" });

    const actions = await shopifyPersonaActions(db, { id: shopId }, { slug: "loyal", name: "Loyal" });

    expect(actions.customers).toBeNull();
    expect(actions.discount).toBeNull();
    expect(actions.automation?.trigger).toBe("RFM persona changed");
  });
});
