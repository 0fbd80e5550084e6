/**
 * The CDNOW purchase log (../shared/datasets/cdnow_master.txt), replayed to any size for
 * benchmarks: order n is CDNOW row n mod rows of replica k = ⌊n / rows⌋, bought by
 * customer "<k>-<id>", its date shifted by 3·k days so replicas do not coincide.
 */
import { defaultDatasetsDir, readCdnow as readCdnowLog } from "../../sim/kit/datasets";

export interface CdnowRow {
  customer: string;
  /** UTC day number. */
  day: number;
  cents: number;
}

/** The simulator kit's CDNOW reader, with days as UTC day numbers for replaying. */
export function readCdnow(): CdnowRow[] {
  return readCdnowLog(defaultDatasetsDir(), false).map((row) => ({
    customer: row.customer,
    day: Date.UTC(+row.day.slice(0, 4), +row.day.slice(5, 7) - 1, +row.day.slice(8, 10)) / 86_400_000,
    cents: row.cents,
  }));
}

export interface ReplayedOrder {
  n: number;
  customer: string;
  /** ISO instant (noon UTC of the shifted day). */
  at: string;
  cents: number;
}

export function* replayCdnow(rows: CdnowRow[], orders: number): Generator<ReplayedOrder> {
  for (let n = 0; n < orders; n++) {
    const k = Math.floor(n / rows.length);
    const row = rows[n % rows.length];
    yield {
      n,
      customer: `${k}-${row.customer}`,
      at: new Date((row.day + 3 * k) * 86_400_000 + 43_200_000).toISOString(),
      cents: row.cents,
    };
  }
}

/** Split an amount over 1–3 line items (by order number), summing exactly to it. */
export function splitIntoLines(n: number, cents: number): number[] {
  const parts = 1 + (n % 3);
  const out: number[] = [];
  let left = cents;
  for (let p = 0; p < parts; p++) {
    const c = p === parts - 1 ? left : Math.floor(cents / parts);
    out.push(c);
    left -= c;
  }
  return out;
}

export const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
