import { describe, expect, it } from "vitest";
import { OTHERS_PERSONA, PALETTE, PERSONAS } from "~/rfm/personas";
import { CARD_SURFACE, contrastRatio } from "./contrast";

describe("swatch contrast", () => {
  it("GIVEN black, white and a mid grey WHEN compared THEN the ratios are WCAG's (21, 1, 4.48)", () => {
    expect(contrastRatio("#000000", "#FFFFFF")).toBeCloseTo(21, 5);
    expect(contrastRatio("#FFFFFF", "#ffffff")).toBe(1);
    expect(contrastRatio("#767676", "#FFFFFF")).toBeCloseTo(4.54, 2);
    expect(() => contrastRatio("red", "#FFFFFF")).toThrow(RangeError);
  });

  it("GIVEN every default persona colour, Others and the custom-persona palette WHEN drawn on a card THEN each has at least 3:1 contrast", () => {
    const colours = [...PERSONAS.map((p) => [p.name, p.color]), [OTHERS_PERSONA.name, OTHERS_PERSONA.color], ...PALETTE.map((c, i) => [`palette ${i + 1}`, c])];
    const below = colours.filter(([, c]) => contrastRatio(c, CARD_SURFACE) < 3).map(([name, c]) => `${name} ${c} ${contrastRatio(c, CARD_SURFACE).toFixed(2)}:1`);
    expect(below).toEqual([]);
    expect(colours.length).toBe(PERSONAS.length + 1 + PALETTE.length);
  });
});
