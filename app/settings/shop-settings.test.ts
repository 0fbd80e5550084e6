import { describe, expect, it } from "vitest";
import { DEFAULT_SHOP_SETTINGS, parseShopSettings } from "./shop-settings";

describe("shop settings", () => {
  it("GIVEN nothing WHEN parsed THEN defaults: rfm: tags, rfm namespace, extra tags off", () => {
    expect(DEFAULT_SHOP_SETTINGS.writeback).toEqual({ enabled: true, tagPrefix: "rfm:", metafieldNamespace: "rfm", extraTags: false });
    expect(DEFAULT_SHOP_SETTINGS.rules.excludeSubscriptions).toBe(true);
  });

  it("GIVEN bad values WHEN parsed THEN each error names its field and why", () => {
    const result = parseShopSettings({
      writeback: { tagPrefix: "rfm persona", metafieldNamespace: "X" },
      rules: { lookbackDays: 0 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.errors.map((e) => [e.path, e.message]));
    expect(byPath["writeback.tagPrefix"]).toMatch(/letters, digits/);
    expect(byPath["writeback.metafieldNamespace"]).toMatch(/at least 2|lower-case/);
    expect(byPath["rules.lookbackDays"]).toMatch(/at least 1 day/);
  });

  it("GIVEN an unknown key WHEN parsed THEN it is refused rather than silently kept", () => {
    const result = parseShopSettings({ writeback: { tagprefix: "x:" } });
    expect(result.ok).toBe(false);
  });
});
