/** "Persona since" written to the store is the shop's date, as the app's other days are. */
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, shopDayOf } from "~/rfm";
import { desiredState, personaNamesFor } from "./desired";

describe("GIVEN a New York shop whose customer changed persona at 22:00 local time", () => {
  const customer = {
    customerKey: "gid://shopify/Customer/1",
    guest: false,
    persona: "loyal",
    previousPersona: "champions",
    personaSince: Date.parse("2026-06-30T02:00:00Z"), // 22:00 on 2026-06-29 in New York
    r: 4,
    f: 4,
    m: 3,
    scoredAt: Date.parse("2026-06-30T02:00:00Z"),
  };
  const ctx = { writeback: { tagPrefix: "rfm:", extraTags: false }, personaName: personaNamesFor(DEFAULT_SETTINGS.personas), fieldPlace: "rfm" };

  it("WHEN its fields are planned with the shop's days THEN persona_since is the New York date; without a zone, the UTC date", () => {
    const local = desiredState(customer, { ...ctx, dayOf: shopDayOf("America/New_York") });
    expect(Object.entries(local.fields).find(([k]) => k.endsWith("persona_since"))?.[1]).toBe("2026-06-29");
    const utc = desiredState(customer, ctx);
    expect(Object.entries(utc.fields).find(([k]) => k.endsWith("persona_since"))?.[1]).toBe("2026-06-30");
  });
});
