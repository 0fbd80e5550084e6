/**
 * bench:shops, small: three shops in the Shopify simulator, the production build as two web
 * processes (RUN_JOBS=false) and two workers on a throwaway PostgreSQL (the bench starts it
 * with scripts/pg-server.mjs). Correctness only, never time.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Report {
  shops: number;
  freshness: { orders: number };
  perShop: {
    shop: string;
    orders: number;
    backfilledAndScoredS: number | null;
    writtenBackS: number | null;
    correct: boolean;
    check: { expected: number; storedWrong: number; tagsWrong: number; ordersInStore: number; ordersStored: number; examples: string[] };
  }[];
  requestsPerWebProcess: number[];
  failedJobs: number;
}

/** The bench in a child process, awaited without blocking this worker's event loop (vitest talks to it meanwhile). */
function runBench(argv: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/bench-shops.ts"), ...argv], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 590_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("GIVEN bench:shops with 3 shops, 2 web processes and 2 workers on PostgreSQL", () => {
  it("WHEN run THEN every shop is backfilled, scored and written back, and its tags = its stored personas = the engine over the simulator's orders", async () => {
    const run = await runBench(["--shops", "3", "--webs", "2", "--workers", "2", "--big", "2000", "--small-min", "300", "--small-max", "900", "--webhooks", "2", "--timeout", "540"]);
    expect(run.status, run.stderr.slice(-4000)).toBe(0);
    const report = JSON.parse(run.stdout) as Report;

    expect(report.shops).toBe(3);
    expect(report.perShop).toHaveLength(3);
    for (const shop of report.perShop) {
      expect(shop.backfilledAndScoredS, shop.shop).not.toBeNull();
      expect(shop.writtenBackS, shop.shop).not.toBeNull();
      expect(shop.check.ordersStored, shop.shop).toBe(shop.check.ordersInStore);
      expect(shop.check.expected, shop.shop).toBeGreaterThan(0);
      expect({ shop: shop.shop, storedWrong: shop.check.storedWrong, tagsWrong: shop.check.tagsWrong, examples: shop.check.examples }).toEqual({
        shop: shop.shop,
        storedWrong: 0,
        tagsWrong: 0,
        examples: [],
      });
      expect(shop.correct).toBe(true);
    }
    // The two small shops each took two orders by webhook, counted in the checks above (how
    // soon their tags moved is a figure of the bench, not a verdict here).
    expect(report.freshness.orders).toBe(4);
    expect(report.perShop.slice(1).map((s) => s.check.ordersInStore - s.orders)).toEqual([2, 2]);
    // Both web processes served (the proxy alternates), and no job ended failed in pg-boss.
    expect(report.requestsPerWebProcess.every((n) => n > 0)).toBe(true);
    expect(report.failedJobs).toBe(0);
  }, 600_000);
});
