/**
 * WCAG 2.x contrast between two sRGB colours ("#RRGGBB"): 1 (none) to 21 (black on white).
 * Persona swatches are graphical objects that tell personas apart, so they need 3:1 against
 * the card they sit on (WCAG 1.4.11, non-text contrast).
 */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Relative luminance of "#RRGGBB". */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a #RRGGBB colour: ${hex}`);
  const [r, g, b] = m.slice(1).map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Polaris' card surface (--p-color-bg-surface), where swatches are drawn. */
export const CARD_SURFACE = "#FFFFFF";
