import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { desiredState, personaNamesFor, writability, type DesiredContext, type WritebackCustomer } from "~/writeback/desired";
import { applyPlan, diffStates, isEmptyPlan, planCustomer, settleCustomer } from "~/writeback/plan";
import { planShop, type CustomerRow } from "~/writeback/shop-plan";
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
  it("GIVEN a scored customer WHEN desired THEN exactly one persona tag and the persona metafields", () => {
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

  it("GIVEN extraTags WHEN desired THEN score tags join the persona tag", () => {
    expect(desiredState(customer(), ctx({ extraTags: true })).labels).toEqual([
      "rfm:champions",
      "rfm:r5",
      "rfm:f4",
      "rfm:m5",
      "rfm:score:545",
    ]);
  });

  it("GIVEN no persona WHEN desired THEN nothing of ours", () => {
    expect(desiredState(customer({ persona: null, r: null, f: null, m: null }), ctx())).toEqual({ labels: [], fields: {}, persona: null });
  });

  it("GIVEN guests and foreign keys WHEN classified THEN only Shopify customers are writable", () => {
    expect(writability({ customerKey: "email:a@b.c", guest: true }, isWritable)).toBe("guest");
    expect(writability({ customerKey: "gid://shopify/Customer/1", guest: false }, isWritable)).toBe("writable");
    expect(writability({ customerKey: "42", guest: false }, isWritable)).toBe("not-a-customer");
  });
});

describe("plan", () => {
  it("GIVEN the same state as written WHEN planned THEN nothing to do", () => {
    const desired = desiredState(customer(), ctx());
    expect(isEmptyPlan(planCustomer(desired, desired).plan)).toBe(true);
  });

  it("GIVEN only computed_at changed WHEN planned THEN the customer is not dirty", () => {
    const written = desiredState(customer(), ctx());
    const desired = desiredState(customer({ scoredAt: T0 + 86_400_000 }), ctx());
    const { target, plan } = planCustomer(desired, written);
    expect(isEmptyPlan(plan)).toBe(true);
    expect(target.fields["$app.computed_at"]).toBe("2026-11-01T06:00:00Z");
  });

  it("GIVEN a persona change WHEN planned THEN the tag is swapped and computed_at written with it", () => {
    const written = desiredState(customer(), ctx());
    const desired = desiredState(customer({ persona: "at-risk", previousPersona: "champions", r: 2, scoredAt: T0 + 86_400_000 }), ctx());
    const { plan } = planCustomer(desired, written);
    expect(plan.labelsAdd).toEqual(["rfm:at-risk"]);
    expect(plan.labelsRemove).toEqual(["rfm:champions"]);
    expect(plan.fieldsSet.map((m) => m.key).sort()).toEqual(["computed_at", "persona", "previous_persona", "r_score", "score"]);
    expect(metafieldWrite(plan.fieldsSet.find((m) => m.key === "r_score")!)).toMatchObject({ type: "number_integer", value: "2" });
  });

  it("GIVEN a prefix change WHEN planned THEN the old-prefix tags we wrote are removed", () => {
    const written = desiredState(customer(), ctx({ extraTags: true }));
    const { plan } = planCustomer(desiredState(customer(), ctx({ tagPrefix: "persona-" })), written);
    expect(plan.labelsAdd).toEqual(["persona-champions"]);
    expect(plan.labelsRemove.sort()).toEqual(["rfm:champions", "rfm:f4", "rfm:m5", "rfm:r5", "rfm:score:545"]);
  });

  it("GIVEN a customer who lost their persona WHEN planned THEN tag removed and metafields deleted", () => {
    const written = desiredState(customer(), ctx());
    const { plan } = planCustomer(desiredState(customer({ persona: null }), ctx()), written);
    expect(plan.labelsRemove).toEqual(["rfm:champions"]);
    expect(plan.fieldsDelete).toHaveLength(8);
    expect(plan.fieldsSet).toEqual([]);
  });

  it("GIVEN a completed persona change after the first run WHEN settled THEN a Flow trigger is owed", () => {
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

  it("PROPERTY: applying the plan yields the target; the merchant's tags survive; planning again is empty", () => {
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

  it("PROPERTY: a plan only removes tags we wrote and never adds and removes the same tag", () => {
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

  it("GIVEN guests, unchanged and changed customers WHEN planned THEN each is counted and only changes become jobs", () => {
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

  it("GIVEN a customer written under the legacy merchant namespace WHEN planned THEN its rfm values are deleted and the $app ones set", () => {
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

  it("GIVEN a held key (its definition has another type) WHEN planned THEN it is neither set nor deleted, the rest is written", () => {
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

  it("GIVEN a full run WHEN planned THEN everything wanted is re-sent, still removing only our tags", () => {
    const written = desiredState(customer(), ctx());
    const plan = planShop([row({ written: serializeWritten(written) })], { ...ctx(), isWritable }, { full: true });
    expect(plan.jobs[0].plan.labelsAdd).toEqual(["rfm:champions"]);
    expect(plan.jobs[0].plan.fieldsSet).toHaveLength(8);
    expect(plan.jobs[0].plan.labelsRemove).toEqual([]);
  });
});
