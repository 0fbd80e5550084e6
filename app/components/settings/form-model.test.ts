import { describe, expect, it } from "vitest";
import { parseCandidate } from "~/dashboard/settings.server";
import { DEFAULT_SHOP_SETTINGS, parseShopSettings } from "~/settings/shop-settings";
import { cellIndex } from "~/rfm";
import { formErrorKey, formFromSettings, mapProblems, mapRules, newPersona, settingsInputFromForm } from "./form-model";

const roundTrip = (form: ReturnType<typeof formFromSettings>, currency = "USD") =>
  parseCandidate(JSON.stringify(settingsInputFromForm(form, currency)));

describe("settings form model", () => {
  it("GIVEN the default settings WHEN shown and posted back untouched THEN the same settings come back, with the default map", () => {
    const back = roundTrip(formFromSettings(DEFAULT_SHOP_SETTINGS, "USD"));

    expect(back).toEqual({ ok: true, settings: DEFAULT_SHOP_SETTINGS });
  });

  it("GIVEN monetary edges in dollars and yen WHEN posted THEN they are stored in minor units of each currency", () => {
    const usd = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    usd.scoring = { ...usd.scoring, mode: "edges", edges: { r: ["30", "60", "90", "180"], f: ["2", "3", "4", "6"], m: ["50", "100.5", "200", "1,000"] } };
    const jpy = formFromSettings(DEFAULT_SHOP_SETTINGS, "JPY");
    jpy.scoring = { ...usd.scoring };

    const a = roundTrip(usd, "USD");
    const b = roundTrip(jpy, "JPY");

    expect(a.ok && a.settings.scoring.edges?.m).toEqual([5000, 10050, 20000, 100000]);
    expect(b.ok && b.settings.scoring.edges?.m).toEqual([50, 101, 200, 1000]);
    expect(a.ok && formFromSettings(a.settings, "USD").scoring.edges.m).toEqual(["50", "100.5", "200", "1000"]);
  });

  it("GIVEN a renamed and recoloured persona WHEN posted THEN the map becomes custom and keeps the slug", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    form.personas.personas[0] = { ...form.personas.personas[0], name: "VIPs", color: "#123456" };

    const back = roundTrip(form);

    expect(back.ok).toBe(true);
    if (!back.ok || back.settings.personas.map !== "custom") throw new Error("expected a custom map");
    expect(back.settings.personas.rules[0]).toEqual({ name: "VIPs", slug: "champions", color: "#123456", r: [4, 5], f: [4, 5], m: [4, 5] });
    expect(back.settings.personas.rules[1]).toEqual({ name: "Loyal", slug: "loyal", r: [3, 5], f: [4, 5], m: [1, 5] });
  });

  it("GIVEN text in number fields WHEN posted THEN the server names each field", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    form.rules.lookbackDays = "a year";
    form.scoring = { ...form.scoring, mode: "edges", edges: { r: ["", "2", "3", "4"], f: ["1", "2", "3", "4"], m: ["1", "2", "3", "4"] } };

    const back = roundTrip(form);

    expect(back).toEqual({
      ok: false,
      errors: { "rules.lookbackDays": "must be a number", "scoring.edges.r.0": "must be a number" },
    });
  });

  it("GIVEN all time and excluded tags WHEN posted THEN lookback is null and the tags are a trimmed list", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    form.rules = { ...form.rules, allTime: true, excludedTags: " wholesale, staff ,, " };

    const back = roundTrip(form);

    expect(back.ok && back.settings.rules).toMatchObject({ lookbackDays: null, excludedTags: ["wholesale", "staff"] });
    expect(parseShopSettings(back.ok ? back.settings : null).ok).toBe(true);
  });

  it("GIVEN one cell of the default map given to Champions WHEN posted THEN a custom map is saved with exactly that cell moved", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    const champions = form.personas.personas[0].id;
    form.personas = { ...form.personas, cells: form.personas.cells.map((id, i) => (i === cellIndex(3, 5, 5) ? champions : id)) };

    const back = roundTrip(form);

    expect(back.ok).toBe(true);
    if (!back.ok || back.settings.personas.map !== "custom") throw new Error("expected a custom map");
    expect(formFromSettings(back.settings, "USD").personas.cells.map((id, i) => i === cellIndex(3, 5, 5) || id !== null)).toEqual(new Array(125).fill(true));
    expect(mapProblems(form.personas)).toEqual({});
  });

  it("GIVEN a new persona holding no cell and a persona removed leaving cells empty WHEN checked THEN both are named and the map is not sent as valid", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    const added = newPersona(form.personas);
    const [first, ...rest] = form.personas.personas;
    const map = { ...form.personas, personas: [...rest, added], cells: form.personas.cells.map((id) => (id === first.id ? null : id)) };

    expect(mapProblems(map)).toEqual({
      "personas.map": expect.stringMatching(/^8 of the 125 cells have no persona \(R4 F4 M4–5, R4 F5 M4–5, R5 F4 M4–5, R5 F5 M4–5\)/),
      [`personas.${added.id}.cells`]: "“New persona” holds no cell, so it would never apply: give it cells on the map or remove it.",
    });
  });

  it("GIVEN the server's errors on rules WHEN shown on the form THEN each lands on the persona the rule was drawn from", () => {
    const form = formFromSettings(DEFAULT_SHOP_SETTINGS, "USD");
    const { owners } = mapRules(form.personas);
    const loyal = form.personas.personas[1].id;

    expect(formErrorKey("personas.rules", owners)).toBe("personas.map");
    expect(formErrorKey("personas.rules.1.slug", owners)).toBe(`personas.${loyal}.slug`);
    expect(formErrorKey("personas.rules.1", owners)).toBe(`personas.${loyal}.cells`);
    expect(formErrorKey("personas.rules.1.r.0", owners)).toBe(`personas.${loyal}.cells`);
    expect(formErrorKey("rules.lookbackDays", owners)).toBe("rules.lookbackDays");
  });
});
