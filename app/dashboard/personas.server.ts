/**
 * Personas pages: every persona of the shop's map with its size, and one persona in
 * depth — its definition (the map rules that assign it and the score cells they win),
 * customer-lifetime figures, who moved in and out over a period, what to use it for,
 * and the tag and segment it carries in the store.
 */
import { isoDate, personaRulesFor, shopDayOf, slugify, validatePersonaMap, type PersonaRule } from "~/rfm";
import { shopSettings } from "~/shops/settings.server";
import type { ShopSettings } from "~/settings/shop-settings";
import { recencyDaysSql } from "~/scoring/recency";
import type { Db } from "~/db/index.server";
import { personaCatalog, withDataSlugs, type PersonaInfo } from "./catalog.server";
import { shopScoreEdges, type ShopScoreEdges } from "./edges.server";
import { carriedPersonas, outsideWindowCount, personaFigures, personaMedian, totalsPerPersona } from "./totals.server";

/** A map rule's score ranges, e.g. R 4–5, F 4–5, M 1–5 (pages put them in the shop's terms with the edges). */
export interface RuleRanges {
  r: readonly [number, number];
  f: readonly [number, number];
  m: readonly [number, number];
}

export interface PersonaListItem extends PersonaInfo {
  customers: number;
  customerShare: number;
  revenueMinor: number;
  revenueShare: number;
  /** Score cells (of 125) this persona gets from the map. */
  cells: number;
  /** The map rules that assign it, in map order. */
  rules: RuleRanges[];
}

export interface PersonasList {
  currency: string;
  customersScored: number;
  personas: PersonaListItem[];
  /** What each score means in this shop now; null before the first scoring. */
  edges: ShopScoreEdges | null;
}

export async function listPersonas(db: Db, shopId: string): Promise<PersonasList> {
  const settings = await shopSettings(db, shopId);
  const rows = (await totalsPerPersona(db, shopId)).map((r) => ({ persona: r.persona, customers: r.customers, revenueMinor: r.monetaryMinor }));
  const bySlug = new Map(rows.map((r) => [r.persona, r]));
  const total = rows.reduce((s, r) => s + r.customers, 0);
  const revenue = rows.reduce((s, r) => s + r.revenueMinor, 0);
  const cells = cellsPerPersona(settings);
  const catalog = withDataSlugs(settings, personaCatalog(settings), bySlug.keys());
  const rules = personaRulesFor(settings.personas);
  return {
    currency: await shopCurrency(db, shopId),
    customersScored: total,
    edges: await shopScoreEdges(db, shopId),
    personas: catalog.map((p) => {
      const row = bySlug.get(p.slug);
      return {
        ...p,
        customers: row?.customers ?? 0,
        customerShare: total > 0 ? (row?.customers ?? 0) / total : 0,
        revenueMinor: row?.revenueMinor ?? 0,
        revenueShare: revenue > 0 ? (row?.revenueMinor ?? 0) / revenue : 0,
        cells: cells.get(p.slug) ?? 0,
        rules: rules.filter((rule) => ruleSlug(rule) === p.slug).map(({ r, f, m }) => ({ r, f, m })),
      };
    }),
  };
}

export interface PersonaRuleView {
  /** 1-based position in the map (first match wins). */
  position: number;
  r: readonly [number, number];
  f: readonly [number, number];
  m: readonly [number, number];
  /** Cells this rule actually gets (earlier rules win shared cells). */
  cellsWon: number;
  /** The ranges in a merchant's words, e.g. "bought recently, often, and spent the most". */
  words: string;
}

export interface TransitionRow {
  slug: string;
  name: string;
  color: string;
  customers: number;
}

export interface PersonaDetail {
  currency: string;
  persona: PersonaInfo;
  definition: {
    rules: PersonaRuleView[];
    cells: number;
    /** More about who lands here, in words (customers outside the window; Others: map gaps). */
    notes: string[];
    /** What each score means in this shop now; null before the first scoring. */
    edges: ShopScoreEdges | null;
    /** Members whose counted orders all lie before the lookback window (R1 on their older orders). */
    outsideWindow: number;
  };
  figures: {
    customers: number;
    customerShare: number;
    revenueMinor: number;
    orders: number;
    aovMinor: number | null;
    ordersPerCustomer: number | null;
    avgLifetimeDays: number | null;
    median: {
      r: number | null;
      f: number | null;
      m: number | null;
      recencyDays: number | null;
      frequency: number | null;
      monetaryMinor: number | null;
    };
  };
  transitions: {
    days: number;
    /** First day counted ("YYYY-MM-DD"). */
    since: string;
    /** Where customers came from ("" slug = new to scoring). */
    in: TransitionRow[];
    /** Where customers went ("" slug = no persona any more). */
    out: TransitionRow[];
    totalIn: number;
    totalOut: number;
  };
}

