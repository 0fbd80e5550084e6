/**
 * Personas: the names merchants and their staff see on customers.
 *
 * Every customer with a counted order lands in one cell of the 5×5×5 (R, F, M)
 * score cube; a persona map assigns each of the 125 cells one persona. A map is an
 * ordered list of range rules — first match wins — so it reads like the table a
 * marketer would draw. The default map below covers all 125 cells (proved by
 * `validatePersonaMap` in personas.test.ts) and reaches all 11 personas.
 */
import type { PersonaRule, PersonaSettings, ScoreRange } from "./settings";

export type Score = 1 | 2 | 3 | 4 | 5;

export interface Persona {
  /** Stable id for tags, metafields and Flow conditions; never changes when the name does. */
  slug: string;
  name: string;
  /** #RRGGBB for dashboards. */
  color: string;
  /** One line a merchant understands. */
  description: string;
  /** What merchants typically do with this persona. */
  uses: readonly string[];
}

/** The 11 built-in personas, best customers first. */
export const PERSONAS: readonly Persona[] = [
  {
    slug: "champions",
    name: "Champions",
    color: "#0B7A3E",
    description: "Bought recently, buy often and spend the most.",
    uses: ["Early access and new launches", "Ask for reviews and referrals", "VIP perks rather than discounts"],
  },
  {
    slug: "loyal",
    name: "Loyal",
    color: "#2E9E5B",
    description: "Buy often and recently enough; the backbone of repeat revenue.",
    uses: ["Loyalty programme invitations", "Upsell higher-value products", "Members-only offers"],
  },
  {
    slug: "potential-loyalist",
    name: "Potential Loyalist",
    color: "#5B9A2E",
    description: "Recent customers with a second or third order: could become Loyal.",
    uses: ["Membership or subscription offers", "Personalised recommendations", "Free-shipping threshold nudges"],
  },
  {
    slug: "new-customers",
    name: "New Customers",
    color: "#1F77B4",
    description: "Placed their first counted order very recently.",
    uses: ["Welcome and onboarding series", "How-to content for what they bought", "Second-purchase incentive"],
  },
  {
    slug: "promising",
    name: "Promising",
    color: "#3A86C8",
    description: "One order, fairly recent: interested but not yet convinced.",
    uses: ["Brand story and social proof", "Limited-time second-order offer", "Best-seller recommendations"],
  },
  {
    slug: "need-attention",
    name: "Need Attention",
    color: "#A67C00",
    description: "A few orders, but the last one is no longer recent.",
    uses: ["Personalised re-engagement", "Time-limited offers on past categories", "Feedback survey"],
  },
  {
    slug: "about-to-sleep",
    name: "About To Sleep",
    color: "#C8691C",
    description: "One order a while ago: will drift away without a reason to return.",
    uses: ["Popular products and bundles", "Reminder with a modest discount", "Reconnect on social channels"],
  },
  {
    slug: "at-risk",
    name: "At Risk",
    color: "#E4572E",
    description: "Used to buy often, but not for a long time.",
    uses: ["Win-back series", "Personal note from the founder or support", "Renewal reminders and what's new"],
  },
  {
    slug: "cant-lose-them",
    name: "Can't Lose Them",
    color: "#B3001B",
    description: "Once among the best customers (often and big), now gone quiet.",
    uses: ["High-value win-back offer", "Personal outreach", "Ask what went wrong"],
  },
  {
    slug: "hibernating",
    name: "Hibernating",
    color: "#8C8C8C",
    description: "Few orders, low spend, long ago.",
    uses: ["Low-cost reactivation in seasonal campaigns", "Relevant new arrivals", "Suppress from expensive channels"],
  },
  {
    slug: "lost",
    name: "Lost",
    color: "#4D4D4D",
    description: "Longest gone and least engaged: last bought long ago, once or twice.",
    uses: ["Occasional win-back campaign", "Sunset from regular sends", "Exclude from paid retargeting"],
  },
];

/** Cells no rule of a custom map matches. */
export const OTHERS_PERSONA: Persona = {
  slug: "others",
  name: "Others",
  color: "#757575",
  description: "Score cells your persona map does not cover.",
  uses: ["Fill the gaps in the persona map"],
};

export const LOST_SLUG = "lost";

/**
 * The default map, first match wins. Read it as: recency decides how warm a
 * customer is (rows), frequency how engaged (columns); monetary only separates the
 * top spenders (Champions, Can't Lose Them) from their neighbours.
 *
 *   R\F   1               2–3                  4–5
 *   5     New Customers   Potential Loyalist   Champions (M 4–5) / Loyal
 *   4     Promising       Potential Loyalist   Champions (M 4–5) / Loyal
 *   3     About To Sleep  Need Attention       Loyal
 *   2     Hibernating     F2 Hibernating,      Can't Lose Them (M 4–5) / At Risk
 *                         F3 At Risk
 *   1     Lost            F2 Lost, F3 At Risk  Can't Lose Them (M 4–5) / At Risk
 */
