import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { desiredState, personaNamesFor, writability, type DesiredContext, type WritebackCustomer } from "~/writeback/desired";
import { applyPlan, diffStates, isEmptyPlan, kindsOf, operationsFor, planCustomer, settleCustomer } from "~/writeback/plan";
import { holdKeys, planShop, type CustomerRow } from "~/writeback/shop-plan";
import { serializeWritten, type StoreState } from "~/writeback/state";
import { shopifyCustomerIds } from "~/platforms/shopify/ids";
import { metafieldWrite } from "~/platforms/shopify/writeback/metafields";

/** Where the writer keeps our fields (Shopify: the app-reserved metafield namespace). */
const fieldPlace = "$app";
const isWritable = shopifyCustomerIds.isWritable;

const personaName = personaNamesFor({ map: "default" });
const ctx = (over: Partial<DesiredContext["writeback"]> = {}): DesiredContext => ({
  writeback: { tagPrefix: "rfm:", extraTags: false, ...over },
  personaName,
  fieldPlace,
});

const T0 = Date.parse("2026-11-01T06:00:00Z");
const customer = (over: Partial<WritebackCustomer> = {}): WritebackCustomer => ({
  customerKey: "gid://shopify/Customer/7100000000001",
  guest: false,
  persona: "champions",
  previousPersona: "loyal",
  personaSince: T0,
  r: 5,
  f: 4,
  m: 5,
  scoredAt: T0,
  ...over,
});

/** A customer in the store: the merchant's tags plus ours, and our metafields. */
interface Store {
  tags: string[];
  metafields: Record<string, string>;
}

function applyToStore(store: Store, plan: ReturnType<typeof diffStates>): Store {
  const removed = new Set(plan.labelsRemove.map((t) => t.toLowerCase()));
  const tags = store.tags.filter((t) => !removed.has(t.toLowerCase()));
  for (const t of plan.labelsAdd) if (!tags.some((x) => x.toLowerCase() === t.toLowerCase())) tags.push(t);
  const metafields = { ...store.metafields };
  for (const m of plan.fieldsDelete) delete metafields[`${m.place}.${m.key}`];
  for (const m of plan.fieldsSet) metafields[`${m.place}.${m.key}`] = m.value;
  return { tags, metafields };
}

const lower = (tags: string[]) => tags.map((t) => t.toLowerCase()).sort();
const withoutComputedAt = (mf: Record<string, string>) => Object.fromEntries(Object.entries(mf).filter(([id]) => !id.endsWith(".computed_at")));

const slugs = ["champions", "loyal", "at-risk", "lost", "new-customers", "r5"];
const score = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 8 });
const customerArb = fc.record({
  persona: fc.option(fc.constantFrom(...slugs), { nil: null, freq: 6 }),
  previousPersona: fc.option(fc.constantFrom(...slugs), { nil: null }),
  personaSince: fc.option(fc.integer({ min: T0 - 400 * 86_400_000, max: T0 }), { nil: null }),
  r: score,
  f: score,
  m: score,
  scoredAt: fc.option(fc.integer({ min: T0, max: T0 + 30 * 86_400_000 }), { nil: null }),
});
const settingsArb = fc.record({
  tagPrefix: fc.constantFrom("rfm:", "RFM-", "p_", ""),
  extraTags: fc.boolean(),
});
// The merchant's own tags, some deliberately close to ours. A tag identical to one we write
// cannot be told apart from ours (write-back never reads tags back), so none is.
const merchantTagsArb = fc.uniqueArray(fc.constantFrom("vip", "wholesale", "rfm", "rfm:champions-fan", "Loyal-ish", "Newsletter", "p_x", "RFM-"), {
  selector: (t) => t.toLowerCase(),
});