export interface PersonaDetailOptions {
  days: number;
  now?: Date;
}

export async function getPersonaDetail(
  db: Db,
  shopId: string,
  slug: string,
  { days, now = new Date() }: PersonaDetailOptions,
): Promise<PersonaDetail | null> {
  const settings = await shopSettings(db, shopId);
  const catalog = personaCatalog(settings);
  let persona = catalog.find((p) => p.slug === slug);
  if (!persona) {
    const held = (await carriedPersonas(db, shopId)).includes(slug);
    if (!held) return null;
    persona = withDataSlugs(settings, catalog, [slug]).find((p) => p.slug === slug)!;
  }

  const rules = personaRulesFor(settings.personas);
  const won = cellWinners(rules);
  const ruleViews: PersonaRuleView[] = [];
  rules.forEach((rule, i) => {
    if (ruleSlug(rule) !== slug) return;
    ruleViews.push({
      position: i + 1,
      r: rule.r,
      f: rule.f,
      m: rule.m,
      cellsWon: won.filter((w) => w === i).length,
      words: ruleInWords(rule),
    });
  });
  const notes: string[] = [];
  // Customers outside the window are scored R1 on their older orders and placed by the map like
  // everyone (decision 024): said here, so R1 personas never silently mean two things.
  const lookbackDays = settings.rules.lookbackDays;
  // Recency counts from the shop's scoring day (app/scoring/recency.ts); without one, from the stored figure.
  const scoringDay = (await db.prepare(`SELECT scoringDay FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) as number | null | undefined;
  const outsideWindow =
    lookbackDays === null
      ? 0
      : scoringDay != null
        ? await outsideWindowCount(db, shopId, slug, scoringDay, lookbackDays)
        : ((await db
          .prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona = ? AND ${recencyDaysSql(db)} >= ?`)
          .pluck()
          .get(shopId, slug, lookbackDays)) as number);
  if (outsideWindow > 0) {
    notes.push(
      `${outsideWindow.toLocaleString("en-US")} of these customers last ordered outside the ${lookbackDays}-day lookback window: they are R1, with F and M from their older orders.`,
    );
  }
  if (slug === "others") {
    const gaps = validatePersonaMap(rules).gaps.length;
    notes.push(`The ${gaps} score cells no rule of your map covers. Add rules in Settings to give them a persona.`);
  }

  const agg = await personaFigures(db, shopId, slug);
  const scored = (await totalsPerPersona(db, shopId)).reduce((s, r) => s + r.customers, 0);

  const median = async (column: "r" | "f" | "m" | "recencyDays" | "frequency" | "monetaryMinor"): Promise<number | null> => {
    const n = agg.customers;
    if (n === 0) return null;
    // Scores and recency from the totals; orders and spend walk the (shopId, persona, …) indexes.
    if (column === "r" || column === "f" || column === "m") return personaMedian(db, shopId, slug, column);
    if (column === "recencyDays" && scoringDay != null) return personaMedian(db, shopId, slug, { recencyAsOfDay: scoringDay });
    // Column names come from the fixed union above; recency is derived when read.
    const value = column === "recencyDays" ? recencyDaysSql(db) : column;
    const pick = db.prepare(
      `SELECT ${value} FROM "Customer" WHERE shopId = ? AND persona = ? AND ${value} IS NOT NULL
       ORDER BY ${value} LIMIT ? OFFSET ?`,
    );
    const values = (await pick.pluck().all(shopId, slug, n % 2 === 1 ? 1 : 2, n % 2 === 1 ? (n - 1) / 2 : n / 2 - 1)) as number[];
    if (values.length === 0) return null;
    return values.reduce((s, v) => s + v, 0) / values.length;
  };

  // Snapshots and transitions are keyed by the shop's days (recompute), so the window is too.
  const timeZone = await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string | undefined;
  const today = shopDayOf(timeZone)(now);
  const since = isoDate(today - days + 1);
  const names = new Map(withDataSlugs(settings, catalog, []).map((p) => [p.slug, p]));
  const label = (s: string): { name: string; color: string } => {
    if (s === "") return { name: "", color: "#BDBDBD" };
    const p = names.get(s) ?? withDataSlugs(settings, catalog, [s]).find((x) => x.slug === s)!;
    return { name: p.name, color: p.color };
  };
  const moves = async (sql: string) =>
    (await db.prepare(sql).all(shopId, slug, since) as { slug: string; customers: number }[]).map((r) => ({
      slug: r.slug,
      ...label(r.slug),
      customers: r.customers,
    }));
  const inRows = await moves(
    `SELECT fromPersona AS slug, sum(customers) AS customers FROM "PersonaTransition"
     WHERE shopId = ? AND toPersona = ? AND day >= ? AND fromPersona <> toPersona GROUP BY fromPersona ORDER BY customers DESC, slug`,
  );
  const outRows = await moves(
    `SELECT toPersona AS slug, sum(customers) AS customers FROM "PersonaTransition"
     WHERE shopId = ? AND fromPersona = ? AND day >= ? AND fromPersona <> toPersona GROUP BY toPersona ORDER BY customers DESC, slug`,
  );

  return {
    currency: await shopCurrency(db, shopId),
    persona,
    definition: {
      rules: ruleViews,
      cells: ruleViews.reduce((s, r) => s + r.cellsWon, 0),
      notes,
      edges: await shopScoreEdges(db, shopId),
      outsideWindow,
    },
    figures: {
      customers: agg.customers,
      customerShare: scored > 0 ? agg.customers / scored : 0,
      revenueMinor: agg.revenueMinor,
      orders: agg.orders,
      aovMinor: agg.orders > 0 ? Math.round(agg.revenueMinor / agg.orders) : null,
      ordersPerCustomer: agg.customers > 0 ? agg.orders / agg.customers : null,
      avgLifetimeDays: agg.lifetime,
      median: {
        r: await median("r"),
        f: await median("f"),
        m: await median("m"),
        recencyDays: await median("recencyDays"),
        frequency: await median("frequency"),
        monetaryMinor: await median("monetaryMinor"),
      },
    },
    transitions: {
      days,
      since,
      in: inRows,
      out: outRows,
      totalIn: inRows.reduce((s, r) => s + r.customers, 0),
      totalOut: outRows.reduce((s, r) => s + r.customers, 0),
    },
  };
}

