import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

interface Cell {
  r: number;
  f: number;
  n: number;
}

describe("from the score grid to the customer list", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the dashboard's R×F grid WHEN the merchant clicks a cell THEN the customer list shows exactly that cell's customers from the database", async () => {
    // The fullest cell that fits on one page (50 rows), so the whole list can be compared.
    const [cell] = await query<Cell>(
      `SELECT r, f, count(*) AS n FROM "Customer" WHERE shopId = ? AND r IS NOT NULL AND f IS NOT NULL
       GROUP BY r, f HAVING n <= 50 ORDER BY n DESC LIMIT 1`,
      shopId,
    );
    expect(cell?.n).toBeGreaterThan(1);
    const expected = await query<{ customerKey: string; email: string | null }>(
      `SELECT customerKey, email FROM "Customer" WHERE shopId = ? AND r = ? AND f = ?`,
      shopId,
      cell.r,
      cell.f,
    );
    const admin = await openAdmin();
    const { page, app } = admin;

    const link = app.locator(`a[role="cell"][href="/app/customers?r=${cell.r}&f=${cell.f}"]`);
    expect(parseCount((await link.locator("div").first().textContent()) ?? "")).toBe(cell.n);
    await link.click();
    await app.waitForURL(new RegExp(`/app/customers\\?r=${cell.r}&f=${cell.f}$`));
    await appSettled(app);

    const subtitle = await app.getByText(/customers? match$/).textContent();
    const rows = await app.evaluate(() =>
      [...document.querySelectorAll("tr.Polaris-IndexTable__TableRow")].map((tr) => {
        const cells = tr.querySelectorAll("td");
        const who = cells[0]?.querySelector("a") ?? cells[0]?.querySelector(".Polaris-Text--root");
        return { who: who?.textContent?.trim() ?? "", rfm: cells[3]?.textContent?.trim() ?? "" };
      }),
    );
    await screenshot(admin, "customers-grid-cell");

    expect(parseCount(subtitle ?? "")).toBe(cell.n);
    expect(rows).toHaveLength(cell.n);
    expect(rows.every((row) => row.rfm.startsWith(`${cell.r}${cell.f}`))).toBe(true);
    expect(rows.map((row) => row.who).sort()).toEqual(expected.map((c) => c.email ?? c.customerKey.replace(/^email:/, "")).sort());
    // The admin follows the app: its URL and the left nav show where the merchant is.
    expect(new URL(page.url()).pathname).toBe("/admin/apps/rfm-personas/app/customers");
    expect(new URL(page.url()).searchParams.get("r")).toBe(String(cell.r));
    await expect.poll(() => page.locator("#app-nav a.active").textContent()).toBe("Customers");
  });
});
