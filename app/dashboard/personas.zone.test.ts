/** A persona's transitions window counts the shop's days, as recompute keys them. */
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { getPersonaDetail } from "./personas.server";
import { seedTransition } from "./test/seed";

describe("GIVEN a shop in New York on a New York evening that is already tomorrow in UTC", () => {
  it("WHEN the last 7 days of transitions are shown THEN the window ends on the New York date", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db, "ny.myshopify.com", { timezone: "America/New_York" });
    const now = new Date("2026-06-30T02:00:00Z"); // 22:00 on 2026-06-29 in New York
    await seedTransition(db, shop, "2026-06-23", "champions", "loyal", 5); // in New York's last 7 days, not in UTC's

    const week = (await getPersonaDetail(db, shop, "loyal", { days: 7, now }))!.transitions;

    expect(week.since).toBe("2026-06-23");
    expect(week.totalIn).toBe(5);
  });
});
