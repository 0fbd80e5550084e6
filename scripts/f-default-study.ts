/**
 * Which default cuts frequency (F) into scores 1–5? Measures each candidate on the three
 * real data sets and prints how many customers each F score holds (decision 024).
 *
 *   npx tsx scripts/f-default-study.ts
 *
 * Candidates, all keeping customers with the same order count in the same score:
 *   quintiles   the tie-safe quintile rule (score = ⌊5·#less/n⌋ + 1), the old default
 *   fixed       order-count thresholds 1 · 2 · 3 · 4–5 · 6+
 *   repeaters   F1 = one order; F2–F5 tie-safe quartiles over the repeat buyers
 *   balanced    scores filled from F1 up, each taking the next order count and further ones while
 *               that brings it closer to its share of the customers left, leaving one count for
 *               every higher score (the new default)
 * Each over the default 365-day lookback window and over all time, as of the day after the
 * data set's last order. Customers are those with a counted order in the window.
 */
import { readFileSync } from "node:fs";
import {
  applyRules,
  computeMetrics,
  countedOrderColumns,
  DEFAULT_SETTINGS,
  parseOrderTable,
  quintileEdges,
  scoreByEdges,
  utcDay,
  windowStartDay,
  type CountedOrderColumns,
  type Edges,
} from "../app/rfm";
import { balancedFrequencyEdges } from "../app/rfm/scoring";
import { datasetPath, loadCdnow, loadOnlineRetailOrders } from "../app/rfm/test/fixtures";

interface Dataset {
  name: string;
  columns: CountedOrderColumns;
  asOf: string;
}

function datasets(): Dataset[] {
  const cdnow = loadCdnow({ sameDayAsOne: true }).columns;
  const retailOrders = loadOnlineRetailOrders();
  const retail = countedOrderColumns(applyRules(retailOrders, { ...DEFAULT_SETTINGS.rules, lookbackDays: null }, new Date("2011-12-10T00:00:00Z")).counted).columns;
  const parsed = parseOrderTable(readFileSync(datasetPath("rfm_data_orders.csv"), "utf8"), {
    customerColumn: "customer_id",
    dateColumn: "order_date",
    amountColumn: "revenue",
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return [
    { name: "CDNOW (same-day purchases as one order)", columns: cdnow, asOf: "1998-07-01" },
    { name: "Online Retail sample (invoices)", columns: retail, asOf: "2011-12-10" },
    { name: "rfm_data_orders.csv", columns: parsed.table.columns, asOf: "2007-01-01" },
  ];
}

/** F1 = 1 order, F2–F5 tie-safe quartiles over customers with two or more. */
function repeaterEdges(values: number[]): Edges {
  const repeat = values.filter((v) => v >= 2).sort((a, b) => a - b);
  const n = repeat.length;
  if (n === 0) return [Infinity, Infinity, Infinity, Infinity];
  const edges = [2];
  for (let j = 1; j <= 3; j++) {
    const need = Math.ceil((j * n) / 4); // customers below the lowest value earning score j + 2
    const v = repeat.find((x) => repeat.filter((y) => y < x).length >= need);
    edges.push(v ?? Infinity);
  }
  return edges as unknown as Edges;
}

function describeEdges(edges: Edges): string {
  const parts: string[] = [];
  const lows = [1, ...edges];
  for (let k = 0; k < 5; k++) {
    const from = lows[k];
    const next = k < 4 ? lows[k + 1] : Infinity;
    if (!Number.isFinite(from) || next <= from) parts.push(`F${k + 1} –`);
    else if (!Number.isFinite(next)) parts.push(`F${k + 1} ${from}+`);
    else parts.push(`F${k + 1} ${next - 1 === from ? from : `${from}–${next - 1}`}`);
  }
  return parts.join(" · ");
}

const pad = (s: string, n: number) => s.padEnd(n);
for (const set of datasets()) {
  for (const lookbackDays of [365, null]) {
    const asOfDay = utcDay(set.asOf);
    const metrics = computeMetrics(set.columns, asOfDay, windowStartDay(asOfDay, lookbackDays));
    const values: number[] = [];
    for (let c = 0; c < metrics.customerCount; c++) if (metrics.inWindow[c] === 1) values.push(metrics.frequency[c]);
    const distinct = new Set(values).size;
    const one = values.filter((v) => v === 1).length;
    console.log(
      `\n${set.name}, ${lookbackDays === null ? "all time" : `${lookbackDays}-day window`}: ${values.length} customers, ` +
        `${distinct} distinct order counts, ${((100 * one) / values.length).toFixed(1)} % with one order`,
    );
    const candidates: [string, Edges][] = [
      ["quintiles", quintileEdges(values)],
      ["fixed", [2, 3, 4, 6]],
      ["repeaters", repeaterEdges(values)],
      ["balanced", balancedFrequencyEdges(values)],
    ];
    for (const [name, edges] of candidates) {
      const bins = [0, 0, 0, 0, 0];
      for (const v of values) bins[scoreByEdges(v, edges) - 1]++;
      const empty = bins.filter((b) => b === 0).length;
      const shares = bins.map((b) => `${((100 * b) / values.length).toFixed(1).padStart(5)} %`).join("  ");
      console.log(`  ${pad(name, 10)} ${shares}   empty: ${empty}   ${describeEdges(edges)}`);
    }
  }
}
