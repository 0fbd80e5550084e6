/**
 * The shop's customers counted per persona, score cell and day of last order (CustomerTotal):
 * triggers on Customer keep it exact on every write, so pages read a few thousand rows instead
 * of aggregating a million customers (docs/decisions/025). In the table "" is no persona,
 * 0 no score, −1 no last order.
 */
import type { Db } from "~/db/index.server";
import { DAY_MS } from "~/rfm";

/** Customers of the shop with a persona, or without one (`persona: null`): counts and sums. */
export interface TotalsRow {
  persona: string;
  customers: number;
  guests: number;
  monetaryMinor: number;
  orders: number;
}

/** Per persona: customers, guests, counted orders, spend; `windowRevenueMinor` counts only customers whose last order is on or after `windowStartMs`. */
export async function totalsPerPersona(
  db: Db,
  shopId: string,
  windowStartMs = 0,
): Promise<(TotalsRow & { windowRevenueMinor: number })[]> {
  const rows = (await db
    .prepare(
      `SELECT persona, sum(customers) AS customers, sum(guests) AS guests, sum(monetaryMinor) AS monetaryMinor, sum(orders) AS orders,
         coalesce(sum(CASE WHEN lastOrderDay >= ? THEN monetaryMinor END), 0) AS windowRevenueMinor
       FROM "CustomerTotal" WHERE shopId = ? AND persona <> '' GROUP BY persona HAVING sum(customers) > 0`,
    )
    .all(Math.floor(Math.max(windowStartMs, 0) / DAY_MS), shopId)) as (TotalsRow & { windowRevenueMinor: number })[];
  return rows.map((r) => ({
    persona: r.persona,
    customers: Number(r.customers),
    guests: Number(r.guests),
    monetaryMinor: Number(r.monetaryMinor),
    orders: Number(r.orders),
    windowRevenueMinor: Number(r.windowRevenueMinor),
  }));
}

/** Customers who ordered but have no persona (no counted order). */
export async function customersWithoutPersona(db: Db, shopId: string): Promise<number> {
  return Number(
    await db.prepare(`SELECT coalesce(sum(customers), 0) FROM "CustomerTotal" WHERE shopId = ? AND persona = ''`).pluck().get(shopId),
  );
}

/** Customers whose last write-back failed. */
export async function failedWrites(db: Db, shopId: string): Promise<number> {
  return Number(await db.prepare(`SELECT coalesce(sum(failedWrites), 0) FROM "CustomerTotal" WHERE shopId = ?`).pluck().get(shopId));
}

/**
 * Persona slugs customers of the shop carry. A shop has a few personas over up to hundreds of
 * thousands of totals rows: the next slug after each one is one step along the primary key
 * (a skip scan, docs/decisions/041), where DISTINCT read and sorted every row of the shop.
 */
export const CARRIED_PERSONAS_SQL = `WITH RECURSIVE slug(persona) AS (
    SELECT (SELECT persona FROM "CustomerTotal" WHERE shopId = ? AND persona > '' ORDER BY persona LIMIT 1)
    UNION ALL
    SELECT (SELECT persona FROM "CustomerTotal" WHERE shopId = ? AND persona > slug.persona ORDER BY persona LIMIT 1) FROM slug WHERE slug.persona IS NOT NULL
  )
  SELECT persona FROM slug
  WHERE persona IS NOT NULL AND EXISTS (SELECT 1 FROM "CustomerTotal" t WHERE t.shopId = ? AND t.persona = slug.persona AND t.customers > 0)
  ORDER BY persona`;

export async function carriedPersonas(db: Db, shopId: string): Promise<string[]> {
  return (await db.prepare(CARRIED_PERSONAS_SQL).pluck().all(shopId, shopId, shopId)) as string[];
}

/** Customers and spend per (row score, column score, persona) of a grid; column names from a fixed union. */
export async function gridTotals(
  db: Db,
  shopId: string,
  rowDim: "r" | "f",
  colDim: "f" | "m",
): Promise<{ row: number; col: number; persona: string; customers: number; spend: number }[]> {
  const rows = (await db
    .prepare(
      `SELECT ${rowDim} AS row, ${colDim} AS col, persona, sum(customers) AS customers, sum(monetaryMinor) AS spend
       FROM "CustomerTotal" WHERE shopId = ? AND persona <> '' AND ${rowDim} <> 0 AND ${colDim} <> 0
       GROUP BY ${rowDim}, ${colDim}, persona HAVING sum(customers) > 0`,
    )
    .all(shopId)) as { row: number; col: number; persona: string; customers: number; spend: number }[];
  return rows.map((r) => ({ ...r, customers: Number(r.customers), spend: Number(r.spend) }));
}

