import { describe, expect, it } from "vitest";
import { compilePersonaMap, personaRulesFor } from "./personas";
import { DEFAULT_SETTINGS, formatSettingsErrors, parseSettings, type PersonaRule } from "./settings";

describe("GIVEN no settings at all", () => {
  it("WHEN parsed THEN every counting rule has its documented default", () => {
    const parsed = parseSettings(undefined);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.settings.rules).toEqual({
      excludeSubscriptions: true,
      excludePos: true,
      excludeZeroPriceItems: true,
      excludeTest: true,
      excludeCancelled: true,
      netRefunds: true,
      lookbackDays: 365,
      excludedTags: [],
      excludedChannels: [],
    });
    expect(parsed.settings.scoring).toEqual({ mode: "quantiles" });
    expect(parsed.settings.personas).toEqual({ map: "default" });
    expect(DEFAULT_SETTINGS).toEqual(parsed.settings);
  });
});

describe("GIVEN partial settings", () => {
  it("WHEN only some fields are set THEN the rest take defaults", () => {
    const parsed = parseSettings({ rules: { excludePos: false, lookbackDays: null }, scoring: { composite: { f: 1, m: 2 } } });
    expect(parsed.ok && parsed.settings.rules.excludePos).toBe(false);
    expect(parsed.ok && parsed.settings.rules.lookbackDays).toBeNull();
    expect(parsed.ok && parsed.settings.rules.excludeTest).toBe(true);
    expect(parsed.ok && parsed.settings.scoring.composite).toEqual({ f: 1, m: 2 });
  });

  it("WHEN edges mode has all three edge lists THEN it is accepted", () => {
    const parsed = parseSettings({
      scoring: { mode: "edges", edges: { r: [115, 181, 297, 482], f: [4, 5, 6, 8], m: [25600, 38200, 50600, 66600] } },
    });
    expect(parsed.ok).toBe(true);
  });
});

describe("GIVEN invalid settings", () => {
  const errorsOf = (input: unknown) => {
    const parsed = parseSettings(input);
    if (parsed.ok) throw new Error("expected errors");
    return parsed.errors;
  };

  it("WHEN edges are not strictly increasing THEN the error names scoring.edges.r and why", () => {
    const errors = errorsOf({ scoring: { mode: "edges", edges: { r: [1, 2, 2, 3], f: [1, 2, 3, 4], m: [1, 2, 3, 4] } } });
    expect(formatSettingsErrors(errors)).toBe("scoring.edges.r: each edge must be higher than the one before");
  });

  it("WHEN an edge list has the wrong length THEN it says 4 edges are needed", () => {
    expect(errorsOf({ scoring: { edges: { f: [1, 2, 3] } } })).toEqual([
      { path: "scoring.edges.f", message: "enter exactly 4 edges (they divide customers into 5 scores)" },
    ]);
  });

  it("WHEN edges mode lacks a dimension THEN each missing one is named", () => {
    const errors = errorsOf({ scoring: { mode: "edges", edges: { r: [1, 2, 3, 4] } } });
    expect(errors.map((e) => e.path)).toEqual(["scoring.edges.f", "scoring.edges.m"]);
  });

  it("WHEN the lookback window is 0 or fractional THEN rules.lookbackDays is named", () => {
    expect(errorsOf({ rules: { lookbackDays: 0 } })[0]).toEqual({
      path: "rules.lookbackDays",
      message: "the lookback window is at least 1 day; to count every order, choose All time",
    });
    expect(errorsOf({ rules: { lookbackDays: 1.5 } })[0].path).toBe("rules.lookbackDays");
  });

  it("WHEN a key is misspelt THEN it is rejected rather than silently ignored", () => {
    const errors = errorsOf({ rules: { excludePOS: true } });
    expect(errors[0].path).toBe("rules");
    expect(errors[0].message).toContain("excludePOS");
  });

  it("WHEN a rule is the wrong type THEN the path points at it", () => {
    expect(errorsOf({ rules: { excludeTest: "yes" } })[0].path).toBe("rules.excludeTest");
  });

  it("WHEN both composite weights are 0 THEN it is rejected", () => {
    expect(errorsOf({ scoring: { composite: { f: 0, m: 0 } } })).toEqual([
      { path: "scoring.composite", message: "composite weights must not both be 0" },
    ]);
  });

  it("WHEN a custom persona rule has a reversed range, a bad colour or an unsluggable name THEN each is named", () => {
    const errors = errorsOf({
      personas: {
        map: "custom",
        rules: [
          { name: "VIP", r: [5, 4], f: [1, 5], m: [1, 5] },
          { name: "Bad colour", color: "red", r: [1, 5], f: [1, 5], m: [1, 5] },
          { name: "★★★", r: [1, 5], f: [1, 5], m: [0, 5] },
        ],
      },
    });
    expect(formatSettingsErrors(errors).split("\n")).toEqual([
      "personas.rules.0.r: the lower score must not be above the higher one",
      "personas.rules.1.color: use a colour code like #0B7A3E",
      "personas.rules.2.m.0: scores run 1–5",
      "personas.rules.2.slug: the name has no letters or digits to make a slug from: give a slug",
    ]);
  });

  it("WHEN a custom map has no rules THEN it is rejected", () => {
    expect(errorsOf({ personas: { map: "custom", rules: [] } })[0].path).toBe("personas.rules");
  });
});