describe("desired state", () => {
  it("GIVEN a scored customer WHEN desired THEN exactly one persona tag and the persona metafields", async () => {
    const state = desiredState(customer(), ctx());
    expect(state.labels).toEqual(["rfm:champions"]);
    expect(state.fields).toEqual({
      "$app.persona": "Champions",
      "$app.r_score": "5",
      "$app.f_score": "4",
      "$app.m_score": "5",
      "$app.score": "545",
      "$app.previous_persona": "Loyal",
      "$app.persona_since": "2026-11-01",
      "$app.computed_at": "2026-11-01T06:00:00Z",
    });
  });

  it("GIVEN extraTags WHEN desired THEN score tags join the persona tag", async () => {
    expect(desiredState(customer(), ctx({ extraTags: true })).labels).toEqual([
      "rfm:champions",
      "rfm:r5",
      "rfm:f4",
      "rfm:m5",
      "rfm:score:545",
    ]);
  });

  it("GIVEN no persona WHEN desired THEN nothing of ours", async () => {
    expect(desiredState(customer({ persona: null, r: null, f: null, m: null }), ctx())).toEqual({ labels: [], fields: {}, persona: null });
  });

  it("GIVEN guests and foreign keys WHEN classified THEN only Shopify customers are writable", async () => {
    expect(writability({ customerKey: "email:a@b.c", guest: true }, isWritable)).toBe("guest");
    expect(writability({ customerKey: "gid://shopify/Customer/1", guest: false }, isWritable)).toBe("writable");
    expect(writability({ customerKey: "42", guest: false }, isWritable)).toBe("not-a-customer");
  });
});