export const DEFAULT_PERSONA_RULES: readonly PersonaRule[] = [
  { name: "Champions", slug: "champions", r: [4, 5], f: [4, 5], m: [4, 5] },
  { name: "Loyal", slug: "loyal", r: [3, 5], f: [4, 5], m: [1, 5] },
  { name: "Potential Loyalist", slug: "potential-loyalist", r: [4, 5], f: [2, 3], m: [1, 5] },
  { name: "New Customers", slug: "new-customers", r: [5, 5], f: [1, 1], m: [1, 5] },
  { name: "Promising", slug: "promising", r: [4, 4], f: [1, 1], m: [1, 5] },
  { name: "Need Attention", slug: "need-attention", r: [3, 3], f: [2, 3], m: [1, 5] },
  { name: "About To Sleep", slug: "about-to-sleep", r: [3, 3], f: [1, 1], m: [1, 5] },
  { name: "Can't Lose Them", slug: "cant-lose-them", r: [1, 2], f: [4, 5], m: [4, 5] },
  { name: "At Risk", slug: "at-risk", r: [1, 2], f: [3, 5], m: [1, 5] },
  { name: "Hibernating", slug: "hibernating", r: [2, 2], f: [1, 2], m: [1, 5] },
  { name: "Lost", slug: "lost", r: [1, 1], f: [1, 2], m: [1, 5] },
];

/** "Can't Lose Them" → "cant-lose-them"; accents folded; "" when nothing usable is left. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    // Hyphens never repeat after the line above, so mutating -+ to - here changes nothing (two
    // known equivalent survivors); not disabled, as the same line's anchors are tested.
    .replace(/^-+|-+$/g, "");
}

/** Index of an (R, F, M) cell in 0…124. */
export function cellIndex(r: number, f: number, m: number): number {
  return (r - 1) * 25 + (f - 1) * 5 + (m - 1);
}

export interface Cell {
  r: Score;
  f: Score;
  m: Score;
}

function* allCells(): Generator<Cell> {
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) yield { r, f, m } as Cell;
}

function inRange(x: number, [lo, hi]: ScoreRange): boolean {
  return x >= lo && x <= hi;
}

function ruleMatches(rule: PersonaRule, { r, f, m }: Cell): boolean {
  return inRange(r, rule.r) && inRange(f, rule.f) && inRange(m, rule.m);
}

function ruleSlug(rule: PersonaRule): string {
  return rule.slug ?? slugify(rule.name);
}

/** A persona map ready for millions of lookups: 125 cells → index into `personas`. */
export interface CompiledPersonaMap {
  /** Personas in rule order (a slug used by several rules appears once), then Lost and Others when needed. */
  personas: readonly Persona[];
  /** cells[cellIndex(r, f, m)] = index into personas. */
  cells: Uint8Array;
  /**
   * The Lost persona (appended when no rule names it, so every map has one). Customers whose
   * counted orders all lie before the window are no longer sent here wholesale: they go through
   * the cells with R = 1 like everyone (decision 024).
   */
  lostIndex: number;
}

/**
 * Turns rules into personas and a cell table. Several rules may share a slug (one
 * persona drawn with several ranges); the first rule names and colours it. Built-in
 * slugs keep their built-in colour and description unless the rule overrides them.
 */
export function compilePersonaMap(rules: readonly PersonaRule[]): CompiledPersonaMap {
  const personas: Persona[] = [];
  const indexBySlug = new Map<string, number>();
  const builtIn = new Map(PERSONAS.map((p) => [p.slug, p]));
  const personaIndexOfRule = rules.map((rule) => {
    const slug = ruleSlug(rule);
    const known = indexBySlug.get(slug);
    if (known !== undefined) return known;
    const base = builtIn.get(slug);
    personas.push({
      slug,
      name: rule.name,
      color: rule.color ?? base?.color ?? paletteColor(personas.length),
      description: rule.description ?? base?.description ?? "",
      uses: base?.uses ?? [],
    });
    indexBySlug.set(slug, personas.length - 1);
    return personas.length - 1;
  });

  const UNSET = 255;
  const cells = new Uint8Array(125).fill(UNSET);
  for (const cell of allCells()) {
    const i = rules.findIndex((rule) => ruleMatches(rule, cell));
    if (i >= 0) cells[cellIndex(cell.r, cell.f, cell.m)] = personaIndexOfRule[i];
  }
  if (cells.includes(UNSET)) {
    personas.push(OTHERS_PERSONA);
    const others = personas.length - 1;
    // Stryker disable next-line EqualityOperator: i <= length only reads and writes past a typed array's end, a no-op
    for (let i = 0; i < cells.length; i++) if (cells[i] === UNSET) cells[i] = others;
  }
  let lostIndex = indexBySlug.get(LOST_SLUG);
  if (lostIndex === undefined) {
    personas.push(PERSONAS.find((p) => p.slug === LOST_SLUG)!);
    lostIndex = personas.length - 1;
  }
  if (personas.length > 250) throw new RangeError("a persona map may define at most 250 personas");
  return { personas, cells, lostIndex };
}

