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
 * Timed on every side: the computation only (per-customer metrics, quintile scores with
 * ties kept together, persona lookup) on data already in memory. Not timed: CSV parsing
 * and loading. pandas runs in /usr/bin/python3 (Debian's python3-pandas, installed with
 * apt-get when missing). DuckDB runs in this process (@duckdb/node-api, in-memory database,
 * its default thread count): the same CSV loaded into a table, then one CREATE TABLE … AS
 * SELECT timed — GROUP BY customer, customers below each value (= RANK() − 1 = pandas
 * rank(method="min") − 1) for the tie rule, persona by the same 125-cell table. Persona counts must agree on all sides or the run fails.
 */
import { DuckDBInstance } from "@duckdb/node-api";
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
// Plain tie-safe quintiles for F too: pandas and DuckDB compute that rule (decision 002), not the balanced F (decision 024).
const settingsResult = parseSettings({ rules: { lookbackDays: null }, scoring: { frequency: "quintiles" } });
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

// --- DuckDB -----------------------------------------------------------------------------
async function runDuckDb(csvPath: string, asOf: number, slugs: string[], cellTable: number[], timedRuns: number) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const version = String((await connection.runAndReadAll("SELECT version() AS v")).getRowObjects()[0].v);
    const threads = String((await connection.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0].t);
    let t = performance.now();
    await connection.run(
      `CREATE TABLE orders AS SELECT customer_id::INTEGER AS customer_id, (order_date - DATE '1970-01-01')::INTEGER AS day,
         round(amount * 100)::BIGINT AS amount
       FROM read_csv('${csvPath.replaceAll("'", "''")}', header = true,
         columns = {'customer_id': 'BIGINT', 'order_date': 'DATE', 'amount': 'DOUBLE'})`,
    );
    const loadMs = performance.now() - t;
    // DuckDB's own advice for big aggregations whose row order does not matter; measured ~2× on the GROUP BY here.
    await connection.run("SET preserve_insertion_order = false");
    // score = floor(5 · L / n) + 1, L = customers strictly below (decision 002; RANK() − 1 in SQL).
    // L is computed per distinct value (a running count over a GROUP BY, joined back), which
    // DuckDB runs several times faster than RANK() over a million rows; the numbers are the same.
    // Recency reversed: fewer days is better, and with one as-of day that is the last order day ascending.
    const below = (column: string) =>
      `b_${column} AS (SELECT ${column}, (sum(k) OVER (ORDER BY ${column}) - k)::BIGINT AS below FROM (SELECT ${column}, count(*) AS k FROM g GROUP BY ${column}))`;
    const compute = `CREATE OR REPLACE TABLE scored AS
      WITH g AS (
        SELECT customer_id, max(day) AS last, count(*) AS frequency, sum(amount) AS monetary
        FROM orders WHERE day <= ${asOf} GROUP BY customer_id
      ), n AS (SELECT count(*) AS n FROM g), ${below("last")}, ${below("frequency")}, ${below("monetary")},
      s AS (
        SELECT customer_id, (5 * b_last.below) // n + 1 AS r, (5 * b_frequency.below) // n + 1 AS f, (5 * b_monetary.below) // n + 1 AS m
        FROM g JOIN b_last USING (last) JOIN b_frequency USING (frequency) JOIN b_monetary USING (monetary), n
      )
      SELECT customer_id, r, f, m, ${JSON.stringify(cellTable)}[(r - 1) * 25 + (f - 1) * 5 + m] AS persona FROM s`;
    await connection.run(compute); // warm-up, as on the other sides
    const computeMs: number[] = [];
    for (let i = 0; i < timedRuns; i++) {
      t = performance.now();
      await connection.run(compute);
      computeMs.push(performance.now() - t);
    }
    const counts = (await connection.runAndReadAll("SELECT persona, count(*) AS n FROM scored GROUP BY persona")).getRowObjects();
    const personaCounts: Record<string, number> = Object.fromEntries(slugs.map((slug) => [slug, 0]));
    let customersScored = 0;
    for (const row of counts) {
      personaCounts[slugs[Number(row.persona)]] = Number(row.n);
      customersScored += Number(row.n);
    }
    return { version, threads, loadMs, computeMs, personaCounts, customers: customersScored };
  } finally {
    connection.disconnectSync();
    instance.closeSync();
  }
}

// The same orders as CSV and our exact persona map (125 cells → persona index), for pandas and DuckDB.
const dir = mkdtempSync(path.join(tmpdir(), "bench-score-"));
const csv = path.join(dir, "orders.csv");
const map = compilePersonaMap(DEFAULT_PERSONA_RULES);
const cells = Array.from(map.cells); // index = cellIndex(r, f, m) = (r−1)·25 + (f−1)·5 + (m−1)
{
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
}
let duckdb: Awaited<ReturnType<typeof runDuckDb>> | null = null;
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
  duckdb = await runDuckDb(csv, asOfDay, map.personas.map((p) => p.slug), cells, 3);
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
if (scored) {
  const ours = Object.fromEntries(scored.report.personas.map((p) => [p.slug, p.customers]));
  if (!duckdb) {
    console.log("duckdb: did not run — persona counts cannot be compared");
    process.exitCode = 1;
  } else {
    const duckMs = median(duckdb.computeMs);
    const agree = Object.keys(ours).every((slug) => ours[slug] === (duckdb!.personaCounts[slug] ?? 0)) && duckdb.customers === customers;
    console.log(
      `duckdb ${duckdb.version} (${duckdb.threads} threads): ${fmt(duckdb.customers)} customers in ${duckMs.toFixed(0)} ms ` +
        `(median of ${duckdb.computeMs.length} after 1 warm-up; CSV load ${fmt(duckdb.loadMs)} ms not counted)` +
        (pandas ? `; duckdb/pandas = ${(duckMs / median(pandas.compute_ms)).toFixed(2)}` : ""),
    );
    console.log(`ratio ours/duckdb = ${(ourMs / duckMs).toFixed(2)}; persona counts ${agree ? "agree" : "DIFFER"} (ours vs duckdb)`);
    if (!agree) {
      console.log(`ours:   ${JSON.stringify(ours)}`);
      console.log(`duckdb: ${JSON.stringify(duckdb.personaCounts)}`);
      process.exitCode = 1;
    }
  }
}
