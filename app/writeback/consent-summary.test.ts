/**
 * The consent step's summary of what approving would write is folded over the shop's customers
 * a page at a time, with customers never written to planned once per shape. It must say exactly
 * what the plan of the whole shop (planShop, as a run makes it) says. It, the removal summary and
 * a write-back run's read of the whole shop read in pages, letting the process answer between.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PERSONAS } from "~/rfm";
import type { Db } from "~/db/index.server";
import { freshDatabase, addShop, onPostgres } from "../../test/support/db";
import { shopSettings, writeShopSettings } from "~/shops/settings.server";
import { writebackConsentView, writebackSummary, removalSummary, type SummaryStore } from "./consent.server";
import { personaNamesFor } from "./desired";
import { planShop } from "./shop-plan";
import { fieldId, isEmptyState, parseWritten, serializeWritten, type WrittenState } from "./state";
import { hasFinishedRun, loadCustomers, scanCustomers } from "./store.server";

const SLUGS = [...PERSONAS.map((p) => p.slug), "retired-persona"];
const DAY = 86_400_000;

interface Generated {
  kind: "customer" | "guest" | "foreign";
  guestFlag: boolean;
  persona: string | null;
  previousPersona: string | null;
  r: number | null;
  f: number | null;
  m: number | null;
  personaSince: number | null;
  scoredAt: number | null;
  written: WrittenState | null;
  writeStatus: "ok" | "failed" | null;
  writeAttempts: number;
}

const scoreArb = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 5 });
const dayArb = fc.option(fc.integer({ min: 20_000, max: 20_500 }).map((d) => d * DAY), { nil: null, freq: 4 });
const personaArb = fc.option(fc.constantFrom(...SLUGS), { nil: null, freq: 4 });
const writtenArb: fc.Arbitrary<WrittenState | null> = fc.option(
  fc.record({
    labels: fc.subarray(["rfm:champions", "rfm:lost", "rfm:r5", "vip"]),
    fields: fc.dictionary(fc.constantFrom(...["persona", "r_score", "score", "persona_since", "computed_at"].map((k) => fieldId("store", k))), fc.constantFrom("Champions", "Lost", "5", "555", "2026-01-01")),
    persona: personaArb,
    trigger: fc.option(fc.record({ from: fc.constantFrom(...SLUGS), to: fc.constantFrom(...SLUGS), score: fc.constant("555") }), { nil: undefined, freq: 4 }),
    transport: fc.option(fc.constant({ bulk: 1 }), { nil: undefined, freq: 8 }),
  }).map((s) => {
    const state: WrittenState = { labels: s.labels, fields: s.fields, persona: s.persona };
    if (s.trigger) state.trigger = s.trigger;
    if (s.transport) state.transport = s.transport;
    return state;
  }),
  { nil: null, freq: 2 },
);
const customerArb: fc.Arbitrary<Generated> = fc.record({
  kind: fc.constantFrom("customer", "customer", "customer", "guest", "foreign"),
  guestFlag: fc.boolean(),
  persona: personaArb,
  previousPersona: personaArb,
  r: scoreArb,
  f: scoreArb,
  m: scoreArb,
  personaSince: dayArb,
  scoredAt: dayArb,
  written: writtenArb,
  writeStatus: fc.constantFrom("ok" as const, "failed" as const, null),
  writeAttempts: fc.integer({ min: 0, max: 7 }),
});
const carriesArb = fc.record({ labels: fc.boolean(), fields: fc.boolean(), segments: fc.boolean(), personaChangedTrigger: fc.boolean() });

const keyOf = (c: Generated, i: number) =>
  c.kind === "guest" ? `email:buyer${i}@example.com` : c.kind === "foreign" ? `woo:customer:${i}` : `gid://shopify/Customer/${1000 + i}`;

async function seed(db: Db, shopId: string, customers: readonly Generated[]): Promise<void> {
  const insert = db.prepare(
    `INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, persona, previousPersona, personaSince, r, f, m, scoredAt, written, writeStatus, writeAttempts)
     VALUES (?, ?, ?, 1, 100, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  await db.transaction(async () => {
    for (const [i, c] of customers.entries()) {
      await insert.run(shopId, keyOf(c, i), c.kind === "guest" || c.guestFlag, c.persona, c.previousPersona, date(c.personaSince), c.r, c.f, c.m, date(c.scoredAt), serializeWritten(c.written), c.writeStatus, c.writeAttempts);
    }
  });
}

/** The summary as the plan of the whole shop says it: every customer planned as a run plans them. */
async function summaryFromWholePlan(db: Db, shopId: string, store: SummaryStore) {
  const settings = await shopSettings(db, shopId);
  const carries = store.writer.capabilities;
  const plan = planShop(await loadCustomers(db, shopId), {
    writeback: settings.writeback,
    personaName: personaNamesFor(settings.personas),
    fieldPlace: "store",
    isWritable: (key) => store.customers.isWritable(key),
    carries,
  });
  const changed = plan.jobs.filter((j) => (j.written?.persona ?? null) !== j.target.persona).length;
  return {
    customers: plan.jobs.length,
    customersLabelled: plan.jobs.filter((j) => j.plan.labelsAdd.length > 0).length,
    customersWithFields: plan.jobs.filter((j) => j.plan.fieldsSet.length > 0).length,
    fieldKeys: [...new Set(plan.jobs.flatMap((j) => j.plan.fieldsSet.map((f) => f.key)))].sort(),
    personaChangedTriggers: carries.personaChangedTrigger && (await hasFinishedRun(db, shopId)) ? changed + plan.triggers.length : 0,
    guests: plan.counts.guests,
    labels: new Set(plan.jobs.flatMap((j) => j.plan.labelsAdd)),
  };
}

