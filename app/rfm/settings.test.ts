import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, formatSettingsErrors, parseSettings } from "./settings";

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
    expect(formatSettingsErrors(errors)).toBe("scoring.edges.r: edges must be strictly increasing");
  });

  it("WHEN an edge list has the wrong length THEN it says 4 edges are needed", () => {
    expect(errorsOf({ scoring: { edges: { f: [1, 2, 3] } } })).toEqual([
      { path: "scoring.edges.f", message: "needs exactly 4 edges (they cut 5 scores)" },
    ]);
  });

  it("WHEN edges mode lacks a dimension THEN each missing one is named", () => {
    const errors = errorsOf({ scoring: { mode: "edges", edges: { r: [1, 2, 3, 4] } } });
    expect(errors.map((e) => e.path)).toEqual(["scoring.edges.f", "scoring.edges.m"]);
  });

  it("WHEN the lookback window is 0 or fractional THEN rules.lookbackDays is named", () => {
    expect(errorsOf({ rules: { lookbackDays: 0 } })[0]).toEqual({
      path: "rules.lookbackDays",
      message: "lookback window is at least 1 day (null = all time)",
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
      "personas.rules.0.r: range [lo, hi] needs lo ≤ hi",
      "personas.rules.1.color: colour is #RRGGBB",
      "personas.rules.2.m.0: scores run 1–5",
      "personas.rules.2.slug: the name has no letters or digits to make a slug from: give a slug",
    ]);
  });

  it("WHEN a custom map has no rules THEN it is rejected", () => {
    expect(errorsOf({ personas: { map: "custom", rules: [] } })[0].path).toBe("personas.rules");
  });
});
