/**
 * Scores in the shop's own terms: under every grid, in each persona's definition, and on the
 * personas list, what R, F and M mean today in days, orders and money; no empty F column on
 * the demo store; one RFM code, one persona, customers outside the lookback window included.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, query, screenshot } from "./support/harness";

/** "1 order" → [1, 1]; "4–5 orders" → [4, 5]; "6+ orders" → [6, ∞]. */
function orderRange(text: string): [number, number] {
  const plus = /^(\d+)\+ orders$/.exec(text);
  if (plus) return [Number(plus[1]), Infinity];
  const span = /^(\d+)–(\d+) orders$/.exec(text);
  if (span) return [Number(span[1]), Number(span[2])];
  const one = /^(\d+) orders?$/.exec(text);
  if (one) return [Number(one[1]), Number(one[1])];
  throw new Error(`not an order range: ${JSON.stringify(text)}`);
}

/** "$1,234.56" → 123456 (the demo store's currency is USD). */
function cents(text: string): number {
  return Math.round(Number(text.replace(/[^\d.]/g, "")) * 100);
}

describe("scores explained in the shop's own terms", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the demo store scored WHEN the merchant opens the R×F grid THEN every F column has customers and says how many orders it is, and the legend gives R in days", async () => {
    const perF = await query<{ f: number; n: number; lo: number; hi: number }>(
      `SELECT f, count(*) AS n, min(frequency) AS lo, max(frequency) AS hi FROM "Customer"
       WHERE shopId = ? AND persona IS NOT NULL GROUP BY f ORDER BY f`,
      shopId,
    );
    // No empty F column on the demo store (65 % of its customers have one order).
    expect(perF.map((row) => row.f)).toEqual([1, 2, 3, 4, 5]);

    const admin = await openAdmin();
    const { app } = admin;
    await appSettled(app);
    const columns = await app.getByTestId("column-meaning").allTextContents();
    expect(columns).toHaveLength(5);
    columns.forEach((text, i) => {
      const [lo, hi] = orderRange(text);
      expect(perF[i].lo).toBeGreaterThanOrEqual(lo);
      expect(perF[i].hi).toBeLessThanOrEqual(hi);
    });
    expect(columns[0]).toBe("1 order");

    const legend = (await app.getByTestId("score-edges").textContent()) ?? "";
    expect(legend).toMatch(/R5 = last order (today|0–\d+ days ago)/);
    expect(legend).toMatch(/R1 = last order \d+ days ago or more/);
    expect(legend).toContain("F1 = 1 order · F2 = ");
    expect(legend).toContain("R1 also holds customers whose counted orders all lie outside the 365-day window.");
    // R5's last day is right below R4's first: the ranges meet.
    const r5 = /R5 = last order 0–(\d+) days ago/.exec(legend);
    const r4 = /R4 = last order (\d+)–\d+ days ago/.exec(legend);
    if (r5 && r4) expect(Number(r4[1])).toBe(Number(r5[1]) + 1);
    await screenshot(admin, "scores-grid-with-edges");
  });

  it("GIVEN the F×M grid WHEN shown THEN each M column is a money range in the shop currency that holds its customers", async () => {
    const perM = await query<{ m: number; lo: number; hi: number }>(
      `SELECT m, min(monetaryMinor) AS lo, max(monetaryMinor) AS hi FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY m ORDER BY m`,
      shopId,
    );
    const admin = await openAdmin();
    const { app } = admin;
    await app.getByText("F×M", { exact: true }).click();
    await app.waitForURL(/grid=fm/);
    await appSettled(app);
    await expect.poll(() => app.getByTestId("score-edges").textContent()).toContain("M1 = ");
    const columns = await app.getByTestId("column-meaning").allTextContents();
    expect(columns[0]).toMatch(/^under \$[\d,]+\.\d\d$/);
    expect(columns[4]).toMatch(/^\$[\d,]+\.\d\d or more$/);
    for (const row of perM) {
      const text = columns[row.m - 1];
      if (row.m === 1) expect(row.hi).toBeLessThan(cents(text));
      else if (row.m === 5) expect(row.lo).toBeGreaterThanOrEqual(cents(text));
      else {
        const [from, to] = text.split("–").map(cents);
        expect(row.lo).toBeGreaterThanOrEqual(from);
        expect(row.hi).toBeLessThanOrEqual(to);
      }
    }
    const legend = (await app.getByTestId("score-edges").textContent()) ?? "";
    expect(legend).toMatch(/M5 = \$[\d,]+\.\d\d or more/);
  });

  it("GIVEN the Champions persona WHEN its page is opened THEN its definition says R, F and M in days, orders and money", async () => {
    const admin = await openAdmin("/app/personas/champions");
    const { app } = admin;
    await appSettled(app);
    const terms = await app.getByTestId("rule-in-shop-terms").allTextContents();
    expect(terms).toHaveLength(1);
    expect(terms[0]).toMatch(/^R4–5 = last order 0–\d+ days ago · F4–5 = \d+\+ orders · M4–5 = \$[\d,]+\.\d\d or more$/);
    // Champions' customers sit inside those ranges.
    const [bounds] = await query<{ minF: number; minM: number }>(
      `SELECT min(frequency) AS minF, min(monetaryMinor) AS minM FROM "Customer" WHERE shopId = ? AND persona = 'champions'`,
      shopId,
    );
    const [, f, m] = /F4–5 = (\d+)\+ orders · M4–5 = (\$[\d,.]+) or more/.exec(terms[0])!;
    expect(bounds.minF).toBeGreaterThanOrEqual(Number(f));
    expect(bounds.minM).toBeGreaterThanOrEqual(cents(m));
    await screenshot(admin, "scores-persona-definition");
  });

  it("GIVEN the personas list WHEN shown THEN each persona of the default map reads in the shop's terms", async () => {
    const admin = await openAdmin("/app/personas");
    const { app } = admin;
    await appSettled(app);
    const terms = await app.getByTestId("persona-in-shop-terms").allTextContents();
    expect(terms).toHaveLength(11);
    expect(terms).toContainEqual(expect.stringMatching(/^R5 = last order 0–\d+ days ago · F1 = 1 order$/)); // New Customers
    expect(terms).toContainEqual(expect.stringMatching(/^R1 = last order \d+ days ago or more · F1–2 = 1–\d+ orders?$/)); // Lost
  });

  it("GIVEN customers outside the 365-day window WHEN scored THEN the same RFM code always carries the same persona, and their persona page says how many are outside the window", async () => {
    const contradictions = await query<{ code: number }>(
      `SELECT r * 100 + f * 10 + m AS code FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL
       GROUP BY r, f, m HAVING count(DISTINCT persona) > 1`,
      shopId,
    );
    expect(contradictions).toEqual([]);
    const [outside] = await query<{ persona: string; n: number }>(
      `SELECT persona, count(*) AS n FROM "Customer" c WHERE shopId = ? AND persona IS NOT NULL
         AND (SELECT s.scoringDay FROM "SyncState" s WHERE s.shopId = c.shopId) - lastOrderAt / 86400000 >= 365
       GROUP BY persona ORDER BY n DESC LIMIT 1`,
      shopId,
    );
    if (!outside) return; // every demo customer ordered within the year: nothing to explain
    const admin = await openAdmin(`/app/personas/${outside.persona}`);
    const { app } = admin;
    await appSettled(app);
    await expect
      .poll(() => app.getByText(/last ordered outside the 365-day lookback window/).textContent())
      .toContain(`${outside.n.toLocaleString("en-US")} of these customers last ordered outside the 365-day lookback window`);
  });

  it("GIVEN customers outside the 365-day window WHEN the merchant opens the R1 F1 cell's customers THEN each row outside the window says so, and only those", async () => {
    const admin = await openAdmin();
    const { app } = admin;
    await appSettled(app);
    await app.locator('a[role="cell"][href="/app/customers?r=1&f=1"]').click();
    await app.waitForURL(/\/app\/customers\?r=1&f=1$/);
    await appSettled(app);
    await expect.poll(() => app.locator('[data-testid="outside-window"]').count()).toBeGreaterThan(0);
    const rows = await app.evaluate(() => {
      const trs = [...document.querySelectorAll("tbody tr")];
      // The recency column: the cell holding a note in any row.
      const marked = trs.find((tr) => tr.querySelector('[data-testid="outside-window"]'));
      const cells = (tr: Element) => [...tr.querySelectorAll("td, th")];
      const column = marked ? cells(marked).findIndex((td) => td.querySelector('[data-testid="outside-window"]')) : -1;
      return trs.map((tr) => {
        const cell = cells(tr)[column];
        const note = cell?.querySelector('[data-testid="outside-window"]');
        return { note: note?.textContent ?? null, days: Number((cell?.textContent ?? "").replace(note?.textContent ?? "", "").replace(/[^\d]/g, "")) };
      });
    });
    const [db] = await query<{ n: number }>(
      `SELECT sum((SELECT s.scoringDay FROM "SyncState" s WHERE s.shopId = c.shopId) - lastOrderAt / 86400000 >= 365) AS n
       FROM "Customer" c WHERE shopId = ? AND r = 1 AND f = 1`,
      shopId,
    );
    expect(db.n).toBeGreaterThan(0); // the demo store has R1 F1 customers outside the window
    expect(rows.filter((r) => r.note !== null).length).toBeGreaterThan(0);
    for (const r of rows) expect(r.note).toBe(r.days >= 365 ? "outside the 365-day window" : null);
    await screenshot(admin, "scores-customers-outside-window");
  });
});