const shopifyStore = (carries: SummaryStore["writer"]["capabilities"]): SummaryStore => ({
  customers: { isWritable: (key) => key.startsWith("gid://shopify/Customer/") },
  writer: { capabilities: carries },
});

describe("write-back consent summary", () => {
  it("GIVEN random customers, some never written to, some with stored states, guests, foreign keys and failing writes WHEN summarized THEN it says what the plan of the whole shop says", async () => {
    const { db } = await freshDatabase();
    let shops = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(customerArb, { maxLength: 40 }), carriesArb, fc.boolean(), async (customers, carries, ranBefore) => {
        const shopId = await addShop(db, `summary-${++shops}.myshopify.com`, { writeConsent: "paused" });
        await seed(db, shopId, customers);
        if (ranBefore) await db.prepare(`INSERT INTO "WritebackRun" (shopId, mode, status, startedAt) VALUES (?, 'online', 'done', ?)`).run(shopId, new Date());
        const store = shopifyStore(carries);

        const summary = await writebackSummary(db, shopId, store);

        const expected = await summaryFromWholePlan(db, shopId, store);
        expect({ ...summary, fieldKeys: [...summary.fieldKeys].sort() }).toMatchObject({
          customers: expected.customers,
          customersLabelled: expected.customersLabelled,
          customersWithFields: expected.customersWithFields,
          fieldKeys: expected.fieldKeys,
          personaChangedTriggers: expected.personaChangedTriggers,
          guests: expected.guests,
        });
        if (expected.customersLabelled > 0) expect(expected.labels).toContain(summary.exampleLabel);
        const removal = await removalSummary(db, shopId, store);
        expect(removal.customers).toBe(customers.filter((c) => !isEmptyState(parseWritten(serializeWritten(c.written)))).length);
      }),
      { numRuns: 150 },
    );
  });

  it("GIVEN customers never written to, each alike the first but for one value it has WHEN summarized THEN each one's extra field is counted", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "shapes.myshopify.com", { writeConsent: "pending" });
    const bare: Generated = { kind: "customer", guestFlag: false, persona: "champions", previousPersona: null, r: null, f: 5, m: 5, personaSince: null, scoredAt: null, written: null, writeStatus: null, writeAttempts: 0 };
    await seed(db, shopId, [bare, { ...bare, r: 5 }, { ...bare, previousPersona: "loyal" }, { ...bare, personaSince: 20_400 * DAY }, { ...bare, scoredAt: 20_401 * DAY }]);

    const summary = await writebackSummary(db, shopId, shopifyStore({ labels: true, fields: true, segments: false, personaChangedTrigger: false }));

    expect(summary.customers).toBe(5);
    expect([...summary.fieldKeys].sort()).toEqual(["computed_at", "f_score", "m_score", "persona", "persona_since", "previous_persona", "r_score", "score"]);
  });

  it("GIVEN customers never written to whose writes failed WHEN summarized THEN those that failed too often are left out, as a run leaves them", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "failing.myshopify.com", { writeConsent: "paused" });
    const ok: Generated = { kind: "customer", guestFlag: false, persona: "champions", previousPersona: null, r: 5, f: 5, m: 5, personaSince: null, scoredAt: null, written: null, writeStatus: null, writeAttempts: 0 };
    await seed(db, shopId, [ok, { ...ok, writeStatus: "failed", writeAttempts: 2 }, { ...ok, writeStatus: "failed", writeAttempts: 5 }]);

    const summary = await writebackSummary(db, shopId, shopifyStore({ labels: true, fields: true, segments: false, personaChangedTrigger: false }));

    expect(summary.customers).toBe(2);
  });
  it("GIVEN a count under way WHEN the dashboard loads again THEN it joins that count rather than starting another; after a settings change, or once done, a new one starts", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "revalidating.myshopify.com", { writeConsent: "pending" });
    const one: Generated = { kind: "customer", guestFlag: false, persona: "champions", previousPersona: null, r: 5, f: 5, m: 5, personaSince: null, scoredAt: 20_400 * DAY, written: null, writeStatus: null, writeAttempts: 0 };
    // Pages enough that the count is still under way when the second load gets to it.
    await seed(db, shopId, Array.from({ length: 6_000 }, () => one));
    const store = shopifyStore({ labels: true, fields: true, segments: true, personaChangedTrigger: true });
    // Connections open beforehand (PostgreSQL): the second load must not wait for a new one
    // while the count reads its pages on another.
    await Promise.all(Array.from({ length: 4 }, () => db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ?`).get(shopId)));

    // WHEN the dashboard loads, and loads again as soon as the first has started its count
    const first = (await writebackConsentView(db, shopId, store)).summary;
    const again = (await writebackConsentView(db, shopId, store)).summary;
    const settings = await shopSettings(db, shopId);
    await writeShopSettings(db, shopId, { ...settings, writeback: { ...settings.writeback, tagPrefix: "vip:" } }, new Date());
    const changed = (await writebackConsentView(db, shopId, store)).summary;

    expect(again).toBe(first);
    expect(changed).not.toBe(first);
    expect((await first)?.exampleLabel).toBe("rfm:champions");
    expect((await changed)?.exampleLabel).toBe("vip:champions");
    const later = (await writebackConsentView(db, shopId, store)).summary;
    expect(later).not.toBe(changed);
    expect((await later)?.customers).toBe(6_000);
  });

  // Better-sqlite3 is synchronous: a fold over every customer in one read held the web process's
  // event loop for the whole shop (seconds at a few hundred thousand customers). On PostgreSQL
  // every read awaits the server, so a timer fires either way.
  it.skipIf(onPostgres())("GIVEN a shop of several pages of customers WHEN summarized THEN the event loop turns before each summary, and a whole-shop read, is done", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "big.myshopify.com", { writeConsent: "paused" });
    const never: Generated = { kind: "customer", guestFlag: false, persona: "champions", previousPersona: null, r: 5, f: 5, m: 5, personaSince: null, scoredAt: 20_400 * DAY, written: null, writeStatus: null, writeAttempts: 0 };
    const written: Generated = { ...never, written: { labels: ["rfm:lost"], fields: {}, persona: "lost" } };
    await seed(db, shopId, Array.from({ length: 5_000 }, (_, i) => (i % 2 ? written : never)));
    const store = shopifyStore({ labels: true, fields: true, segments: true, personaChangedTrigger: true });
    const turnsDuring = async <T>(work: () => Promise<T>): Promise<[T, boolean]> => {
      let turned = false;
      setTimeout(() => (turned = true), 0);
      const result = await work();
      return [result, turned];
    };

    const [summary, turnedInSummary] = await turnsDuring(() => writebackSummary(db, shopId, store));
    const [removal, turnedInRemoval] = await turnsDuring(() => removalSummary(db, shopId, store));
    // What a write-back run plans from (runWriteback: every customer, a page at a time).
    const [read, turnedInRead] = await turnsDuring(async () => {
      const keys: string[] = [];
      await scanCustomers(db, shopId, (row) => keys.push(row.customerKey));
      return keys;
    });

    expect(summary.customers).toBe(5_000);
    expect(removal.customers).toBe(2_500);
    expect(read).toEqual([...read].sort()); // key order, as the plan's ties keep it
    expect(new Set(read).size).toBe(5_000);
    expect(turnedInSummary).toBe(true);
    expect(turnedInRemoval).toBe(true);
    expect(turnedInRead).toBe(true);
  });

  it.skipIf(onPostgres())("GIVEN a shop of several pages of customers, none written to yet WHEN the removal numbers are counted THEN the event loop turns before they are done", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "none-written.myshopify.com", { writeConsent: "pending" });
    const never: Generated = { kind: "customer", guestFlag: false, persona: "champions", previousPersona: null, r: 5, f: 5, m: 5, personaSince: null, scoredAt: 20_400 * DAY, written: null, writeStatus: null, writeAttempts: 0 };
    await seed(db, shopId, Array.from({ length: 5_000 }, () => never));
    let turned = false;
    setTimeout(() => (turned = true), 0);

    const removal = await removalSummary(db, shopId, shopifyStore({ labels: true, fields: true, segments: true, personaChangedTrigger: true }));

    expect(removal.customers).toBe(0);
    expect(turned).toBe(true);
  });
});
