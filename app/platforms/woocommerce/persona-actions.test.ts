import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../../test/support/db";
import { wooPersonaActions } from "./persona-actions";

describe("acting on a persona in WP admin", async () => {
  it("GIVEN a persona written as customer meta WHEN its actions are asked for THEN the link is WP admin's Users list filtered to customers whose rfm_persona is the persona, with no automation", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "shop.example.com/store", { platform: "woocommerce" });
    await db.prepare(`INSERT INTO "Customer" (shopId, customerKey, persona, written) VALUES (?, ?, ?, ?)`).run(shopId, "woo:customer:7", "cant-lose-them", "{}");

    const actions = await wooPersonaActions(db, { id: shopId, domain: "shop.example.com/store" }, { slug: "cant-lose-them", name: "Can't Lose Them" });

    const url = new URL(actions.customers!.url);
    expect(`${url.origin}${url.pathname}`).toBe("https://shop.example.com/store/wp-admin/users.php");
    expect(Object.fromEntries(url.searchParams)).toEqual({ role: "customer", rfm_persona: "Can't Lose Them" });
    expect(actions.discount?.url).toBe("https://shop.example.com/store/wp-admin/post-new.php?post_type=shop_coupon");
    expect(actions.automation).toBeNull();
  });

  it("GIVEN nothing written to the store yet WHEN asked THEN there is no customer-list link", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "new.example.com", { platform: "woocommerce" });
    await db.prepare(`INSERT INTO "Customer" (shopId, customerKey, persona) VALUES (?, ?, ?)`).run(shopId, "woo:customer:7", "loyal");

    expect((await wooPersonaActions(db, { id: shopId, domain: "new.example.com" }, { slug: "loyal", name: "Loyal" })).customers).toBeNull();
  });
});
