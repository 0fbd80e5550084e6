/**
 * The shop's current score edges in its own units: days since the last order (R), counted
 * orders (F), and spend in minor units of the shop currency (M). They are the edges the last
 * recompute scored every customer by (stored with it on SyncState.scoringEdges), so what a
 * page says a score means always matches the scores it shows.
 *
 * The settings page pre-fills "My own edges" from `edges`; grids and persona definitions
 * show `ranges` (app/components/score-edges.ts turns them into words).
 */
import { isoDate, scoreRanges, type Dimension, type ScoringReport, type ValueRange } from "~/rfm";
import type { Db } from "~/db/index.server";

export interface DimensionEdges {
  /** The four edges as settings hold them (lower ≤ x < upper; R reversed); null where no value reaches that score. */
  edges: (number | null)[];
  /** Scores 1…5 (index 0 = score 1): the values that earn each, inclusive; null when none can. */
  ranges: (ValueRange | null)[];
  /** Customers in the lookback window per score 1…5. */
  customers: number[];
}

export interface ShopScoreEdges {
  currency: string;
  /** "quantiles": computed from the shop's customers; "edges": the merchant's own. */
  mode: "quantiles" | "edges";
  /** The lookback window the edges were computed over (null = all time). */
  lookbackDays: number | null;
  /** The shop day the edges hold as of, "YYYY-MM-DD". */
  asOf: string;
  /** Customers whose counted orders all lie before the window: R1, F and M by these edges. */
  customersBeforeWindow: number;
  r: DimensionEdges;
  f: DimensionEdges;
  m: DimensionEdges;
}

/** What recompute stores: enough to say what each score meant on that day. */
export interface StoredScoringEdges {
  asOfDay: number;
  lookbackDays: number | null;
  scoring: ScoringReport;
}

/** The JSON recompute writes to SyncState.scoringEdges. */
export function storedScoringEdges(asOfDay: number, lookbackDays: number | null, scoring: ScoringReport): string {
  const stored: StoredScoringEdges = { asOfDay, lookbackDays, scoring };
  return JSON.stringify(stored);
}

/** The edges the shop's customers are scored by now; null until the shop's first recompute. */
export async function shopScoreEdges(db: Db, shopId: string): Promise<ShopScoreEdges | null> {
  const row = (await db
    .prepare(
      `SELECT s.scoringEdges AS edges, h.currency AS currency FROM "Shop" h LEFT JOIN "SyncState" s ON s.shopId = h.id WHERE h.id = ?`,
    )
    .get(shopId)) as { edges: string | null; currency: string } | undefined;
  if (!row?.edges) return null;
  let stored: StoredScoringEdges;
  try {
    stored = JSON.parse(row.edges) as StoredScoringEdges;
  } catch {
    return null; // written by us, so unreadable means "not known": pages show the scores without edges
  }
  const { scoring } = stored;
  const dimension = (dim: Dimension): DimensionEdges => {
    const report = scoring[dim];
    return {
      edges: report.edges,
      ranges: scoreRanges(dim, report.edges),
      customers: report.bins.map((b) => b.customers),
    };
  };
  return {
    currency: row.currency,
    mode: scoring.r.mode,
    lookbackDays: stored.lookbackDays,
    asOf: isoDate(stored.asOfDay),
    customersBeforeWindow: scoring.customersBeforeWindow,
    r: dimension("r"),
    f: dimension("f"),
    m: dimension("m"),
  };
}
