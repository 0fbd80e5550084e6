/**
 * The settings form's own state (text as typed, booleans as ticked) and its conversion
 * to and from stored settings. Conversion does not validate: text that is not a number
 * is sent as typed, so the server's validation names the field it came from.
 * Monetary edges are typed in major units (dollars) and stored in minor units (cents).
 */
import { DEFAULT_PERSONA_RULES, PERSONAS, type PersonaRule } from "~/rfm";
import type { ShopSettings, ShopSettingsInput } from "~/settings/shop-settings";
import { currencyExponent } from "~/money";

export type Range = [number, number];

export interface RuleForm {
  /** Stable React key. */
  id: string;
  name: string;
  slug: string;
  color: string;
  description: string;
  r: Range;
  f: Range;
  m: Range;
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
  personas: RuleForm[];
  writeback: { enabled: boolean; tagPrefix: string; metafieldNamespace: string; extraTags: boolean };
}

const builtIn = new Map(PERSONAS.map((p) => [p.slug, p]));
let nextId = 0;
export function ruleId(): string {
  nextId += 1;
  return `rule-${nextId}`;
}

export function ruleFormFrom(rule: PersonaRule): RuleForm {
  const slug = rule.slug ?? "";
  const base = builtIn.get(slug);
  return {
    id: ruleId(),
    name: rule.name,
    slug,
    color: rule.color ?? base?.color ?? "#6C5CE7",
    description: rule.description ?? "",
    r: [rule.r[0], rule.r[1]],
    f: [rule.f[0], rule.f[1]],
    m: [rule.m[0], rule.m[1]],
  };
}

export function formFromSettings(settings: ShopSettings, currency: string): SettingsForm {
  const digits = currencyExponent(currency);
  const edge = (dim: "r" | "f" | "m") =>
    (settings.scoring.edges?.[dim] ?? ["", "", "", ""]).map((v) =>
      v === "" ? "" : dim === "m" ? String(Number(v) / 10 ** digits) : String(v),
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
    personas: rules.map(ruleFormFrom),
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

export function rulesFromForm(rules: RuleForm[]): PersonaRule[] {
  return rules.map((rule) => {
    const base = builtIn.get(rule.slug);
    const out: PersonaRule = { name: rule.name, r: rule.r, f: rule.f, m: rule.m };
    if (rule.slug.trim()) out.slug = rule.slug.trim();
    // Built-in colour and description are implied; store only what the merchant changed.
    if (rule.color && rule.color.toLowerCase() !== base?.color.toLowerCase()) out.color = rule.color;
    if (rule.description.trim() && rule.description.trim() !== base?.description) out.description = rule.description.trim();
    return out;
  });
}

export function settingsInputFromForm(form: SettingsForm, currency: string): ShopSettingsInput {
  const digits = currencyExponent(currency);
  const edges = (dim: "r" | "f" | "m") =>
    form.scoring.edges[dim].map((text) => {
      const v = numberOrText(text);
      return dim === "m" && typeof v === "number" ? Math.round(v * 10 ** digits) : v;
    });
  const rules = rulesFromForm(form.personas);
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
