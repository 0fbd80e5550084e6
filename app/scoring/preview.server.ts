/**
 * Settings preview: what a change of settings would do, computed on the shop's real
 * stored orders and writing nothing. Both the current and the candidate settings are
 * applied to the same orders as of the same instant, so the from → to matrix shows the
 * effect of the settings alone, not of orders that arrived since the last recompute.
 * Orders are read the way recompute reads them (the columnar read path,
 * app/sync/order-columns.server.ts), so a preview of the current settings is exactly what a
 * recompute now would produce.
 */
import type { Db } from "~/db/index.server";
import { NO_PERSONA, scoreCountedOrders, shopDayOf, type PersonaCount, type RulesReport } from "~/rfm";
import type { ColumnRulesResult } from "~/rfm/rules-columns";
import { rfmPart, type ShopSettings } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import { readCountedOrders } from "~/sync/order-columns.server";

export interface PreviewDeps {
  db: Db;
  now?: () => Date;
}

export interface PreviewSide {
  rules: RulesReport;
  personas: PersonaCount[];
  customersWithPersona: number;
}

export interface PersonaMove {
  /** Persona slug under the current settings; "" = no persona. */
  from: string;
  /** Persona slug under the candidate settings; "" = no persona. */
  to: string;
  customers: number;
}

export interface SettingsPreview {
  asOf: string;
  current: PreviewSide;
  candidate: PreviewSide;
  /** Every (from, to) pair with customers, staying put included, largest first. */
  matrix: PersonaMove[];
  /** Customers whose persona would change. */
  moved: number;
  /** Customers with a persona under either settings. */
  customers: number;
  /** Names and colours of the personas under each settings (a rename keeps the slug, changes the name). */
  currentPersonas: { slug: string; name: string; color: string }[];
  candidatePersonas: { slug: string; name: string; color: string }[];
}

interface Scored {
  side: PreviewSide;
  /** customerKey → persona slug (customers with a counted order only). */
  persona: Map<string, string>;
  personas: { slug: string; name: string; color: string }[];
}

function score({ columns, customerKeys, report: rules }: ColumnRulesResult, settings: ShopSettings, asOf: Date, timeZone: string | undefined): Scored {
  const scored = scoreCountedOrders(columns, rfmPart(settings), asOf, { timeZone });
  const persona = new Map<string, string>();
  let customersWithPersona = 0;
  for (let c = 0; c < scored.customerCount; c++) {
    const p = scored.persona[c];
    if (p === NO_PERSONA) continue;
    persona.set(customerKeys[c], scored.personas[p].slug);
    customersWithPersona++;
  }
  return {
    side: { rules, personas: scored.report.personas, customersWithPersona },
    persona,
    personas: scored.personas.map(({ slug, name, color }) => ({ slug, name, color })),
  };
}

export async function previewSettings(shopId: string, candidate: ShopSettings, deps: PreviewDeps): Promise<SettingsPreview> {
  const { db } = deps;
  const asOf = deps.now?.() ?? new Date();
  const current = await shopSettings(db, shopId);
  const timeZone = ((await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null) ?? undefined;
  const dayOf = shopDayOf(timeZone);

  const currentRules = await readCountedOrders(db, shopId, current.rules, dayOf(asOf), dayOf);
  // Same counting rules: the second pass over the orders would give the same counted orders.
  const candidateRules =
    JSON.stringify(current.rules) === JSON.stringify(candidate.rules)
      ? currentRules
      : await readCountedOrders(db, shopId, candidate.rules, dayOf(asOf), dayOf);

  const before = score(currentRules, current, asOf, timeZone);
  const after = score(candidateRules, candidate, asOf, timeZone);

  const pairs = new Map<string, number>();
  const count = (from: string, to: string) => {
    const key = `${from}\u0000${to}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  };
  for (const [key, from] of before.persona) count(from, after.persona.get(key) ?? "");
  for (const [key, to] of after.persona) if (!before.persona.has(key)) count("", to);

  const matrix: PersonaMove[] = [...pairs]
    .map(([key, customers]) => {
      const [from, to] = key.split("\u0000");
      return { from, to, customers };
    })
    .sort((a, b) => b.customers - a.customers || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));

  return {
    asOf: asOf.toISOString(),
    current: before.side,
    candidate: after.side,
    matrix,
    moved: matrix.filter((m) => m.from !== m.to).reduce((s, m) => s + m.customers, 0),
    customers: matrix.reduce((s, m) => s + m.customers, 0),
    currentPersonas: before.personas,
    candidatePersonas: after.personas,
  };
}