describe("GIVEN a custom persona map near the 250-persona limit", () => {
  const everyone = { name: "Everyone", r: [1, 5], f: [1, 5], m: [1, 5] } as const;
  const topOnly = { name: "Top", r: [5, 5], f: [5, 5], m: [5, 5] } as const;
  /** n rules: the first as given, then n − 1 more with names (and slugs) of their own. */
  const mapOf = (first: object, n: number, lastSlug?: string) => ({
    map: "custom",
    rules: [first, ...Array.from({ length: n - 1 }, (_, i) => ({ name: `Persona ${i + 1}`, slug: i === n - 2 && lastSlug ? lastSlug : undefined, r: [5, 5], f: [5, 5], m: [5, 5] }))],
  });
  const personasOf = (input: unknown) => {
    const parsed = parseSettings({ personas: input });
    if (!parsed.ok) return parsed.errors;
    return compilePersonaMap(personaRulesFor(parsed.settings.personas)).personas.length;
  };

  it("WHEN every cell is matched and Lost is added THEN 249 rules make 250 personas and are accepted", () => {
    expect(personasOf(mapOf(everyone, 249))).toBe(250);
  });

  it("WHEN a 250th persona would push Lost to the 251st THEN the map is refused and personas.rules is named", () => {
    expect(personasOf(mapOf(everyone, 250))).toEqual([
      { path: "personas.rules", message: 'a persona map may define at most 250 personas; this one makes 251 (250 from its rules, "Lost")' },
    ]);
  });

  it("WHEN the map has its own Lost rule THEN 250 rules make exactly 250 personas", () => {
    expect(personasOf(mapOf(everyone, 250, "lost"))).toBe(250);
  });

  it("WHEN cells are left unmatched THEN Others counts too: 248 rules fit, 249 do not", () => {
    expect(personasOf(mapOf(topOnly, 248))).toBe(250);
    expect(personasOf(mapOf(topOnly, 249))).toEqual([
      {
        path: "personas.rules",
        message: 'a persona map may define at most 250 personas; this one makes 251 (249 from its rules, "Others" for unmatched cells, "Lost")',
      },
    ]);
  });

  it("WHEN several rules share a slug THEN they are one persona, so 250 of them stay far under the limit", () => {
    const shared = { map: "custom", rules: Array.from({ length: 250 }, () => ({ name: "Same", r: [1, 5], f: [1, 5], m: [1, 5] })) };
    expect(personasOf(shared)).toBe(2);
  });

  it("WHEN a map has more than 250 rules THEN it is refused naming personas.rules", () => {
    expect(personasOf(mapOf(everyone, 251, "lost"))).toContainEqual({ path: "personas.rules", message: "a custom map has at most 250 rules" });
  });

  it("WHEN rules past the schema reach the engine directly THEN compiling refuses more than 250 personas", () => {
    const rules: PersonaRule[] = Array.from({ length: 251 }, (_, i) => ({ name: `P${i}`, r: [1, 5], f: [1, 5], m: [1, 5] }));
    expect(() => compilePersonaMap(rules.slice(0, 249))).not.toThrow();
    expect(() => compilePersonaMap(rules.slice(0, 250))).toThrow(new RangeError("a persona map may define at most 250 personas"));
  });
});

describe("GIVEN custom persona slugs", () => {
  const errorsOf = (rules: unknown[]) => {
    const parsed = parseSettings({ personas: { map: "custom", rules } });
    return parsed.ok ? [] : parsed.errors;
  };
  const all = { r: [1, 5], f: [1, 5], m: [1, 5] };

  it("WHEN a name makes a slug longer than 60 characters THEN personas.rules.N.slug asks for a shorter one", () => {
    // 21 characters of name, 63 of slug: the "ﬃ" ligature folds to "ffi".
    expect(errorsOf([{ name: "ﬃ".repeat(21), ...all }])).toEqual([
      { path: "personas.rules.0.slug", message: "the slug made from the name is longer than 60 characters: give a shorter slug" },
    ]);
    expect(errorsOf([{ name: "ﬃ".repeat(20), ...all }])).toEqual([]);
    expect(errorsOf([{ name: "x".repeat(60), ...all }])).toEqual([]);
    expect(errorsOf([{ name: "ﬃ".repeat(21), slug: "short", ...all }])).toEqual([]);
  });

  it('WHEN a rule takes the slug "others" and cells are left unmatched THEN that rule\'s slug is named; with every cell matched it is fine', () => {
    expect(errorsOf([{ name: "Top", r: [5, 5], f: [5, 5], m: [5, 5] }, { name: "Others", r: [1, 1], f: [1, 1], m: [1, 1] }])).toEqual([
      {
        path: "personas.rules.1.slug",
        message: 'the slug "others" is kept for the 123 score cells no rule matches: choose another slug or cover every cell',
      },
    ]);
    expect(errorsOf([{ name: "Others", ...all }])).toEqual([]);
  });

  it("WHEN a rule gives no slug THEN the engine derives it from the name", () => {
    const parsed = parseSettings({ personas: { map: "custom", rules: [{ name: "Très Fidèles", ...all }] } });
    expect(parsed.ok && compilePersonaMap(personaRulesFor(parsed.settings.personas)).personas[0].slug).toBe("tres-fideles");
  });
});
