/**
 * The settings form's own state (text as typed, booleans as ticked) and its conversion
 * to and from stored settings. Conversion does not validate: text that is not a number
 * is sent as typed, so the server's validation names the field it came from.
 * Monetary edges are typed in major units (dollars) and stored in minor units (cents).
 */
import { DEFAULT_PERSONA_RULES, PERSONAS, slugify, validatePersonaMap, type PersonaRule } from "~/rfm";
import { gridFromRules, gridProblems, NO_PERSONA_CELL, rulesFromGridWithOwners, type GridPersona, type PersonaGrid } from "~/rfm/persona-map";
import type { ShopSettings, ShopSettingsInput } from "~/settings/shop-settings";
import { currencyExponent } from "~/money";

/** One persona of the map editor: what the merchant sees and names. */
export interface PersonaForm {
  /** Stable React key and the key of this persona's errors ("personas.<id>.slug"). */
  id: string;
  name: string;
  slug: string;
  color: string;
  description: string;
  /** A persona the merchant adds gets its slug from its name until the slug is edited by hand. */
  slugFollowsName: boolean;
}

/**
 * The persona map as edited: personas, and the persona of each of the 125 cells. The stored rules
 * are kept as written while no cell changes (renaming or recolouring keeps the merchant's ranges);
 * a repainted map is stored as the grid's own non-overlapping rules.
 */
export interface MapForm {
  personas: PersonaForm[];
  /** Persona id per cell, in cellIndex order; null where no persona holds the cell. */
  cells: (string | null)[];
  base: { rules: PersonaRule[]; owners: string[]; cells: (string | null)[] };
}

export interface SettingsForm {
  rules: {
    excludeSubscriptions: boolean;
    excludePos: boolean;
    excludeZeroPriceItems: boolean;
    excludeTest: boolean;
    excludeCancelled: boolean;
    netRefunds: boolean;
    allTime: boolean;
    lookbackDays: string;
    excludedTags: string;
    excludedChannels: string;
  };
  scoring: {
    mode: "quantiles" | "edges";
    edges: { r: string[]; f: string[]; m: string[] };
    composite: boolean;
    compositeF: string;
    compositeM: string;
  };
  personas: MapForm;
  writeback: { enabled: boolean; tagPrefix: string; metafieldNamespace: string; extraTags: boolean };
}

const builtIn = new Map(PERSONAS.map((p) => [p.slug, p]));
let nextId = 0;
export function ruleId(): string {
  nextId += 1;
  return `rule-${nextId}`;
}

function personaFormFrom(persona: GridPersona): PersonaForm {
  const base = builtIn.get(persona.slug);
  return {
    id: ruleId(),
    name: persona.name,
    slug: persona.slug,
    color: persona.color ?? base?.color ?? "#6C5CE7",
    description: persona.description ?? "",
    slugFollowsName: false,
  };
}

export function mapFormFromRules(rules: readonly PersonaRule[]): MapForm {
  const grid = gridFromRules(rules);
  const personas = grid.personas.map(personaFormFrom);
  const idOf = new Map(grid.personas.map((p, i) => [p.slug, personas[i].id]));
  const cells = grid.cells.map((i) => (i === NO_PERSONA_CELL ? null : personas[i].id));
  const owners = rules.map((rule) => idOf.get(rule.slug ?? slugify(rule.name))!);
  return { personas, cells, base: { rules: rules.map((r) => ({ ...r })), owners, cells: [...cells] } };
}

/** A new persona: unused name and slug, a palette colour, no cells yet. */
export function newPersona(map: MapForm): PersonaForm {
  const taken = new Set(map.personas.map((p) => p.slug));
  let n = 1;
  while (taken.has(n === 1 ? "new-persona" : `new-persona-${n}`)) n++;
  const name = n === 1 ? "New persona" : `New persona ${n}`;
  return { id: ruleId(), name, slug: slugify(name), color: "#6C5CE7", description: "", slugFollowsName: true };
}

/** The persona as stored: built-in colour and description are implied, so only what the merchant changed. */
function personaForStore(p: PersonaForm): GridPersona {
  const base = builtIn.get(p.slug.trim());
  const out: GridPersona = { name: p.name, slug: p.slug.trim() };
  if (p.color && p.color.toLowerCase() !== base?.color.toLowerCase()) out.color = p.color;
  if (p.description.trim() && p.description.trim() !== base?.description) out.description = p.description.trim();
  return out;
}

export function gridOf(map: MapForm): PersonaGrid {
  const index = new Map(map.personas.map((p, i) => [p.id, i]));
  return { personas: map.personas.map(personaForStore), cells: map.cells.map((id) => (id === null ? NO_PERSONA_CELL : (index.get(id) ?? NO_PERSONA_CELL))) };
}

/** The rules to store, and for each the persona id it belongs to (to put the server's errors on it). */
export function mapRules(map: MapForm): { rules: PersonaRule[]; owners: string[] } {
  const byId = new Map(map.personas.map((p) => [p.id, p]));
  const { base } = map;
  const check = validatePersonaMap(base.rules);
  const unchanged =
    map.cells.every((id, i) => id === base.cells[i]) && base.owners.every((id) => byId.has(id)) && check.gaps.length === 0 && check.unreachable.length === 0;
  if (unchanged) {
    const rules = base.rules.map((rule, i) => {
      const { name, slug, color, description } = personaForStore(byId.get(base.owners[i])!);
      const out: PersonaRule = { name, slug, r: rule.r, f: rule.f, m: rule.m };
      if (color) out.color = color;
      if (description) out.description = description;
      return out;
    });
    return { rules, owners: [...base.owners] };
  }
  const { rules, owners } = rulesFromGridWithOwners(gridOf(map));
  return { rules, owners: owners.map((i) => map.personas[i].id) };
}

