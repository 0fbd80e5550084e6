/**
 * The persona map as a merchant edits it: a grid of the 125 (R, F, M) score cells, each
 * holding one persona, and the checks that decide whether a map may be saved.
 *
 * Stored settings keep the ordered rule list (personas.ts: first match wins). The grid is
 * the same map seen cell by cell; `rulesFromGrid` turns it back into rules that never overlap,
 * so a map drawn on the grid can have neither unreachable rules nor "first match" surprises.
 *
 * `personaMapProblems` is what a save must pass (the settings schema alone still accepts maps
 * with gaps, for the CLI and for maps stored before this check): no cell without a persona, no
 * rule that can never apply, and a usable, unique slug per persona, since the slug is what the
 * store's tags, metafields and segments hang on.
 */
import { cellIndex, slugify, validatePersonaMap, type Cell, type Score } from "./personas";
import { SETTINGS_LIMITS, SLUG_PATTERN, type PersonaRule, type SettingsError } from "./settings";

export const CELL_COUNT = 125;
/** A cell no persona holds. */
export const NO_PERSONA_CELL = -1;

export interface GridPersona {
  name: string;
  slug: string;
  color?: string;
  description?: string;
}

export interface PersonaGrid {
  personas: GridPersona[];
  /** cells[cellIndex(r, f, m)] = index into personas, or NO_PERSONA_CELL. */
  cells: number[];
}

/** The 125 cells, in cellIndex order. */
export function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) cells.push({ r, f, m } as Cell);
  return cells;
}

const within = (x: number, [lo, hi]: readonly [number, number]) => x >= lo && x <= hi;
const matches = (rule: PersonaRule, c: Cell) => within(c.r, rule.r) && within(c.f, rule.f) && within(c.m, rule.m);

/**
 * Rules → grid, first match wins. One persona per slug (a rule without a slug takes its name's),
 * in rule order; the first rule of a slug gives its name, colour and description. Cells no rule
 * matches hold NO_PERSONA_CELL.
 */
export function gridFromRules(rules: readonly PersonaRule[]): PersonaGrid {
  const personas: GridPersona[] = [];
  const bySlug = new Map<string, number>();
  const owner = rules.map((rule) => {
    const slug = rule.slug ?? slugify(rule.name);
    let i = bySlug.get(slug);
    if (i === undefined) {
      i = personas.push({ name: rule.name, slug, color: rule.color, description: rule.description }) - 1;
      bySlug.set(slug, i);
    }
    return i;
  });
  const cells = allCells().map((c) => {
    const i = rules.findIndex((rule) => matches(rule, c));
    return i < 0 ? NO_PERSONA_CELL : owner[i];
  });
  return { personas, cells };
}

/**
 * Grid → rules: each persona's cells covered by boxes (score ranges) that hold only that
 * persona's cells and never overlap, grown greedily along M, then F, then R. Every rule
 * therefore owns its cells outright: none is unreachable and order does not matter. A persona
 * with no cell yields no rule. Empty colour and description are left out.
 */
export function rulesFromGrid(grid: PersonaGrid): PersonaRule[] {
  return rulesFromGridWithOwners(grid).rules;
}

/** rulesFromGrid, and for each rule the index of the persona it came from. */
export function rulesFromGridWithOwners({ personas, cells }: PersonaGrid): { rules: PersonaRule[]; owners: number[] } {
  const rules: PersonaRule[] = [];
  const owners: number[] = [];
  const covered = new Uint8Array(CELL_COUNT);
  personas.forEach((persona, p) => {
    const free = (r: number, f: number, m: number) => cells[cellIndex(r, f, m)] === p && covered[cellIndex(r, f, m)] === 0;
    for (const seed of allCells()) {
      if (!free(seed.r, seed.f, seed.m)) continue;
      let mHi = seed.m;
      while (mHi < 5 && free(seed.r, seed.f, mHi + 1)) mHi++;
      const slab = (r: number, f: number) => {
        for (let m = seed.m; m <= mHi; m++) if (!free(r, f, m)) return false;
        return true;
      };
      let fHi = seed.f;
      while (fHi < 5 && slab(seed.r, fHi + 1)) fHi++;
      const layer = (r: number) => {
        for (let f = seed.f; f <= fHi; f++) if (!slab(r, f)) return false;
        return true;
      };
      let rHi = seed.r;
      while (rHi < 5 && layer(rHi + 1)) rHi++;
      for (let r = seed.r; r <= rHi; r++)
        for (let f = seed.f; f <= fHi; f++) for (let m = seed.m; m <= mHi; m++) covered[cellIndex(r, f, m)] = 1;
      const rule: PersonaRule = { name: persona.name, slug: persona.slug, r: [seed.r, rHi], f: [seed.f, fHi], m: [seed.m, mHi] };
      if (persona.color) rule.color = persona.color;
      if (persona.description) rule.description = persona.description;
      rules.push(rule);
      owners.push(p);
    }
  });
  return { rules, owners };
}

