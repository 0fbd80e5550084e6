/**
 * Per-persona summary for dashboards and the CLI: how many customers, orders and
 * how much revenue each persona holds, and what a typical member looks like (medians).
 */
import { NO_PERSONA, type ScoredCustomerColumns } from "./engine";

export interface PersonaSummary {
  slug: string;
  name: string;
  customers: number;
  orders: number;
  revenueMinor: number;
  /** Revenue / orders, rounded to a minor unit; null without orders. */
  aovMinor: number | null;
  median: {
    recencyDays: number | null;
    frequency: number | null;
    monetaryMinor: number | null;
    r: number | null;
    f: number | null;
    m: number | null;
  };
}

function median(values: Float64Array): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarizePersonas(scored: ScoredCustomerColumns): PersonaSummary[] {
  const { metrics, persona } = scored;
  const members: number[][] = scored.personas.map(() => []);
  for (let c = 0; c < scored.customerCount; c++) if (persona[c] !== NO_PERSONA) members[persona[c]].push(c);
  return scored.personas.map((p, i) => {
    const ids = members[i];
    const pick = (column: ArrayLike<number>) => median(Float64Array.from(ids, (c) => column[c]));
    let orders = 0;
    let revenueMinor = 0;
    for (const c of ids) {
      orders += metrics.frequency[c];
      revenueMinor += metrics.monetaryMinor[c];
    }
    return {
      slug: p.slug,
      name: p.name,
      customers: ids.length,
      orders,
      revenueMinor,
      aovMinor: orders > 0 ? Math.round(revenueMinor / orders) : null,
      median: {
        recencyDays: pick(metrics.recencyDays),
        frequency: pick(metrics.frequency),
        monetaryMinor: pick(metrics.monetaryMinor),
        r: pick(scored.r),
        f: pick(scored.f),
        m: pick(scored.m),
      },
    };
  });
}