/** Colours of custom personas, in turn. Like the defaults, each keeps 3:1 contrast on a white card (WCAG 1.4.11). */
export const PALETTE = ["#6C5CE7", "#00866B", "#0984E3", "#B7860B", "#D35A3C", "#D63031", "#636E72", "#E84393"];
function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export function personaRulesFor(settings: PersonaSettings): readonly PersonaRule[] {
  return settings.map === "custom" ? settings.rules : DEFAULT_PERSONA_RULES;
}

export interface PersonaMapCheck {
  /** Every cell matched by some rule (no "Others"). */
  complete: boolean;
  /** Cells no rule matches: they become "Others". */
  gaps: Cell[];
  /** Rules whose every cell is already taken by earlier rules: they never apply. */
  unreachable: { rule: number; name: string }[];
  /** Later rules sharing cells with earlier ones (harmless when intended: first match wins). */
  overlaps: { rule: number; name: string; earlierRule: number; earlierName: string; cells: number }[];
}

export function validatePersonaMap(rules: readonly PersonaRule[]): PersonaMapCheck {
  const cells = [...allCells()];
  const firstMatch = cells.map((cell) => rules.findIndex((rule) => ruleMatches(rule, cell)));
  const gaps = cells.filter((_, i) => firstMatch[i] === -1);
  const unreachable: PersonaMapCheck["unreachable"] = [];
  const overlaps: PersonaMapCheck["overlaps"] = [];
  rules.forEach((rule, i) => {
    const own = cells.filter((cell) => ruleMatches(rule, cell));
    if (!own.some((cell) => firstMatch[cellIndex(cell.r, cell.f, cell.m)] === i)) {
      unreachable.push({ rule: i, name: rule.name });
    }
    for (let j = 0; j < i; j++) {
      const shared = own.filter((cell) => ruleMatches(rules[j], cell)).length;
      if (shared > 0) overlaps.push({ rule: i, name: rule.name, earlierRule: j, earlierName: rules[j].name, cells: shared });
    }
  });
  return { complete: gaps.length === 0, gaps, unreachable, overlaps };
}

function rangeText([lo, hi]: ScoreRange): string {
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}

/**
 * Markdown for the README and the settings preview: the rule list (with how many
 * cells each rule actually gets) and an R × F grid where M splits are spelled out.
 */
export function personaMapMarkdown(rules: readonly PersonaRule[] = DEFAULT_PERSONA_RULES): string {
  const map = compilePersonaMap(rules);
  const check = validatePersonaMap(rules);
  const firstMatch = (cell: Cell) => rules.findIndex((rule) => ruleMatches(rule, cell));
  const won = rules.map((_, i) => [...allCells()].filter((cell) => firstMatch(cell) === i).length);

  const lines = ["| # | Persona | R | F | M | Cells |", "|---|---|---|---|---|---|"];
  rules.forEach((rule, i) => {
    lines.push(`| ${i + 1} | ${rule.name} | ${rangeText(rule.r)} | ${rangeText(rule.f)} | ${rangeText(rule.m)} | ${won[i]} |`);
  });
  if (check.gaps.length > 0) lines.push(`| – | ${OTHERS_PERSONA.name} (unmatched) | | | | ${check.gaps.length} |`);
  lines.push("", "First matching rule wins. Grid of R (rows) × F (columns); M splits shown where M matters:", "");
  lines.push("| R \\ F | 1 | 2 | 3 | 4 | 5 |", "|---|---|---|---|---|---|");
  for (let r = 5; r >= 1; r--) {
    const row = [`**${r}**`];
    for (let f = 1; f <= 5; f++) {
      // Group consecutive M scores that share a persona: "Champions (M 4–5) · Loyal (M 1–3)".
      const runs: { name: string; lo: number; hi: number }[] = [];
      for (let m = 1; m <= 5; m++) {
        const name = map.personas[map.cells[cellIndex(r, f, m)]].name;
        const last = runs[runs.length - 1];
        if (last && last.name === name) last.hi = m;
        else runs.push({ name, lo: m, hi: m });
      }
      row.push(
        runs.length === 1
          ? runs[0].name
          : // Stryker disable next-line MethodExpression: runs is rebuilt for every cell and not read after this, so reversing it in place changes nothing
            runs
              .slice()
              .reverse()
              .map((run) => `${run.name} (M ${rangeText([run.lo, run.hi])})`)
              .join(" · "),
      );
    }
    lines.push(`| ${row.join(" | ")} |`);
  }
  return lines.join("\n");
}
