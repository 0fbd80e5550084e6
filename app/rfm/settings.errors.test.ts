import { describe, expect, it } from "vitest";
import { parseSettings, type SettingsError } from "./settings";

/**
 * A merchant fixing a settings form relies on two things in every refusal: the field it
 * names (the form highlights that field) and a message saying what is wrong with it. The
 * wording is ours to change; the key phrase each case checks is what must survive it.
 */
function errorsOf(input: unknown): SettingsError[] {
  const parsed = parseSettings(input);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return parsed.errors;
}

function accepted(input: unknown) {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(`refused: ${JSON.stringify(parsed.errors)}`);
  return parsed.settings;
}

const rule = (extra: object) => ({ personas: { map: "custom", rules: [{ name: "VIP", r: [1, 5], f: [1, 5], m: [1, 5], ...extra }] } });

describe("GIVEN settings a merchant got wrong", () => {
  const cases: [what: string, input: unknown, path: string, says: RegExp][] = [
    ["a fractional score", rule({ r: [1.5, 5] }), "personas.rules.0.r.0", /whole number/],
    ["a score above 5", rule({ f: [1, 6] }), "personas.rules.0.f.1", /1–5/],
    ["a lookback of half a day", { rules: { lookbackDays: 1.5 } }, "rules.lookbackDays", /whole number of days/],
    ["a lookback of 0 days", { rules: { lookbackDays: 0 } }, "rules.lookbackDays", /at least 1 day/],
    ["a lookback over a century", { rules: { lookbackDays: 36_501 } }, "rules.lookbackDays", /at most 36,500 days/],
    ["a blank excluded tag", { rules: { excludedTags: ["  "] } }, "rules.excludedTags.0", /tags must not be empty/],
    ["an excluded tag of 256 characters", { rules: { excludedTags: ["x".repeat(256)] } }, "rules.excludedTags.0", /tags are at most 255 characters/],
    ["251 excluded tags", { rules: { excludedTags: Array.from({ length: 251 }, (_, i) => `t${i}`) } }, "rules.excludedTags", /at most 250 tags/],
    ["a blank excluded channel", { rules: { excludedChannels: [""] } }, "rules.excludedChannels.0", /channels must not be empty/],
    ["an infinite edge", { scoring: { mode: "edges", edges: { r: [1, 2, 3, Infinity], f: [1, 2, 3, 4], m: [1, 2, 3, 4] } } }, "scoring.edges.r.3", /finite/],
    ["an infinite composite weight", { scoring: { composite: { f: Infinity, m: 1 } } }, "scoring.composite.f", /finite/],
    ["a negative composite weight", { scoring: { composite: { f: 1, m: -1 } } }, "scoring.composite.m", /at least 0/],
    ["a composite weight over 1000", { scoring: { composite: { f: 1001, m: 1 } } }, "scoring.composite.f", /at most 1000/],
    ["a blank persona name", rule({ name: "   ", slug: "vip" }), "personas.rules.0.name", /needs a name/],
    ["a slug of 61 characters", rule({ slug: "a".repeat(61) }), "personas.rules.0.slug", /at most 60 characters/],
    ["a slug starting with a hyphen", rule({ slug: "-vip" }), "personas.rules.0.slug", /lower-case letters, digits and single hyphens/],
    ["a slug ending with a hyphen", rule({ slug: "vip-" }), "personas.rules.0.slug", /single hyphens/],
    ["a colour with a prefix", rule({ color: "x#0B7A3E" }), "personas.rules.0.color", /colour code like #0B7A3E/],
    ["a colour with seven digits", rule({ color: "#0B7A3E1" }), "personas.rules.0.color", /colour code like #0B7A3E/],
    ["a custom map without rules", { personas: { map: "custom", rules: [] } }, "personas.rules", /at least one rule/],
  ];
  for (const [what, input, path, says] of cases) {
    it(`WHEN it has ${what} THEN the refusal names ${path} and says what is wrong`, () => {
      const errors = errorsOf(input);
      const named = errors.find((e) => e.path === path);
      expect(named, JSON.stringify(errors)).toBeDefined();
      expect(named?.message).toMatch(says);
    });
  }

  it('WHEN edges mode is chosen without any edges THEN each of r, f and m is named as missing', () => {
    expect(errorsOf({ scoring: { mode: "edges" } }).map((e) => [e.path, /required/.test(e.message)])).toEqual([
      ["scoring.edges.r", true],
      ["scoring.edges.f", true],
      ["scoring.edges.m", true],
    ]);
  });

  it('WHEN the first rule takes the slug "others" while cells are unmatched THEN that rule\'s slug is named', () => {
    const errors = errorsOf({ personas: { map: "custom", rules: [{ name: "Rest", slug: "others", r: [5, 5], f: [5, 5], m: [5, 5] }] } });
    expect(errors.map((e) => e.path)).toEqual(["personas.rules.0.slug"]);
    expect(errors[0].message).toMatch(/124 score cells no rule matches/);
  });

  it("WHEN a map with its own Lost rule and unmatched cells makes 251 personas THEN the message counts Others but adds no Lost", () => {
    const rules = Array.from({ length: 250 }, (_, i) => ({ name: `P${i}`, slug: i === 249 ? "lost" : undefined, r: [5, 5], f: [5, 5], m: [5, 5] }));
    expect(errorsOf({ personas: { map: "custom", rules } })).toEqual([
      { path: "personas.rules", message: 'a persona map may define at most 250 personas; this one makes 251 (250 from its rules, "Others" for unmatched cells)' },
    ]);
  });
});

describe("GIVEN settings a merchant got right", () => {
  it("WHEN tags, channels and names carry stray spaces THEN they are kept trimmed", () => {
    const settings = accepted({
      rules: { excludedTags: [" Wholesale "], excludedChannels: [" Point of Sale"] },
      personas: { map: "custom", rules: [{ name: " Best buyers ", r: [1, 5], f: [1, 5], m: [1, 5] }] },
    });
    expect(settings.rules.excludedTags).toEqual(["Wholesale"]);
    expect(settings.rules.excludedChannels).toEqual(["Point of Sale"]);
    expect(settings.personas.map === "custom" && settings.personas.rules[0].name).toBe("Best buyers");
  });

  it("WHEN a rule has a hyphenated slug, a colour and a short description THEN it is accepted as given", () => {
    const settings = accepted(rule({ slug: "vip-tier-2024", color: "#0b7A3E", description: "Our best" }));
    expect(settings.personas.map === "custom" && settings.personas.rules[0]).toMatchObject({ slug: "vip-tier-2024", color: "#0b7A3E", description: "Our best" });
  });
});