async function shopCurrency(db: Db, shopId: string): Promise<string> {
  return (await db.prepare(`SELECT currency FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string | undefined) ?? "USD";
}

function ruleSlug(rule: PersonaRule): string {
  return rule.slug ?? slugify(rule.name);
}

type Band = readonly [lo: number, hi: number];
const RECENCY: [Band, string][] = [
  [[5, 5], "bought very recently"],
  [[4, 5], "bought recently"],
  [[3, 5], "bought not too long ago"],
  [[3, 3], "last bought a while ago"],
  [[2, 3], "have not bought for some time"],
  [[1, 2], "have not bought for a long time"],
  [[1, 1], "bought longest ago"],
];
const FREQUENCY: [Band, string][] = [
  [[5, 5], "buy the most often"],
  [[4, 5], "buy often"],
  [[3, 5], "buy fairly often"],
  [[2, 3], "placed a few orders"],
  [[1, 1], "placed one order (or the fewest)"],
  [[1, 2], "placed few orders"],
];
const MONETARY: [Band, string][] = [
  [[5, 5], "spend the most"],
  [[4, 5], "spend a lot"],
  [[3, 5], "spend at least average"],
  [[1, 3], "spend up to average"],
  [[1, 2], "spend little"],
  [[1, 1], "spend the least"],
];

function band(range: readonly [number, number], bands: [Band, string][], score: string): string | null {
  if (range[0] === 1 && range[1] === 5) return null; // any score: not part of the definition
  const hit = bands.find(([b]) => b[0] === range[0] && b[1] === range[1]);
  return hit ? hit[1] : `have a ${score} score of ${range[0] === range[1] ? range[0] : `${range[0]}–${range[1]}`}`;
}

/** "Customers who bought recently, buy often and spend a lot." */
export function ruleInWords(rule: Pick<PersonaRule, "r" | "f" | "m">): string {
  const parts = [band(rule.r, RECENCY, "recency"), band(rule.f, FREQUENCY, "frequency"), band(rule.m, MONETARY, "monetary")].filter(
    (p): p is string => p !== null,
  );
  if (parts.length === 0) return "Every customer not taken by an earlier rule.";
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `Customers who ${list}.`;
}

/** For each of the 125 cells (cellIndex order), the index of the rule that wins it, or −1. */
function cellWinners(rules: readonly PersonaRule[]): number[] {
  const out: number[] = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++)
      for (let m = 1; m <= 5; m++) {
        out.push(
          rules.findIndex(
            (rule) => r >= rule.r[0] && r <= rule.r[1] && f >= rule.f[0] && f <= rule.f[1] && m >= rule.m[0] && m <= rule.m[1],
          ),
        );
      }
  return out;
}

function cellsPerPersona(settings: ShopSettings): Map<string, number> {
  const rules = personaRulesFor(settings.personas);
  const counts = new Map<string, number>();
  for (const w of cellWinners(rules)) {
    const slug = w >= 0 ? ruleSlug(rules[w]) : "others";
    counts.set(slug, (counts.get(slug) ?? 0) + 1);
  }
  return counts;
}
