import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const datasets = process.env.RFM_DATASETS_DIR ?? path.resolve(root, "../shared/datasets");
const tmp = mkdtempSync(path.join(tmpdir(), "rfm-cli-"));

function rfm(...args: string[]) {
  const run = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/rfm-cli.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const RFM_ORDERS = path.join(datasets, "rfm_data_orders.csv");
const CDNOW = path.join(datasets, "cdnow_master.txt");

describe("GIVEN the R rfm package's example orders", () => {
  it("WHEN scored with quintiles THEN one row per customer comes out, agreeing with the R package's published scores", () => {
    const { code, stdout, stderr } = rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("customer_id,recency_days,frequency,monetary,r,f,m,persona");
    expect(lines).toHaveLength(996);
    // rfm_table_order(rfm_data_orders, …, as_date("2006-12-31")) prints Abbey O'Reilly DVM 205 6 472 → 3 4 3, Add Senger 140 3 340 → 4 1 2.
    expect(lines).toContain("Abbey O'Reilly,205,6,472.00,3,4,3,loyal");
    expect(lines).toContain("Add Senger,140,3,340.00,4,1,2,promising");
  });

  it("WHEN explicit edges are given THEN scores follow lower ≤ x < upper, with monetary edges in currency units", () => {
    const { code, stdout } = rfm(
      "score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31",
      "--edges", "r:115,181,297,482", "--edges", "f:4,5,6,8", "--edges", "m:256,382,506,666",
    );
    expect(code).toBe(0);
    // 205 days ∈ [181, 297) → bin 3 → R = 3; 6 orders ∈ [6, 8) → 4; 472 ∈ [382, 506) → 3.
    expect(stdout).toContain("Abbey O'Reilly,205,6,472.00,3,4,3,");
    // 140 days ∈ [115, 181) → R = 4; 3 orders < 4 → 1; 340 ∈ [256, 382) → 2.
    expect(stdout).toContain("Add Senger,140,3,340.00,4,1,2,");
  });

  it("WHEN a lookback window is set THEN customers who only bought before it are R1, placed by the map like everyone with their scores", () => {
    const { code, stdout } = rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31", "--lookback-days", "365", "--format", "json");
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      customers: { recency_days: number; r: number; f: number; m: number; persona: string }[];
      report: { window: { customersBeforeWindow: number } };
    };
    const old = out.customers.filter((c) => c.recency_days >= 365);
    expect(old.length).toBe(out.report.window.customersBeforeWindow);
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((c) => c.r === 1)).toBe(true);
    // One RFM code, one persona, inside the window or not (decision 024).
    const personaOf = new Map(out.customers.filter((c) => c.recency_days < 365).map((c) => [`${c.r}${c.f}${c.m}`, c.persona]));
    for (const c of old) expect(personaOf.get(`${c.r}${c.f}${c.m}`) ?? c.persona).toBe(c.persona);
    expect(new Set(old.map((c) => c.persona)).size).toBeGreaterThan(1);
  });

  it("WHEN a custom persona file is given THEN its names are used and gaps are warned about", () => {
    const personas = file("personas.json", JSON.stringify([{ name: "Best", r: [4, 5], f: [4, 5], m: [4, 5] }]));
    const { code, stdout, stderr } = rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31", "--personas", personas, "--summary");
    expect(code).toBe(0);
    expect(stderr).toContain('117 of 125 score cells match no persona rule: those customers become "Others"');
    expect(stdout.split("\n").map((l) => l.split(",")[0])).toEqual(["persona", "best", "others", "lost", ""]);
  });
});

describe("GIVEN the CDNOW log (whitespace-separated, YYYYMMDD, CRLF)", () => {
  it("WHEN scored with auto-detection THEN every customer with a counted order gets a row and $0 rows are reported", () => {
    const { code, stdout, stderr } = rfm("score", "--orders", CDNOW, "--as-of", "1998-07-01", "--date", "date", "--amount", "dollar_value");
    expect(code).toBe(0);
    expect(stderr).toBe("rfm: 80 rows with a $0 amount don't count\n");
    expect(stdout.trimEnd().split("\n")).toHaveLength(23_503);
  });

  it("WHEN summarised as JSON with same-day rows merged THEN persona counts cover all customers and one-day buyers share F = 1", () => {
    const { code, stdout } = rfm(
      "score", "--orders", CDNOW, "--as-of", "19980701", "--date", "date", "--amount", "dollar_value",
      "--delimiter", "whitespace", "--same-day-as-one", "--summary", "--format", "json",
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      summary: { persona: string; customers: number }[];
      report: { scoring: { f: { bins: { customers: number }[] } } };
    };
    expect(out.summary.reduce((s, p) => s + p.customers, 0)).toBe(23_502);
    // F by order counts (decision 024): 1 · 2 · 3 · 4–5 · 6+, no empty score.
    expect(out.report.scoring.f.bins.map((b) => b.customers)).toEqual([11_989, 4_040, 2_203, 2_426, 2_844]);
  });
});