/** Filters the totals can answer: persona (or "none") and score ranges. */
export interface TotalsFilter {
  persona?: string;
  r?: number;
  f?: number;
  m?: number;
  rMin?: number;
  rMax?: number;
  fMin?: number;
  fMax?: number;
  mMin?: number;
  mMax?: number;
}

/** Customers matching the filter, exactly. */
export async function countMatching(db: Db, shopId: string, filter: TotalsFilter): Promise<number> {
  const parts = ["shopId = ?"];
  const params: unknown[] = [shopId];
  if (filter.persona === "none") parts.push("persona = ''");
  else if (filter.persona) {
    parts.push("persona = ?");
    params.push(filter.persona);
  }
  for (const d of ["r", "f", "m"] as const) {
    const bounds: [string, number | undefined][] = [
      ["=", filter[d]],
      [">=", filter[`${d}Min`]],
      ["<=", filter[`${d}Max`]],
    ];
    const set = bounds.filter(([, v]) => v !== undefined);
    // A score filter never matches a customer without that score (0 here, NULL in Customer).
    if (set.length > 0) parts.push(`${d} <> 0`);
    for (const [op, v] of set) {
      parts.push(`${d} ${op} ?`);
      params.push(v);
    }
  }
  return Number(await db.prepare(`SELECT coalesce(sum(customers), 0) FROM "CustomerTotal" WHERE ${parts.join(" AND ")}`).pluck().get(...params));
}

/** One persona's figures: customers, spend, counted orders, average days between first and last order. */
export async function personaFigures(
  db: Db,
  shopId: string,
  persona: string,
): Promise<{ customers: number; revenueMinor: number; orders: number; lifetime: number | null }> {
  const row = (await db
    .prepare(
      `SELECT coalesce(sum(customers), 0) AS customers, coalesce(sum(monetaryMinor), 0) AS revenueMinor, coalesce(sum(orders), 0) AS orders,
         coalesce(sum(lifetimeMs), 0) AS lifetimeMs, coalesce(sum(lifetimes), 0) AS lifetimes
       FROM "CustomerTotal" WHERE shopId = ? AND persona = ?`,
    )
    .get(shopId, persona)) as Record<string, number>;
  const lifetimes = Number(row.lifetimes);
  return {
    customers: Number(row.customers),
    revenueMinor: Number(row.revenueMinor),
    orders: Number(row.orders),
    lifetime: lifetimes > 0 ? Number(row.lifetimeMs) / lifetimes / 86_400_000 : null,
  };
}

/**
 * The median of a persona's r, f, m or recency (days before `scoringDay`, from the day of the
 * last order) from the totals: the middle value, or the mean of the two middle values, of the
 * customers who have one.
 */
export async function personaMedian(
  db: Db,
  shopId: string,
  persona: string,
  of: "r" | "f" | "m" | { recencyAsOfDay: number },
): Promise<number | null> {
  const value = typeof of === "string" ? of : "(? - lastOrderDay)";
  const params = typeof of === "string" ? [shopId, persona] : [of.recencyAsOfDay, shopId, persona];
  const valid = typeof of === "string" ? `${of} <> 0` : "lastOrderDay >= 0";
  const groups = (await db
    .prepare(`SELECT ${value} AS v, sum(customers) AS n FROM "CustomerTotal" WHERE shopId = ? AND persona = ? AND ${valid} GROUP BY 1 ORDER BY 1`)
    .all(...params)) as { v: number; n: number }[];
  return weightedMedian(groups.map((g) => ({ v: Number(g.v), n: Number(g.n) })));
}

/** Median of values given as (value, how many), sorted by value. */
export function weightedMedian(groups: { v: number; n: number }[]): number | null {
  const total = groups.reduce((s, g) => s + g.n, 0);
  if (total === 0) return null;
  const at = (position: number): number => {
    let seen = 0;
    for (const g of groups) {
      seen += g.n;
      if (position < seen) return g.v;
    }
    return groups[groups.length - 1].v;
  };
  return total % 2 === 1 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

/** Customers of a persona whose last order lies `lookbackDays` or more before `scoringDay`. */
export async function outsideWindowCount(db: Db, shopId: string, persona: string, scoringDay: number, lookbackDays: number): Promise<number> {
  return Number(
    await db
      .prepare(`SELECT coalesce(sum(customers), 0) FROM "CustomerTotal" WHERE shopId = ? AND persona = ? AND lastOrderDay >= 0 AND lastOrderDay <= ?`)
      .pluck()
      .get(shopId, persona, scoringDay - lookbackDays),
  );
}
