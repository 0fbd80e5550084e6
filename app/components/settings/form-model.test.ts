import { describe, expect, it } from "vitest";
import { parseCandidate } from "~/dashboard/settings.server";
import { DEFAULT_SHOP_SETTINGS, parseShopSettings } from "~/settings/shop-settings";
import { formFromSettings, settingsInputFromForm } from "./form-model";

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
    form.personas[0] = { ...form.personas[0], name: "VIPs", color: "#123456" };

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
});