/** What keeps this map from being saved, keyed "personas.map" or "personas.<persona id>.<field>". */
export function mapProblems(map: MapForm): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of gridProblems(gridOf(map))) {
    const key = p.persona === undefined ? "personas.map" : `personas.${map.personas[p.persona].id}.${p.field}`;
    errors[key] ??= p.message;
  }
  return errors;
}

/**
 * A server error's path on the form: "personas.rules" is the map's, "personas.rules.3[.field]" the
 * persona rule 3 was drawn from (a score range or the rule as a whole: its cells). Other paths stay.
 */
export function formErrorKey(path: string, owners: readonly string[]): string {
  if (path === "personas.rules") return "personas.map";
  const rule = /^personas\.rules\.(\d+)(?:\.(\w+))?/.exec(path);
  if (!rule) return path;
  const id = owners[Number(rule[1])];
  if (!id) return "personas.map";
  const field = rule[2] && ["name", "slug", "color", "description"].includes(rule[2]) ? rule[2] : "cells";
  return `personas.${id}.${field}`;
}

/** The edges customers are scored by now, per dimension (R in days, F in orders, M in minor units); null where unknown. */
export type CurrentEdges = Record<"r" | "f" | "m", readonly (number | null)[]>;

/**
 * `current`: the shop's edges now, to fill "My own edges" where the merchant has set none, so
 * switching to them starts from today's scores rather than blank boxes.
 */
export function formFromSettings(settings: ShopSettings, currency: string, current?: CurrentEdges | null): SettingsForm {
  const digits = currencyExponent(currency);
  const edge = (dim: "r" | "f" | "m") =>
    (settings.scoring.edges?.[dim] ?? current?.[dim] ?? [null, null, null, null]).map((v) =>
      v === null || !Number.isFinite(v) ? "" : dim === "m" ? String(Number(v) / 10 ** digits) : String(v),
    );
  const rules = settings.personas.map === "custom" ? settings.personas.rules : DEFAULT_PERSONA_RULES;
  return {
    rules: {
      excludeSubscriptions: settings.rules.excludeSubscriptions,
      excludePos: settings.rules.excludePos,
      excludeZeroPriceItems: settings.rules.excludeZeroPriceItems,
      excludeTest: settings.rules.excludeTest,
      excludeCancelled: settings.rules.excludeCancelled,
      netRefunds: settings.rules.netRefunds,
      allTime: settings.rules.lookbackDays === null,
      lookbackDays: String(settings.rules.lookbackDays ?? 365),
      excludedTags: settings.rules.excludedTags.join(", "),
      excludedChannels: settings.rules.excludedChannels.join(", "),
    },
    scoring: {
      mode: settings.scoring.mode,
      edges: { r: edge("r"), f: edge("f"), m: edge("m") },
      composite: Boolean(settings.scoring.composite),
      compositeF: String(settings.scoring.composite?.f ?? 1),
      compositeM: String(settings.scoring.composite?.m ?? 1),
    },
    personas: mapFormFromRules(rules),
    writeback: { ...settings.writeback },
  };
}

/** "12" → 12; anything else is returned as typed for the server to reject by name. */
function numberOrText(text: string): number | string {
  const t = text.trim().replace(/,/g, "");
  if (t === "") return text;
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function sameRules(a: PersonaRule[], b: readonly PersonaRule[]): boolean {
  const key = (r: PersonaRule) =>
    JSON.stringify([r.name, r.slug ?? "", r.color ?? "", r.description ?? "", r.r, r.f, r.m]);
  return a.length === b.length && a.every((r, i) => key(r) === key(b[i]));
}

export function settingsInputFromForm(form: SettingsForm, currency: string): ShopSettingsInput {
  const digits = currencyExponent(currency);
  const edges = (dim: "r" | "f" | "m") =>
    form.scoring.edges[dim].map((text) => {
      const v = numberOrText(text);
      return dim === "m" && typeof v === "number" ? Math.round(v * 10 ** digits) : v;
    });
  const { rules } = mapRules(form.personas);
  const input = {
    rules: {
      excludeSubscriptions: form.rules.excludeSubscriptions,
      excludePos: form.rules.excludePos,
      excludeZeroPriceItems: form.rules.excludeZeroPriceItems,
      excludeTest: form.rules.excludeTest,
      excludeCancelled: form.rules.excludeCancelled,
      netRefunds: form.rules.netRefunds,
      lookbackDays: form.rules.allTime ? null : numberOrText(form.rules.lookbackDays),
      excludedTags: list(form.rules.excludedTags),
      excludedChannels: list(form.rules.excludedChannels),
    },
    scoring: {
      mode: form.scoring.mode,
      ...(form.scoring.mode === "edges" ? { edges: { r: edges("r"), f: edges("f"), m: edges("m") } } : {}),
      ...(form.scoring.composite
        ? { composite: { f: numberOrText(form.scoring.compositeF), m: numberOrText(form.scoring.compositeM) } }
        : {}),
    },
    personas: sameRules(rules, DEFAULT_PERSONA_RULES) ? { map: "default" } : { map: "custom", rules },
    writeback: { ...form.writeback },
  };
  // Text left in number fields is deliberate (see above): the server names the field.
  return input as unknown as ShopSettingsInput;
}
