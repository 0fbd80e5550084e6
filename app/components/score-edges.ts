/**
 * What a score means in the shop's own terms, in words: "R5 = last order 0–32 days ago",
 * "F4 = 4–5 orders", "M5 = $151.12 or more". From the edges the shop's customers are scored
 * by now (app/dashboard/edges.server.ts); money through the one money formatter.
 */
import type { Dimension, ValueRange } from "~/rfm";
import { formatMoney, formatNumber } from "./format";

/** The part of ShopScoreEdges these words need (the loader's JSON of it fits). */
export interface EdgesForWords {
  currency: string;
  lookbackDays: number | null;
  r: { ranges: (ValueRange | null)[] };
  f: { ranges: (ValueRange | null)[] };
  m: { ranges: (ValueRange | null)[] };
}

const LETTER: Record<Dimension, string> = { r: "R", f: "F", m: "M" };

/** The values scores lo…hi earn together (their ranges joined); null when none of them can be earned. */
export function rangeOfScores(dim: Dimension, ranges: readonly (ValueRange | null)[], lo: number, hi: number): ValueRange | null {
  const held = ranges.slice(lo - 1, hi).filter((r): r is ValueRange => r !== null);
  if (held.length === 0) return null;
  // F and M rise with the score, R (days) falls: the joined range runs from one end to the other.
  const ordered = dim === "r" ? [...held].reverse() : held;
  return { from: ordered[0].from, to: ordered[ordered.length - 1].to };
}

/** "last order 0–32 days ago", "1 order", "$151.12 or more"; "nobody" for a score no value earns. */
export function rangeInWords(dim: Dimension, range: ValueRange | null, currency: string, locale: string): string {
  if (range === null) return "nobody";
  const n = (x: number) => formatNumber(x, locale);
  const { from, to } = range;
  if (dim === "r") {
    if (from === null) return to === null ? "any time" : `last order up to ${n(to)} days ago`;
    if (to === null) return `last order ${n(from)} days ago or more`;
    if (from === to) return from === 0 ? "last order today" : `last order ${n(from)} day${from === 1 ? "" : "s"} ago`;
    return `last order ${n(from)}–${n(to)} days ago`;
  }
  if (dim === "f") {
    const low = from ?? 1;
    if (to === null) return low <= 1 ? "any number of orders" : `${n(low)}+ orders`;
    if (low === to) return `${n(low)} order${low === 1 ? "" : "s"}`;
    return `${n(low)}–${n(to)} orders`;
  }
  const money = (x: number) => formatMoney(x, currency, locale);
  if (from === null) return to === null ? "any spend" : `under ${money(to + 1)}`;
  if (to === null) return `${money(from)} or more`;
  return from === to ? money(from) : `${money(from)}–${money(to)}`;
}

/** "R5 = last order 0–32 days ago" for one score, or "F4–5 = 4+ orders" for a range of them. */
export function scoresInWords(dim: Dimension, edges: EdgesForWords, lo: number, hi: number, locale: string): string {
  const label = `${LETTER[dim]}${lo === hi ? lo : `${lo}–${hi}`}`;
  return `${label} = ${rangeInWords(dim, rangeOfScores(dim, edges[dim].ranges, lo, hi), edges.currency, locale)}`;
}

/** Scores 1…5 of one dimension in words, e.g. ["F1 = 1 order", "F2 = 2 orders", …]. */
export function dimensionInWords(dim: Dimension, edges: EdgesForWords, locale: string): string[] {
  return [1, 2, 3, 4, 5].map((s) => scoresInWords(dim, edges, s, s, locale));
}

/**
 * A persona rule's ranges in the shop's terms: "R4–5 = last order 0–89 days ago · F4–5 = 4+ orders ·
 * M4–5 = $98.50 or more". A dimension the rule leaves open (1–5) is left out.
 */
export function ruleInShopTerms(
  rule: { r: readonly [number, number]; f: readonly [number, number]; m: readonly [number, number] },
  edges: EdgesForWords,
  locale: string,
): string {
  const parts = (["r", "f", "m"] as const)
    .filter((dim) => !(rule[dim][0] === 1 && rule[dim][1] === 5))
    .map((dim) => scoresInWords(dim, edges, rule[dim][0], rule[dim][1], locale));
  return parts.length > 0 ? parts.join(" · ") : "any scores";
}

/** Customers whose orders all lie before the window are R1: said once wherever R1 is explained. */
export function outsideWindowNote(lookbackDays: number | null): string | null {
  return lookbackDays === null ? null : `R1 also holds customers whose counted orders all lie outside the ${lookbackDays}-day window.`;
}
