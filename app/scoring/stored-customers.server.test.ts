/**
 * The daily compare reads a shop's stored customers into typed arrays: every row once, its key
 * in a table of its own, its persona in the caller's table, "none" as -1 / NaN rather than a
 * value a real row could hold, and no other shop's rows.
 */
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { KeyTable } from "~/rfm/key-table";
import { readStoredCustomers } from "./stored-customers.server";

const FIRST = Date.parse("2026-01-02T00:00:00Z");
const LAST = Date.parse("2026-06-30T00:00:00Z");

describe("readStoredCustomers", () => {
  it("GIVEN scored, unscored, guest and failed customers in two shops WHEN one shop's are read THEN each comes once with its figures, and none reads as -1 or NaN", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "stored.myshopify.com");
    const other = await addShop(db, "other.myshopify.com");
    const insert = db.prepare(`
      INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, firstOrderAt, lastOrderAt, r, f, m, persona, writeStatus)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    await insert.run(shopId, "gid://shopify/Customer/1", false, 3, 12_345, new Date(FIRST), new Date(LAST), 5, 4, 3, "champions", "written");
    await insert.run(shopId, "email:ünï@example.com", true, 1, 999, new Date(LAST), new Date(LAST), 2, 1, 1, "hibernating", "failed");
    await insert.run(shopId, "gid://shopify/Customer/3", false, 0, 0, null, null, null, null, null, null, null);
    await insert.run(other, "gid://shopify/Customer/1", false, 9, 9, null, null, 1, 1, 1, "lost", null);
    const personas = new KeyTable();
    personas.fromString("lost");

    // WHEN
    const stored = await readStoredCustomers(db, shopId, personas);

    // THEN
    expect(stored.count).toBe(3);
    const byKey = new Map(
      Array.from({ length: stored.count }, (_, i) => [
        stored.keys.key(i),
        {
          persona: stored.persona[i] < 0 ? null : personas.key(stored.persona[i]),
          rfm: stored.rfm[i],
          frequency: stored.frequency[i],
          monetaryMinor: stored.monetaryMinor[i],
          first: stored.firstOrderMs[i],
          last: stored.lastOrderMs[i],
          flags: stored.flags[i],
        },
      ]),
    );
    expect(Object.fromEntries(byKey)).toEqual({
      "gid://shopify/Customer/1": { persona: "champions", rfm: 543, frequency: 3, monetaryMinor: 12_345, first: FIRST, last: LAST, flags: 0 },
      "email:ünï@example.com": { persona: "hibernating", rfm: 211, frequency: 1, monetaryMinor: 999, first: LAST, last: LAST, flags: 3 },
      "gid://shopify/Customer/3": { persona: null, rfm: -1, frequency: 0, monetaryMinor: 0, first: NaN, last: NaN, flags: 0 },
    });
    // Each key's bytes are its UTF-8 encoding, as the order read's table is asked with them.
    for (let i = 0; i < stored.count; i++) expect(new TextDecoder().decode(stored.keys.keyBytes(i))).toBe(stored.keys.key(i));
  });
});