describe("GIVEN bad input", () => {
  const header = "customer_id,order_date,revenue\n";
  const cases: { name: string; text: string; message: string }[] = [
    { name: "missing column", text: "customer_id,date,revenue\na,2020-01-01,3\n", message: 'line 1, column order_date: no column "order_date"' },
    { name: "bad date", text: `${header}a,2020-01-01,3\nb,01/02/2020,3\n`, message: 'line 3, column order_date: bad date "01/02/2020"' },
    { name: "non-numeric amount", text: `${header}a,2020-01-01,3\nb,2020-01-02,three\n`, message: 'line 3, column revenue: amount "three" is not a number' },
  ];
  for (const c of cases) {
    it(`WHEN the file has a ${c.name} THEN it exits 2, names line and column, and prints nothing to stdout`, () => {
      const { code, stdout, stderr } = rfm("score", "--orders", file(`${c.name}.csv`, c.text), "--as-of", "2020-12-31");
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(c.message);
    });
  }

  it("WHEN edges are not increasing THEN it exits 2 with the settings path", () => {
    const { code, stdout, stderr } = rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31", "--edges", "r:5,4,3,2", "--edges", "f:1,2,3,4", "--edges", "m:1,2,3,4");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("scoring.edges.r: each edge must be higher than the one before");
  });

  it("WHEN the persona file makes more personas than the engine holds THEN it exits 2 naming personas.rules", () => {
    const personas = file("too-many.json", JSON.stringify(Array.from({ length: 249 }, (_, i) => ({ name: `P${i}`, r: [1, 1], f: [1, 1], m: [1, 1] }))));
    const { code, stdout, stderr } = rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31", "--personas", personas);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("personas.rules: a persona map may define at most 250 personas; this one makes 251");
  });

  it("WHEN the file or the as-of date is missing or wrong THEN it exits 2", () => {
    expect(rfm("score", "--orders", path.join(tmp, "nope.csv"), "--as-of", "2020-01-01")).toMatchObject({ code: 2, stdout: "" });
    expect(rfm("score", "--orders", RFM_ORDERS)).toMatchObject({ code: 2, stdout: "" });
    expect(rfm("score", "--orders", RFM_ORDERS, "--as-of", "yesterday")).toMatchObject({ code: 2, stdout: "" });
    expect(rfm("score", "--orders", RFM_ORDERS, "--as-of", "2006-12-31", "--bogus")).toMatchObject({ code: 2, stdout: "" });
  });
});

describe("GIVEN customer ids and persona names a spreadsheet would run as formulas", () => {
  it("WHEN scored to CSV THEN those cells carry a leading apostrophe and money stays numeric", () => {
    const orders = file(
      "formulas.csv",
      [
        "customer_id,order_date,revenue",
        "=HYPERLINK(1),2006-12-01,10.00",
        "@SUM(1),2006-11-01,20.00",
        "-2+3,2006-10-01,30.00",
        "+1,2006-09-01,40.00",
        "plain,2006-08-01,50.00",
      ].join("\n"),
    );
    const personas = file("formula-personas.json", JSON.stringify([{ name: "=1+1", slug: "everyone", r: [1, 5], f: [1, 5], m: [1, 5] }]));

    const customers = rfm("score", "--orders", orders, "--as-of", "2006-12-31");
    const summary = rfm("score", "--orders", orders, "--as-of", "2006-12-31", "--personas", personas, "--summary");

    expect(customers.code).toBe(0);
    const ids = customers.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(",")[0]);
    expect(ids.sort()).toEqual(["'+1", "'-2+3", "'=HYPERLINK(1)", "'@SUM(1)", "plain"]);
    expect(customers.stdout).toContain("'-2+3,91,1,30.00,");
    expect(summary.code).toBe(0);
    expect(summary.stdout.split("\n")[1]).toMatch(/^everyone,'=1\+1,5,5,150\.00,30\.00,/);
  });
});