describe("plan", () => {
  it("GIVEN the same state as written WHEN planned THEN nothing to do", async () => {
    const desired = desiredState(customer(), ctx());
    expect(isEmptyPlan(planCustomer(desired, desired).plan)).toBe(true);
  });

  it("GIVEN only computed_at changed WHEN planned THEN the customer is not dirty", async () => {
    const written = desiredState(customer(), ctx());
    const desired = desiredState(customer({ scoredAt: T0 + 86_400_000 }), ctx());
    const { target, plan } = planCustomer(desired, written);
    expect(isEmptyPlan(plan)).toBe(true);
    expect(target.fields["$app.computed_at"]).toBe("2026-11-01T06:00:00Z");
  });

  it("GIVEN a persona change WHEN planned THEN the tag is swapped and computed_at written with it", async () => {
    const written = desiredState(customer(), ctx());
    const desired = desiredState(customer({ persona: "at-risk", previousPersona: "champions", r: 2, scoredAt: T0 + 86_400_000 }), ctx());
    const { plan } = planCustomer(desired, written);
    expect(plan.labelsAdd).toEqual(["rfm:at-risk"]);
    expect(plan.labelsRemove).toEqual(["rfm:champions"]);
    expect(plan.fieldsSet.map((m) => m.key).sort()).toEqual(["computed_at", "persona", "previous_persona", "r_score", "score"]);
    expect(metafieldWrite(plan.fieldsSet.find((m) => m.key === "r_score")!)).toMatchObject({ type: "number_integer", value: "2" });
  });

  it("GIVEN a prefix change WHEN planned THEN the old-prefix tags we wrote are removed", async () => {
    const written = desiredState(customer(), ctx({ extraTags: true }));
    const { plan } = planCustomer(desiredState(customer(), ctx({ tagPrefix: "persona-" })), written);
    expect(plan.labelsAdd).toEqual(["persona-champions"]);
    expect(plan.labelsRemove.sort()).toEqual(["rfm:champions", "rfm:f4", "rfm:m5", "rfm:r5", "rfm:score:545"]);
  });

  it("GIVEN a customer who lost their persona WHEN planned THEN tag removed and metafields deleted", async () => {
    const written = desiredState(customer(), ctx());
    const { plan } = planCustomer(desiredState(customer({ persona: null }), ctx()), written);
    expect(plan.labelsRemove).toEqual(["rfm:champions"]);
    expect(plan.fieldsDelete).toHaveLength(8);
    expect(plan.fieldsSet).toEqual([]);
  });

  it("GIVEN a completed persona change after the first run WHEN settled THEN a Flow trigger is owed", async () => {
    const written = { ...desiredState(customer(), ctx()) };
    const desired = desiredState(customer({ persona: "at-risk", r: 2 }), ctx());
    const { target, plan } = planCustomer(desired, written);
    const all = { labelsAdd: true, labelsRemove: true, fieldsSet: true, fieldsDelete: true };
    expect(settleCustomer(written, target, plan, all, { trigger: true }).next.trigger).toEqual({ from: "Champions", to: "At Risk", score: "245" });
    expect(settleCustomer(written, target, plan, all, { trigger: false }).next.trigger).toBeUndefined();
    const partial = settleCustomer(written, target, plan, { labelsAdd: true }, { trigger: true });
    expect(partial.complete).toBe(false);
    expect(partial.next.persona).toBe("champions");
    expect(partial.next.trigger).toBeUndefined();
  });

  it("PROPERTY: applying the plan yields the target; the merchant's tags survive; planning again is empty", async () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(customerArb, settingsArb), { minLength: 1, maxLength: 6 }), merchantTagsArb, (runs, merchantTags) => {
        let written: StoreState | null = null;
        let store: Store = { tags: [...merchantTags], metafields: {} };
        for (const [c, settings] of runs) {
          const desired = desiredState(customer(c), { writeback: settings, personaName, fieldPlace });
          const { target, plan } = planCustomer(desired, written);
          expect(plan.labelsRemove.every((t) => written!.labels.includes(t))).toBe(true);
          store = applyToStore(store, plan);
          written = { ...applyPlan(written, plan), persona: target.persona };

          // What the store carries is exactly what we want (computed_at aside when nothing else changed)...
          expect(lower(written.labels)).toEqual(lower(desired.labels));
          expect(withoutComputedAt(written.fields)).toEqual(withoutComputedAt(desired.fields));
          expect(store.metafields).toEqual(written.fields);
          // ...plus the merchant's own tags, untouched.
          const ours = new Set(lower(written.labels));
          expect(lower(store.tags)).toEqual(lower([...merchantTags.filter((t) => !ours.has(t.toLowerCase())), ...written.labels]));
          for (const t of merchantTags) expect(store.tags.map((x) => x.toLowerCase())).toContain(t.toLowerCase());
          // Idempotent.
          expect(isEmptyPlan(planCustomer(desired, written).plan)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("PROPERTY: a plan only removes tags we wrote and never adds and removes the same tag", async () => {
    fc.assert(
      fc.property(customerArb, settingsArb, customerArb, settingsArb, (a, sa, b, sb) => {
        const written = desiredState(customer(a), { writeback: sa, personaName, fieldPlace });
        const { plan } = planCustomer(desiredState(customer(b), { writeback: sb, personaName, fieldPlace }), written);
        const ours = new Set(written.labels);
        expect(plan.labelsRemove.every((t) => ours.has(t))).toBe(true);
        const added = new Set(plan.labelsAdd.map((t) => t.toLowerCase()));
        expect(plan.labelsRemove.some((t) => added.has(t.toLowerCase()))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("shop plan", () => {
  const row = (over: Partial<CustomerRow>): CustomerRow => ({ ...customer(), written: null, writeStatus: null, writeAttempts: 0, ...over });

  it("GIVEN guests, unchanged and changed customers WHEN planned THEN each is counted and only changes become jobs", async () => {
    const unchanged = desiredState(customer({ customerKey: "gid://shopify/Customer/2" }), ctx());
    const plan = planShop(
      [
        row({ customerKey: "email:guest@example.com", guest: true }),
        row({ customerKey: "gid://shopify/Customer/1" }),
        row({ customerKey: "gid://shopify/Customer/2", written: serializeWritten(unchanged) }),
        row({ customerKey: "gid://shopify/Customer/3", persona: null }),
        row({ customerKey: "gid://shopify/Customer/4", writeStatus: "failed", writeAttempts: 5 }),
      ],
      { ...ctx(), isWritable },
    );
    expect(plan.counts).toMatchObject({ customers: 5, guests: 1, unchanged: 2, toWrite: 1, skippedFailing: 1 });
    expect(plan.jobs.map((j) => j.customerKey)).toEqual(["gid://shopify/Customer/1"]);
  });

  it("GIVEN persona changes and score-only changes with different last orders WHEN planned THEN persona changes come first, each kind latest buyer first, ties in key order", async () => {
    const DAY = 86_400_000;
    const writtenAs = (persona: string, r: number) => serializeWritten(desiredState(customer({ persona, r }), ctx()));
    const plan = planShop(
      [
        row({ customerKey: "gid://shopify/Customer/1", r: 4, written: writtenAs("champions", 5), lastOrderAt: T0 - 9 * DAY }),
        row({ customerKey: "gid://shopify/Customer/2", persona: "loyal", written: writtenAs("champions", 5), lastOrderAt: T0 - 30 * DAY }),
        row({ customerKey: "gid://shopify/Customer/3", r: 4, written: writtenAs("champions", 5), lastOrderAt: T0 }),
        row({ customerKey: "gid://shopify/Customer/4", persona: "loyal", written: writtenAs("champions", 5), lastOrderAt: T0 }),
        row({ customerKey: "gid://shopify/Customer/5", persona: "loyal", written: writtenAs("champions", 5), lastOrderAt: null }),
        row({ customerKey: "gid://shopify/Customer/6", persona: "loyal", written: writtenAs("champions", 5), lastOrderAt: T0 }),
      ],
      { ...ctx(), isWritable },
    );
    expect(plan.jobs.map((j) => j.customerKey.split("/").pop())).toEqual(["4", "6", "2", "5", "3", "1"]);
  });

  it("GIVEN buyers of today rescored 1 and 5 minutes ago (a last order is stored as its day) and older persona changes WHEN planned THEN those who just ordered come first, the longest waiting first whatever their keys, then the others latest buyer first", async () => {
    const MINUTE = 60_000;
    const DAY = 86_400_000;
    const today = Math.floor(T0 / DAY) * DAY;
    const writtenAs = (persona: string, r: number) => serializeWritten(desiredState(customer({ persona, r }), ctx()));
    const moved = (n: number, lastOrderAt: number, scoredAt: number) =>
      row({ customerKey: `gid://shopify/Customer/${n}`, persona: "loyal", written: writtenAs("champions", 5), lastOrderAt, scoredAt });
    const plan = planShop(
      [
        moved(1, today - 2 * DAY, T0 - 2 * DAY),
        moved(2, today, T0 - MINUTE),
        moved(3, today, T0 - 5 * MINUTE),
        moved(4, today - 9 * DAY, T0),
        row({ customerKey: "gid://shopify/Customer/5", r: 4, written: writtenAs("champions", 5), lastOrderAt: today, scoredAt: T0 - 9 * MINUTE }),
      ],
      { ...ctx(), isWritable, nowMs: T0 },
    );
    expect(plan.jobs.map((j) => j.customerKey.split("/").pop())).toEqual(["3", "2", "1", "4", "5"]);
  });

  it("GIVEN a customer written under the legacy merchant namespace WHEN planned THEN its rfm values are deleted and the $app ones set", async () => {
    const current = desiredState(customer(), ctx());
    const legacy = {
      ...current,
      fields: Object.fromEntries(Object.entries(current.fields).map(([id, v]) => [id.replace(/^\$app\./, "rfm."), v])),
    };
    const plan = planShop([row({ written: serializeWritten(legacy), writeStatus: "ok" })], { ...ctx(), isWritable });
    expect(plan.jobs).toHaveLength(1);
    const { fieldsSet, fieldsDelete, labelsAdd, labelsRemove } = plan.jobs[0].plan;
    expect(fieldsDelete.map((m) => `${m.place}.${m.key}`).sort()).toEqual(Object.keys(legacy.fields).sort());
    expect(fieldsSet.map((m) => `${m.place}.${m.key}`).sort()).toEqual(Object.keys(current.fields).sort());
    expect([...labelsAdd, ...labelsRemove]).toEqual([]);
  });

  it("GIVEN a held key (its definition has another type) WHEN planned THEN it is neither set nor deleted, the rest is written", async () => {
    const fresh = planShop([row({})], { ...ctx(), isWritable }, { heldFieldKeys: ["r_score"] });
    expect(fresh.jobs[0].plan.fieldsSet.map((m) => m.key)).not.toContain("r_score");
    expect(fresh.jobs[0].plan.fieldsSet).toHaveLength(7);

    const written = desiredState(customer(), ctx());
    const changed = planShop([row({ r: 1, written: serializeWritten(written), writeStatus: "ok" })], { ...ctx(), isWritable }, { heldFieldKeys: ["r_score"] });
    const job = changed.jobs[0];
    expect(job.plan.fieldsSet.map((m) => m.key)).toContain("score");
    expect(job.plan.fieldsSet.map((m) => m.key)).not.toContain("r_score");
    expect(job.plan.fieldsDelete).toEqual([]);
    expect(job.target.fields["$app.r_score"]).toBe("5");
  });

  it("GIVEN a full run WHEN planned THEN everything wanted is re-sent, still removing only our tags", async () => {
    const written = desiredState(customer(), ctx());
    const plan = planShop([row({ written: serializeWritten(written) })], { ...ctx(), isWritable }, { full: true });
    expect(plan.jobs[0].plan.labelsAdd).toEqual(["rfm:champions"]);
    expect(plan.jobs[0].plan.fieldsSet).toHaveLength(8);
    expect(plan.jobs[0].plan.labelsRemove).toEqual([]);
  });
});

describe("what a store can carry and which customers it can take", () => {
  it("GIVEN a store that carries no labels (or no fields) WHEN desired THEN none of them is planned, the rest is", async () => {
    const noLabels = desiredState(customer(), { ...ctx({ extraTags: true }), carries: { labels: false, fields: true } });
    expect(noLabels.labels).toEqual([]);
    expect(Object.keys(noLabels.fields)).toHaveLength(8);
    const noFields = desiredState(customer(), { ...ctx(), carries: { labels: true, fields: false } });
    expect(noFields).toEqual({ labels: ["rfm:champions"], fields: {}, persona: "champions" });
  });

  it("GIVEN a customer with a persona but an incomplete score WHEN desired THEN no score labels or score fields, and nothing dated that is unknown", async () => {
    const state = desiredState(customer({ m: null, previousPersona: null, personaSince: null, scoredAt: null }), ctx({ extraTags: true }));
    expect(state.labels).toEqual(["rfm:champions"]);
    expect(state.fields).toEqual({ "$app.persona": "Champions" });
  });

  it("GIVEN a custom persona whose slug spells a score label WHEN desired with score labels THEN the label appears once", async () => {
    const state = desiredState(customer({ persona: "r5", r: 5 }), ctx({ extraTags: true, tagPrefix: "RFM-" }));
    expect(state.labels).toEqual(["RFM-r5", "RFM-f4", "RFM-m5", "RFM-score:545"]);
    expect(state.fields["$app.persona"]).toBe("r5"); // a slug the map does not know keeps its slug as name
  });

  it("GIVEN a guest key not flagged as guest WHEN classified THEN it is still a guest", async () => {
    expect(writability({ customerKey: "email:a@b.c", guest: false }, () => true)).toBe("guest");
    expect(writability({ customerKey: "gid://shopify/Customer/1", guest: true }, () => true)).toBe("guest");
  });
});

describe("shop plan: counts, retries, resumes and triggers", () => {
  const row = (over: Partial<CustomerRow>): CustomerRow => ({ ...customer(), written: null, writeStatus: null, writeAttempts: 0, ...over });
  const shop = { ...ctx(), isWritable };

  it("GIVEN every kind of customer WHEN planned THEN the counts say exactly how many of each", async () => {
    const unchanged = serializeWritten(desiredState(customer(), ctx()));
    const inFlight = serializeWritten({ ...desiredState(customer(), ctx()), transport: { run: 7 } });
    const plan = planShop(
      [
        row({ customerKey: "email:a@example.com", guest: true }),
        row({ customerKey: "42" }),
        row({ customerKey: "43" }),
        row({ customerKey: "gid://shopify/Customer/1", written: inFlight }),
        row({ customerKey: "gid://shopify/Customer/2", written: unchanged }),
        row({ customerKey: "gid://shopify/Customer/3", writeStatus: "failed", writeAttempts: 4 }),
        row({ customerKey: "gid://shopify/Customer/4", writeStatus: "failed", writeAttempts: 5 }),
        row({ customerKey: "gid://shopify/Customer/5", writeStatus: "ok", writeAttempts: 9 }),
      ],
      shop,
    );
    expect(plan.counts).toEqual({ customers: 8, guests: 1, notWritable: 2, unchanged: 1, toWrite: 2, skippedFailing: 1, pending: 1 });
    expect(plan.jobs.map((j) => j.customerKey)).toEqual(["gid://shopify/Customer/3", "gid://shopify/Customer/5"]);
    expect(plan.jobs[0]).not.toHaveProperty("full");
    expect(plan.triggers).toEqual([]);
  });

  it("GIVEN a custom retry limit WHEN planned THEN a customer is skipped from that many failures on", async () => {
    const failing = [row({ customerKey: "gid://shopify/Customer/1", writeStatus: "failed", writeAttempts: 2 })];
    expect(planShop(failing, shop, { maxAttempts: 2 }).counts.skippedFailing).toBe(1);
    expect(planShop(failing, shop, { maxAttempts: 3 }).counts.toWrite).toBe(1);
  });

  it("GIVEN a full run WHEN a customer failed too often THEN it is retried and its job is marked full", async () => {
    const plan = planShop([row({ writeStatus: "failed", writeAttempts: 50 })], shop, { full: true });
    expect(plan.counts).toMatchObject({ toWrite: 1, skippedFailing: 0 });
    expect(plan.jobs[0].full).toBe(true);
  });

  it("GIVEN an unchanged customer still owed a persona-changed trigger WHEN planned THEN the trigger is queued, no write", async () => {
    const trigger = { from: "Loyal", to: "Champions", score: "545" };
    const written = { ...desiredState(customer(), ctx()), trigger };
    const plan = planShop([row({ written: serializeWritten(written) })], shop);
    expect(plan.jobs).toEqual([]);
    expect(plan.triggers).toEqual([{ customerKey: customer().customerKey, written: expect.objectContaining({ trigger }), trigger }]);
  });

  it("GIVEN a held key never written before WHEN planned THEN it stays absent from the target", async () => {
    const plan = planShop([row({})], shop, { heldFieldKeys: ["persona", "score"] });
    expect(Object.keys(plan.jobs[0].target.fields).sort()).toEqual(
      ["$app.computed_at", "$app.f_score", "$app.m_score", "$app.persona_since", "$app.previous_persona", "$app.r_score"].sort(),
    );
    expect(holdKeys(desiredState(customer(), ctx()), null, [], fieldPlace)).toEqual(desiredState(customer(), ctx()));
  });
});

describe("plan: partial writes and owed triggers", () => {
  const all = { labelsAdd: true, labelsRemove: true, fieldsSet: true, fieldsDelete: true };

  it("GIVEN only some operations succeeded WHEN applied THEN exactly those show in the recorded state", async () => {
    const written = desiredState(customer(), ctx());
    const desired = desiredState(customer({ persona: "at-risk", r: 2, previousPersona: null }), ctx());
    const { plan } = planCustomer(desired, written);
    expect(kindsOf(plan)).toEqual(["labelsAdd", "labelsRemove", "fieldsSet", "fieldsDelete"]);
    expect(applyPlan(written, plan, { labelsAdd: true }).labels).toEqual(["rfm:champions", "rfm:at-risk"]);
    expect(applyPlan(written, plan, { labelsRemove: true }).labels).toEqual([]);
    expect(applyPlan(written, plan, { fieldsSet: true }).fields["$app.persona"]).toBe("At Risk");
    expect(applyPlan(written, plan, { fieldsSet: true }).fields["$app.previous_persona"]).toBe("Loyal");
    expect(applyPlan(written, plan, { fieldsDelete: true }).fields).not.toHaveProperty("$app.previous_persona");
    expect(applyPlan(written, plan, {})).toEqual(written);
    expect(applyPlan(null, diffStates(null, desired))).toEqual({ ...desired, persona: null }); // all done by default; persona is settled apart
  });

  it("GIVEN labels differing only in case WHEN planned or applied THEN nothing is written twice", async () => {
    const written = { labels: ["RFM:Champions"], fields: {}, persona: "champions" };
    const plan = diffStates(written, { labels: ["rfm:champions"], fields: {}, persona: "champions" });
    expect(plan).toEqual({ labelsAdd: [], labelsRemove: [], fieldsSet: [], fieldsDelete: [] });
    const applied = applyPlan({ labels: ["rfm:a"], fields: {}, persona: null }, { ...plan, labelsAdd: ["RFM:A", "rfm:b", "RFM:B"] });
    expect(applied.labels).toEqual(["rfm:a", "rfm:b"]);
  });

  it("GIVEN a full run over a store edited in the admin WHEN planned THEN wanted labels and fields are re-sent and stale ones of ours removed", async () => {
    const written = { labels: ["RFM:champions", "rfm:old"], fields: { "$app.persona": "Champions", "$app.gone": "x" }, persona: "champions" };
    const target = { labels: ["rfm:champions"], fields: { "$app.persona": "Champions" }, persona: "champions" };
    expect(operationsFor(written, target, true)).toEqual({
      labelsAdd: ["rfm:champions"],
      labelsRemove: ["rfm:old"],
      fieldsSet: [{ place: "$app", key: "persona", value: "Champions" }],
      fieldsDelete: [{ place: "$app", key: "gone" }],
    });
    expect(operationsFor(null, target, true)).toEqual(diffStates(null, target));
    expect(operationsFor(written, target)).toEqual(diffStates(written, target));
  });

  it("GIVEN a persona that changes and changes back before the trigger is sent WHEN settled THEN no trigger is owed", async () => {
    const champion = desiredState(customer(), ctx());
    const owed = { ...desiredState(customer({ persona: "at-risk", r: 2 }), ctx()), trigger: { from: "Champions", to: "At Risk", score: "245" } };
    const { target, plan } = planCustomer(champion, owed);
    const { next, complete } = settleCustomer(owed, target, plan, all, { trigger: true });
    expect(complete).toBe(true);
    expect(next.persona).toBe("champions");
    expect(next.trigger).toBeUndefined();
  });

  it("GIVEN a trigger still owed and a further change WHEN settled THEN the trigger runs from the first persona to the newest", async () => {
    const owed = { ...desiredState(customer({ persona: "loyal" }), ctx()), trigger: { from: "Champions", to: "Loyal", score: "545" } };
    const desired = desiredState(customer({ persona: "at-risk", r: 2 }), ctx());
    const { target, plan } = planCustomer(desired, owed);
    expect(settleCustomer(owed, target, plan, all, { trigger: true }).next.trigger).toEqual({ from: "Champions", to: "At Risk", score: "245" });
    // Incomplete: the owed trigger is kept as it was.
    expect(settleCustomer(owed, target, plan, { labelsAdd: true }, { trigger: true }).next.trigger).toEqual(owed.trigger);
  });

  it("GIVEN a first write for a new customer WHEN settled THEN the trigger starts from no persona", async () => {
    const desired = desiredState(customer({ persona: "new-customers", r: 5, f: 1, m: 2 }), ctx());
    const { target, plan } = planCustomer(desired, null);
    expect(settleCustomer(null, target, plan, all, { trigger: true }).next).toMatchObject({
      persona: "new-customers",
      trigger: { from: "", to: "New Customers", score: "512" },
    });
    const unscored = desiredState(customer({ persona: "lost", r: null, f: null, m: null }), { ...ctx(), carries: { labels: true, fields: false } });
    const settled = settleCustomer(null, unscored, planCustomer(unscored, null).plan, all, { trigger: true });
    expect(settled.next.trigger).toBeUndefined(); // nothing to name on either side
  });

  it("GIVEN a persona rename only (same slug) WHEN planned THEN the field is updated and no trigger is owed", async () => {
    const written = desiredState(customer(), ctx());
    const renamed = desiredState(customer(), { ...ctx(), personaName: (slug) => (slug === "champions" ? "Stars" : slug) });
    const { target, plan } = planCustomer(renamed, written);
    expect(plan.fieldsSet.map((f) => f.key).sort()).toEqual(["persona", "previous_persona"]);
    expect(settleCustomer(written, target, plan, all, { trigger: true }).next.trigger).toBeUndefined();
  });
});