/** Cells as a merchant reads them: "R5 F1 M1–3", grouped by R and F. */
export function describeCells(cells: readonly Cell[]): string[] {
  const groups = new Map<string, number[]>();
  for (const c of cells) {
    const key = `R${c.r} F${c.f}`;
    groups.set(key, [...(groups.get(key) ?? []), c.m]);
  }
  return [...groups].map(([key, ms]) => {
    ms.sort((a, b) => a - b);
    const runs: string[] = [];
    let start = ms[0];
    for (let i = 1; i <= ms.length; i++) {
      if (i === ms.length || ms[i] !== ms[i - 1] + 1) {
        runs.push(start === ms[i - 1] ? `${start}` : `${start}–${ms[i - 1]}`);
        start = ms[i];
      }
    }
    return `${key} M${runs.join(", ")}`;
  });
}

function gapMessage(gaps: readonly Cell[]): string {
  const shown = describeCells(gaps);
  const list = shown.length > 6 ? `${shown.slice(0, 6).join(", ")} and ${shown.length - 6} more` : shown.join(", ");
  return `${gaps.length} of the 125 cells have no persona (${list}). Give each of them a persona.`;
}

/** What is wrong with one persona's slug, in the merchant's words; undefined when it is fine. */
export function slugProblem(slug: string | undefined): string | undefined {
  if (slug === undefined || slug.trim() === "") return "Give this persona a slug: its tags and segment are named after it.";
  if (slug.length > SETTINGS_LIMITS.slugLength) return `A slug is at most ${SETTINGS_LIMITS.slugLength} characters.`;
  if (!SLUG_PATTERN.test(slug)) return "Use lower-case letters, digits and single hyphens only, e.g. big-spenders.";
  return undefined;
}

interface Identity {
  name: string;
  slug?: string;
}

/**
 * Names and slugs across personas: each slug usable and naming one persona only, each name used
 * once. `sameNameSamePersona`: entries are rules, where repeating a slug with the same name is one
 * persona drawn with several ranges; on a grid every entry is a persona of its own.
 */
function identityProblems(items: readonly Identity[], sameNameSamePersona: boolean): { index: number; field: "name" | "slug"; message: string }[] {
  const out: { index: number; field: "name" | "slug"; message: string }[] = [];
  const slugOwner = new Map<string, Identity>();
  const nameOwner = new Map<string, Identity>();
  items.forEach((item, index) => {
    const bad = slugProblem(item.slug);
    if (bad) out.push({ index, field: "slug", message: bad });
    else {
      const slug = item.slug!;
      const first = slugOwner.get(slug);
      if (!first) slugOwner.set(slug, item);
      else if (!sameNameSamePersona || first.name.trim() !== item.name.trim()) {
        out.push({ index, field: "slug", message: `“${slug}” is already the slug of “${first.name}”: each persona needs its own slug.` });
      }
    }
    const name = item.name.trim().toLowerCase();
    if (name === "") {
      out.push({ index, field: "name", message: "Give this persona a name." });
      return;
    }
    const named = nameOwner.get(name);
    if (!named) nameOwner.set(name, item);
    else if (!sameNameSamePersona || named.slug !== item.slug) {
      out.push({ index, field: "name", message: `Another persona is already called “${named.name.trim()}”.` });
    }
  });
  return out;
}

/**
 * Why a rule list may not be saved, keyed like settings errors ("personas.rules",
 * "personas.rules.3", "personas.rules.3.slug"); empty when it may.
 */
export function personaMapProblems(rules: readonly PersonaRule[]): SettingsError[] {
  const errors: SettingsError[] = [];
  const check = validatePersonaMap(rules);
  if (check.gaps.length > 0) errors.push({ path: "personas.rules", message: gapMessage(check.gaps) });
  for (const { rule, name } of check.unreachable) {
    errors.push({
      path: `personas.rules.${rule}`,
      message: `“${name}” would never apply: personas listed before it already take all of its cells.`,
    });
  }
  for (const p of identityProblems(rules, true)) errors.push({ path: `personas.rules.${p.index}.${p.field}`, message: p.message });
  return errors;
}

export interface GridProblem {
  /** The persona concerned (index into grid.personas); absent for the map as a whole. */
  persona?: number;
  field: "map" | "cells" | "name" | "slug";
  message: string;
}

/**
 * The same checks on the grid a merchant is drawing: cells without a persona, personas that hold
 * no cell (they would never apply), names and slugs. Empty when the grid may be saved.
 */
export function gridProblems(grid: PersonaGrid): GridProblem[] {
  const problems: GridProblem[] = [];
  const gaps = allCells().filter((_, i) => grid.cells[i] === NO_PERSONA_CELL || grid.personas[grid.cells[i]] === undefined);
  if (gaps.length > 0) problems.push({ field: "map", message: gapMessage(gaps) });
  grid.personas.forEach((persona, p) => {
    if (!grid.cells.includes(p)) {
      problems.push({ persona: p, field: "cells", message: `“${persona.name}” holds no cell, so it would never apply: give it cells on the map or remove it.` });
    }
  });
  for (const p of identityProblems(grid.personas, false)) problems.push({ persona: p.index, field: p.field, message: p.message });
  return problems;
}

/** Customers per cell, from (r, f, m, customers) rows; cells nobody is in count 0. */
export function cellCounts(rows: readonly { r: number; f: number; m: number; customers: number }[]): number[] {
  const counts = new Array<number>(CELL_COUNT).fill(0);
  for (const { r, f, m, customers } of rows) {
    if ([r, f, m].every((s) => Number.isInteger(s) && s >= 1 && s <= 5)) counts[cellIndex(r as Score, f as Score, m as Score)] += customers;
  }
  return counts;
}
