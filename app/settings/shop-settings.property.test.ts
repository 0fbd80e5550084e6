/**
 * Whatever the settings schema accepts, the engine must accept too: the map compiles,
 * customers score, and every page built on them renders. fast-check generates settings
 * around every limit the engine has (persona count, reserved slugs, slug lengths,
 * ranges, edges, composite weights, lookback window, lists).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { personaCatalog } from "~/dashboard/catalog.server";
import { compilePersonaMap, personaRulesFor, scoreCustomers, validatePersonaMap } from "~/rfm";
import { order } from "~/rfm/test/fixtures";
import { personaTag } from "~/writeback/naming";
import { parseShopSettings, rfmPart } from "./shop-settings";

const score = fc.integer({ min: 0, max: 6 }); // 0 and 6 are out of range on purpose
const range = fc.oneof(
  { weight: 40, arbitrary: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]) },
  { weight: 1, arbitrary: fc.tuple(score, score) },
);

const name = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("Champions", "Lost", "Can't Lose Them", "Ünïcödé Fans", "VIP", "Big Spenders") },
  // Edge cases: the engine's own slugs, no slug-able character, too long, and a slug NFKD stretches past 60 characters ("ﬃ" → "ffi").
  { weight: 2, arbitrary: fc.constantFrom("Others", "others", "!!!", " ", "x".repeat(61), "ﬃ".repeat(20), "ﬃ".repeat(21)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
);
const slug = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 400 }).map((n) => `p${n}`) },
    { weight: 2, arbitrary: fc.constantFrom("others", "lost", "champions", "a".repeat(60)) },
    { weight: 1, arbitrary: fc.constantFrom("a".repeat(61), "Bad Slug", "double--hyphen") },
  ),
  { nil: undefined },
);
const rule = fc.record(
  { name, slug, color: fc.option(fc.constantFrom("#123456", "#abcdef", "#ABCDEF"), { nil: undefined }), r: range, f: range, m: range },
  { requiredKeys: ["name", "r", "f", "m"] },
);
/** Up to 252 rules with their own slugs: around the 250-persona limit, with and without Lost and gaps. */
const manyRules = fc
  .tuple(fc.integer({ min: 240, max: 253 }), fc.boolean(), fc.boolean())
  .map(([n, withLost, complete]) =>
    Array.from({ length: n }, (_, i) => ({
      name: `Persona ${i}`,
      slug: withLost && i === 0 ? "lost" : `p${i}`,
      r: complete && i === n - 1 ? [1, 5] : [1 + (i % 5), 1 + (i % 5)],
      f: complete && i === n - 1 ? [1, 5] : [1, 2],
      m: [1, 5],
    })),
  );

const personas = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ map: "default" }) },
  { weight: 6, arbitrary: fc.record({ map: fc.constant("custom"), rules: fc.oneof({ weight: 20, arbitrary: fc.array(rule, { minLength: 1, maxLength: 10 }) }, { weight: 1, arbitrary: fc.constant([]) }) }) },
  { weight: 2, arbitrary: fc.record({ map: fc.constant("custom"), rules: manyRules }) },
);

const edgeValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e12 }),
  fc.constantFrom(0, -1, 1, 1e308, -1e308, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER),
);
const edges = fc.oneof(
  { weight: 8, arbitrary: fc.uniqueArray(edgeValue, { minLength: 4, maxLength: 4 }).map((e) => [...e].sort((a, b) => a - b)) },
  { weight: 1, arbitrary: fc.array(edgeValue, { minLength: 3, maxLength: 5 }) },
);
const weight = fc.oneof(
  { weight: 3, arbitrary: fc.double({ noNaN: true, min: 0, max: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 1000, 1001, Number.MIN_VALUE, 1e-300, 1e308, Number.MAX_VALUE, -1) },
);
const scoring = fc.record(
  {
    mode: fc.constantFrom("quantiles", "edges"),
    edges: fc.oneof({ weight: 3, arbitrary: fc.record({ r: edges, f: edges, m: edges }) }, { weight: 1, arbitrary: fc.record({ r: edges, f: edges, m: edges }, { requiredKeys: [] }) }),
    composite: fc.record({ f: weight, m: weight }),
  },
  { requiredKeys: ["mode"] },
);

const rules = fc.record(
  {
    lookbackDays: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 40_000 })),
    excludedTags: fc.array(fc.oneof(fc.constantFrom("wholesale", "staff"), fc.string({ maxLength: 300 })), { maxLength: 3 }),
    excludedChannels: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom("pos", "web") }, { weight: 1, arbitrary: fc.constantFrom(" ", "x".repeat(256)) }), { maxLength: 2 }),
    excludePos: fc.boolean(),
  },
  { requiredKeys: [] },
);

const writeback = fc.record({ tagPrefix: fc.constantFrom("rfm:", "", "x".repeat(20)) }, { requiredKeys: [] });

const settingsInput = fc.record({ rules, scoring, personas, writeback }, { requiredKeys: [] });

