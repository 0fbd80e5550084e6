import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("GIVEN bench:pages on a small shop", () => {
  it("WHEN run THEN every page prints p50/p95 beside the goal, and the export reads every customer", () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/bench-pages.ts"), "--customers", "2000", "--runs", "2"],
      { cwd: root, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    const pages = run.stdout.split("\n").filter((l) => /p50 +[\d.]+ ms +p95 +[\d.]+ ms +\(goal p95 ≤ 200 ms: (met|MISSED)\)/.test(l));
    expect(pages.map((l) => l.split(" p50")[0].trim())).toEqual([
      "dashboard (getDashboard, R×F grid)",
      "personas (listPersonas)",
      "persona detail champions (getPersonaDetail, 90 d)",
      "persona detail hibernating (getPersonaDetail, 365 d)",
      "customers: first page, biggest spend",
      "customers: deep page, biggest spend",
      "customers: deep page, most recent",
      "customers: persona=at-risk, most orders",
      "customers: r=5 f≥3, persona order",
      'customers: search name "tanaka"',
      'customers: search email "c123456@"',
      'customers: search 1 character "x"',
      'customers: search 2 characters "zq" (none match)',
      "dashboard consent card, before approval (writebackSummary)",
      "dashboard page before approval (dashboardPage)",
      "settings: persona data to remove (removalSummary)",
    ]);
    expect(run.stdout).toMatch(/where the time goes \(dashboard/);
    expect(run.stdout).toMatch(/CSV export \(all customers, read to the end\): [\d.]+ s, 2,000 rows/);
  }, 120_000);
});
