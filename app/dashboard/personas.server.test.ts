import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { getPersonaDetail, listPersonas, ruleInWords } from "./personas.server";
import { seedCustomer, seedTransition } from "./test/seed";

let db: Db;
let shop: string;
let other: string;
const now = new Date("2026-06-30T12:00:00Z");

beforeEach(async () => {
  db = (await freshDatabase()).db;
  shop = await addShop(db, "alpha.myshopify.com");
  other = await addShop(db, "beta.myshopify.com");
});

describe("listPersonas", () => {
  it("GIVEN the default map WHEN listed THEN all 11 personas appear with their tag and their cells add up to 125", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 100 });
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/2", persona: "champions", r: 5, f: 5, m: 5 });

    const list = await listPersonas(db, shop);

    expect(list.personas).toHaveLength(11);
    expect(list.personas.reduce((s, p) => s + p.cells, 0)).toBe(125);
    expect(list.personas[0]).toMatchObject({ slug: "champions", customers: 1, customerShare: 1, tag: "rfm:champions", segment: "RFM: Champions" });
  });

  it("GIVEN a custom tag prefix and a renamed persona WHEN listed THEN names and tags follow the settings", async () => {
    await db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(
      JSON.stringify({
        writeback: { tagPrefix: "vip_" },
        personas: { map: "custom", rules: [{ name: "Best buyers", slug: "champions", r: [1, 5], f: [1, 5], m: [1, 5] }] },
      }),
      shop,
    );

    const [first] = (await listPersonas(db, shop)).personas;

    expect(first).toMatchObject({ slug: "champions", name: "Best buyers", tag: "vip_champions", segment: "RFM: Best buyers", cells: 125 });
  });
});

describe("getPersonaDetail", () => {
  it("GIVEN Champions in the default map WHEN detailed THEN its rule, cells, uses and store names are given", async () => {
    const detail = (await getPersonaDetail(db, shop, "champions", { days: 30, now }))!;

    expect(detail.definition.rules).toEqual([
      { position: 1, r: [4, 5], f: [4, 5], m: [4, 5], cellsWon: 8, words: "Customers who bought recently, buy often and spend a lot." },
    ]);
    expect(detail.definition.cells).toBe(8);
    expect(detail.persona.uses.length).toBeGreaterThan(0);
    expect(detail.persona).toMatchObject({ tag: "rfm:champions", segment: "RFM: Champions" });
  });

  it("GIVEN a rule with open and odd ranges WHEN put in words THEN any-score dimensions are left out and odd ones named", async () => {
    const loyal = (await getPersonaDetail(db, shop, "loyal", { days: 30, now }))!.definition.rules[0];

    expect(loyal.words).toBe("Customers who bought not too long ago and buy often.");
    expect(ruleInWords({ r: [2, 4], f: [1, 5], m: [4, 5] })).toBe("Customers who have a recency score of 2–4 and spend a lot.");
    expect(ruleInWords({ r: [1, 5], f: [1, 5], m: [1, 5] })).toBe("Every customer not taken by an earlier rule.");
  });

  it("GIVEN a persona whose members include customers outside the 365-day window WHEN detailed THEN it says how many, and Lost has no second route", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "cant-lose-them", r: 1, f: 5, m: 5, frequency: 9, recencyDays: 536 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/2", persona: "cant-lose-them", r: 1, f: 5, m: 5, frequency: 9, recencyDays: 238 });

    const detail = (await getPersonaDetail(db, shop, "cant-lose-them", { days: 30, now }))!;

    expect(detail.definition.outsideWindow).toBe(1);
    expect(detail.definition.notes).toEqual([
      "1 of these customers last ordered outside the 365-day lookback window: they are R1, with F and M from their older orders.",
    ]);
    expect((await getPersonaDetail(db, shop, "lost", { days: 30, now }))!.definition.notes).toEqual([]);
  });

  it("GIVEN members WHEN detailed THEN CLV figures and medians describe them", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 3, f: 4, m: 2, frequency: 4, monetaryMinor: 40_000, recencyDays: 30, lifetimeDays: 100 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/2", persona: "loyal", r: 4, f: 5, m: 3, frequency: 6, monetaryMinor: 20_000, recencyDays: 10, lifetimeDays: 200 });
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/3", persona: "lost", r: 1, f: 1, m: 1, frequency: 1, monetaryMinor: 1_000 });
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/4", persona: "loyal", r: 5, f: 5, m: 5, frequency: 90, monetaryMinor: 9_000_000 });

    const { figures } = (await getPersonaDetail(db, shop, "loyal", { days: 30, now }))!;

    expect(figures).toMatchObject({
      customers: 2,
      orders: 10,
      revenueMinor: 60_000,
      aovMinor: 6_000,
      ordersPerCustomer: 5,
      avgLifetimeDays: 150,
      median: { r: 3.5, f: 4.5, m: 2.5, recencyDays: 20, frequency: 5, monetaryMinor: 30_000 },
    });
    expect(figures.customerShare).toBeCloseTo(2 / 3);
  });

  it("GIVEN transitions over time WHEN a period is chosen THEN only moves inside it count, in and out", async () => {
    await seedTransition(db, shop, "2026-06-29", "", "loyal", 4); // new to scoring
    await seedTransition(db, shop, "2026-06-25", "potential-loyalist", "loyal", 3);
    await seedTransition(db, shop, "2026-06-10", "champions", "loyal", 7); // 21 days ago
    await seedTransition(db, shop, "2026-06-28", "loyal", "at-risk", 2);
    await seedTransition(db, shop, "2026-06-28", "loyal", "", 1); // lost their persona
    await seedTransition(db, other, "2026-06-29", "champions", "loyal", 50);

    const week = (await getPersonaDetail(db, shop, "loyal", { days: 7, now }))!.transitions;
    const month = (await getPersonaDetail(db, shop, "loyal", { days: 30, now }))!.transitions;

    expect(week.since).toBe("2026-06-24");
    expect(week.in.map((t) => [t.slug, t.customers])).toEqual([["", 4], ["potential-loyalist", 3]]);
    expect(week.out.map((t) => [t.slug, t.customers])).toEqual([["at-risk", 2], ["", 1]]);
    expect(week).toMatchObject({ totalIn: 7, totalOut: 3 });
    expect(month.totalIn).toBe(14);
    expect(month.in[0]).toMatchObject({ slug: "champions", name: "Champions", customers: 7 });
  });

  it("GIVEN a slug neither in the map nor on any customer WHEN detailed THEN there is no such persona", async () => {
    await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/1", persona: "vip-old", r: 5, f: 5, m: 5 });

    expect(await getPersonaDetail(db, shop, "nope", { days: 7, now })).toBeNull();
    expect(await getPersonaDetail(db, shop, "vip-old", { days: 7, now })).toBeNull();
  });
});