/** A few customers spread over recency, frequency and spend, some before the window. */
const sampleOrders = fc
  .array(fc.record({ customer: fc.integer({ min: 1, max: 12 }), daysAgo: fc.integer({ min: 0, max: 3000 }), cents: fc.integer({ min: 0, max: 5_000_000 }) }), {
    minLength: 0,
    maxLength: 40,
  })
  .map((rows) =>
    rows.map(({ customer, daysAgo, cents }) =>
      order({
        customerKey: `c${customer}`,
        processedAt: new Date(Date.UTC(2026, 5, 30) - daysAgo * 86_400_000).toISOString(),
        amountMinor: cents,
        channel: daysAgo % 7 === 0 ? "pos" : "web",
      }),
    ),
  );

const AS_OF = new Date("2026-06-30T12:00:00Z");

describe("settings the schema accepts", () => {
  it("GIVEN any settings the schema accepts WHEN the engine compiles the map and scores customers THEN nothing throws and every result is in range", () => {
    let accepted = 0;
    let customMaps = 0;
    fc.assert(
      fc.property(settingsInput, sampleOrders, (input, orders) => {
        const parsed = parseShopSettings(input);
        if (!parsed.ok) {
          // A refusal always names the field it is about.
          for (const e of parsed.errors) expect(e.path).not.toBe("");
          return;
        }
        accepted++;
        const { settings } = parsed;
        if (settings.personas.map === "custom") customMaps++;

        const rules = personaRulesFor(settings.personas);
        const map = compilePersonaMap(rules);
        validatePersonaMap(rules);
        expect(new Set(map.personas.map((p) => p.slug)).size).toBe(map.personas.length);

        const result = scoreCustomers(orders, rfmPart(settings), AS_OF);
        const slugs = new Set(map.personas.map((p) => p.slug));
        for (const c of result.customers) {
          for (const s of [c.r, c.f, c.m]) expect(s >= 1 && s <= 5).toBe(true);
          if (settings.scoring.composite) expect(c.fm! >= 1 && c.fm! <= 5).toBe(true);
          expect(slugs.has(c.persona)).toBe(true);
        }

        // What the admin pages and write-back build from the same settings.
        for (const p of personaCatalog(settings)) expect(personaTag(settings.writeback, p.slug).length).toBeLessThanOrEqual(255);
      }),
      { numRuns: 400 },
    );
    // The generator must reach the engine often enough to mean something. Custom maps now
    // also have to cover every cell to be accepted, so fewer get through (about 1 in 10, seen
    // as low as 38 in 400): the floor sits well below that so a random run never trips it.
    expect(accepted).toBeGreaterThan(80);
    expect(customMaps).toBeGreaterThan(20);
  });
});

describe("settings the engine would reject", () => {
  const custom = (rules: unknown[]) => parseShopSettings({ personas: { map: "custom", rules } });
  const errorsOf = (result: ReturnType<typeof parseShopSettings>) =>
    result.ok ? {} : Object.fromEntries(result.errors.map((e) => [e.path, e.message]));

  it("GIVEN 251 personas (249 rules + Others + Lost) WHEN parsed THEN refused on personas.rules, while 250 are accepted", () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `P${i}`, r: [1, 1], f: [1, 1], m: [1, 1] }));

    expect(errorsOf(custom(rules(249)))["personas.rules"]).toMatch(/at most 250 personas; this one makes 251/);
    expect(custom(rules(248)).ok).toBe(true);
    expect(() => compilePersonaMap(rules(249) as never)).toThrow(/at most 250 personas/); // the engine's own limit
  });

  it("GIVEN a rule taking the slug \"others\" while cells are unmatched WHEN parsed THEN refused on that rule's slug", () => {
    const result = custom([{ name: "Best", r: [5, 5], f: [5, 5], m: [5, 5] }, { name: "Others", r: [1, 1], f: [1, 1], m: [1, 1] }]);

    expect(errorsOf(result)["personas.rules.1.slug"]).toMatch(/"others" is kept for the 123 score cells/);
    // Covering every cell, a rule may be the catch-all "Others".
    expect(custom([{ name: "Best", r: [5, 5], f: [5, 5], m: [5, 5] }, { name: "Others", r: [1, 5], f: [1, 5], m: [1, 5] }]).ok).toBe(true);
  });

  it("GIVEN weights that overflow, long slugs and long lists WHEN parsed THEN each is refused on its field", () => {
    const result = parseShopSettings({
      scoring: { composite: { f: Number.MAX_VALUE, m: 1 } },
      rules: { excludedTags: Array.from({ length: 251 }, (_, i) => `t${i}`) },
      personas: { map: "custom", rules: [{ name: "x", slug: "a".repeat(61), r: [1, 5], f: [1, 5], m: [1, 5] }, { name: "ﬃ".repeat(25), r: [1, 5], f: [1, 5], m: [1, 5] }] },
    });

    const errors = errorsOf(result);
    expect(errors["scoring.composite.f"]).toMatch(/at most 1000/);
    expect(errors["rules.excludedTags"]).toMatch(/at most 250 tags/);
    expect(errors["personas.rules.0.slug"]).toMatch(/at most 60 characters/);
    expect(errors["personas.rules.1.slug"]).toMatch(/longer than 60 characters/);
  });
});
