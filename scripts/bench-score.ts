/**
 * Benchmark: score ~1M customers / ~3M counted orders with the engine's columnar API,
 * and the same computation in pandas, in one run.
 *
 *   npx tsx scripts/bench-score.ts [--replicas 43] [--runs 7] [--warm-up 2]
 *
 * Data: the CDNOW log (23,570 customers, 69,659 purchase rows; the 80 $0 rows don't
 * count) replayed N times. Replica k gets customer ids shifted by k × 23,570 and every
 * date shifted by (k mod 7) days, so replicas are distinct customers with slightly
 * different recencies. Each row is one counted order. All-time lookback, quintiles,
 * default persona map.
 *
 * Timed on both sides: the computation only (per-customer metrics, quintile scores with
 * ties kept together, persona lookup) on data already in memory. Not timed: CSV parsing
 * and loading, on both sides. pandas runs in /usr/bin/python3 (Debian's python3-pandas,
 * installed with apt-get when missing).
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  compilePersonaMap,
  DAY_MS,
  DEFAULT_PERSONA_RULES,
  isoDate,
  parseOrderTable,
  parseSettings,
  scoreCountedOrders,
  type CountedOrderColumns,
  type ScoredCustomerColumns,
} from "../app/rfm/index";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const datasets = process.env.RFM_DATASETS_DIR ?? path.resolve(root, "../shared/datasets");
const PYTHON = "/usr/bin/python3"; // Debian's python, which sees python3-pandas (a pyenv python3 on PATH would not)

const { values: args } = parseArgs({
  options: {
    replicas: { type: "string", default: "43" },
    runs: { type: "string", default: "7" },
    "warm-up": { type: "string", default: "2" },
  },
});
const replicas = Number(args.replicas);
const runs = Number(args.runs);
const warmUps = Number(args["warm-up"]);

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

// --- data -------------------------------------------------------------------------------
const parsed = parseOrderTable(readFileSync(path.join(datasets, "cdnow_master.txt"), "utf8"), {
  dateColumn: "date",
  amountColumn: "dollar_value",
});
if (!parsed.ok) throw new Error(`cdnow_master.txt: ${JSON.stringify(parsed.errors)}`);
const base = parsed.table.columns;
const baseOrders = base.customerIndex.length;
const orderCount = baseOrders * replicas;
const customerIndex = new Int32Array(orderCount);
const day = new Int32Array(orderCount);
const amountMinor = new Float64Array(orderCount);
let maxDay = -Infinity;
for (let k = 0; k < replicas; k++) {
  const shiftCustomers = k * base.customerCount;
  const shiftDays = k % 7;
  const offset = k * baseOrders;
  for (let i = 0; i < baseOrders; i++) {
    customerIndex[offset + i] = base.customerIndex[i] + shiftCustomers;
    day[offset + i] = base.day[i] + shiftDays;
    amountMinor[offset + i] = base.amountMinor[i];
    if (day[offset + i] > maxDay) maxDay = day[offset + i];
  }
}
const columns: CountedOrderColumns = { customerCount: base.customerCount * replicas, customerIndex, day, amountMinor };
const asOfDay = maxDay + 1;
const asOf = new Date(asOfDay * DAY_MS);
const settingsResult = parseSettings({ rules: { lookbackDays: null } });
if (!settingsResult.ok) throw new Error("settings");
const settings = settingsResult.settings;
log(
  `data: CDNOW ×${replicas} (customer ids + k·${base.customerCount}, dates + (k mod 7) days): ` +
    `${columns.customerCount.toLocaleString("en")} customers, ${orderCount.toLocaleString("en")} orders, as of ${isoDate(asOfDay)}`,
);

// --- ours -------------------------------------------------------------------------------
const ourTimes: number[] = [];
let scored: ScoredCustomerColumns | null = null;
// Warm-up runs let V8 optimise the hot loops, as in a long-lived recompute worker; not counted.
for (let i = 0; i < warmUps; i++) scoreCountedOrders(columns, settings, asOf);
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  scored = scoreCountedOrders(columns, settings, asOf);
  ourTimes.push(performance.now() - t);
}
const maxRssMb = process.resourceUsage().maxRSS / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ourMs = median(ourTimes);
log(`ours: runs ${ourTimes.map((t) => t.toFixed(0)).join(", ")} ms`);

// --- pandas -----------------------------------------------------------------------------
function ensurePandas(): boolean {
  const probe = spawnSync(PYTHON, ["-c", "import pandas"], { encoding: "utf8" });
  if (probe.status === 0) return true;
  log("pandas missing for /usr/bin/python3: apt-get update && apt-get install -y python3-pandas");
  const update = spawnSync("apt-get", ["update"], { stdio: ["ignore", 2, 2] });
  const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "python3-pandas"], { stdio: ["ignore", 2, 2], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }) : update;
  return install.status === 0 && spawnSync(PYTHON, ["-c", "import pandas"]).status === 0;
}

const dir = mkdtempSync(path.join(tmpdir(), "bench-score-"));
let pandas: {
  pandas: string;
  customers: number;
  orders: number;
  load_ms: number;
  compute_ms: number[];
  persona_counts: Record<string, number>;
} | null = null;
try {
  if (ensurePandas()) {
    const csv = path.join(dir, "orders.csv");
    const fd = openSync(csv, "w");
    writeSync(fd, "customer_id,order_date,amount\n");
    const dates = new Map<number, string>();
    const chunk: string[] = [];
    for (let i = 0; i < orderCount; i++) {
      let date = dates.get(day[i]);
      if (date === undefined) dates.set(day[i], (date = isoDate(day[i])));
      chunk.push(`${customerIndex[i]},${date},${(amountMinor[i] / 100).toFixed(2)}\n`);
      if (chunk.length === 100_000) writeSync(fd, chunk.splice(0).join(""));
    }
    writeSync(fd, chunk.join(""));
    closeSync(fd);
    // Hand pandas our exact persona map: 125 cells → persona index.
    const map = compilePersonaMap(DEFAULT_PERSONA_RULES);
    const cells = Array.from(map.cells); // index = cellIndex(r, f, m) = (r−1)·25 + (f−1)·5 + (m−1)
    const cellsFile = path.join(dir, "cells.json");
    writeFileSync(cellsFile, JSON.stringify({ personas: map.personas.map((p) => p.slug), cells }));
    const run = spawnSync(PYTHON, [path.join(root, "scripts/bench-score-pandas.py"), csv, isoDate(asOfDay), cellsFile, "3"], {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    if (run.status !== 0) log(`pandas run failed: ${run.stderr}`);
    else pandas = JSON.parse(run.stdout.trim().split("\n").pop()!);
  } else {
    log("pandas could not be installed: no comparison");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// --- figures ----------------------------------------------------------------------------
const customers = columns.customerCount;
const fmt = (n: number) => Math.round(n).toLocaleString("en");
console.log(
  `ours: ${fmt(customers)} customers, ${fmt(orderCount)} orders in ${ourMs.toFixed(0)} ms (median of ${runs} after ${warmUps} warm-up) = ` +
    `${fmt(customers / (ourMs / 1000))} customers/s; peak RSS ${maxRssMb.toFixed(0)} MB (whole process, data included)`,
);
if (pandas && scored) {
  const pandasMs = median(pandas.compute_ms);
  const ours = Object.fromEntries(scored.report.personas.map((p) => [p.slug, p.customers]));
  const agree = Object.entries(pandas.persona_counts).every(([slug, n]) => ours[slug] === n);
  console.log(
    `pandas ${pandas.pandas}: ${fmt(pandas.customers)} customers in ${pandasMs.toFixed(0)} ms (median of ${pandas.compute_ms.length}; CSV load ${fmt(pandas.load_ms)} ms not counted)`,
  );
  console.log(
    `ratio ours/pandas = ${(ourMs / pandasMs).toFixed(2)} (goal ≤ 0.5); persona counts ${agree ? "agree" : "DIFFER"}; ` +
      `timed: metrics + quintile scores + personas on in-memory data, CSV parsing excluded on both sides`,
  );
  if (!agree) {
    console.log(`ours:   ${JSON.stringify(ours)}`);
    console.log(`pandas: ${JSON.stringify(pandas.persona_counts)}`);
    process.exitCode = 1;
  }
}
