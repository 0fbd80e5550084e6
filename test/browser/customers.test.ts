import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Download, Frame } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

interface Cell {
  r: number;
  f: number;
  n: number;
}

/** The list's rows as the page shows them: who (name or email), the line under it, and the RFM cell. */
function shownRows(app: Frame) {
  return app.evaluate(() =>
    [...document.querySelectorAll("tr.Polaris-IndexTable__TableRow")].map((tr) => {
      const cells = tr.querySelectorAll("td");
      const who = cells[0]?.querySelector("a") ?? cells[0]?.querySelector(".Polaris-Text--root");
      const under = cells[0]?.querySelector(".Polaris-Text--bodySm");
      return { who: who?.textContent?.trim() ?? "", under: under?.textContent?.trim() ?? "", rfm: cells[2]?.textContent?.trim() ?? "" };
    }),
  );
}

/** How the list names a customer: their name, else their email, else their key. */
const shownAs = (c: { name: string | null; email: string | null; customerKey: string }) => c.name ?? c.email ?? c.customerKey.replace(/^email:/, "");

describe("the customer list", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the dashboard's R×F grid WHEN the merchant clicks a cell THEN the customer list shows exactly that cell's customers from the database, by name", async () => {
    // The fullest cell that fits on one page (50 rows), so the whole list can be compared.
    const [cell] = await query<Cell>(
      `SELECT r, f, count(*) AS n FROM "Customer" WHERE shopId = ? AND r IS NOT NULL AND f IS NOT NULL
       GROUP BY r, f HAVING n <= 50 ORDER BY n DESC LIMIT 1`,
      shopId,
    );
    expect(cell?.n).toBeGreaterThan(1);
    const expected = await query<{ customerKey: string; email: string | null; name: string | null }>(
      `SELECT c.customerKey, coalesce(c.email, k.email) AS email, k.name FROM "Customer" c
       LEFT JOIN "CustomerContact" k ON k.shopId = c.shopId AND k.customerKey = c.customerKey WHERE c.shopId = ? AND c.r = ? AND c.f = ?`,
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
    const rows = await shownRows(app);
    await screenshot(admin, "customers-grid-cell");

    expect(parseCount(subtitle ?? "")).toBe(cell.n);
    expect(rows).toHaveLength(cell.n);
    expect(rows.every((row) => row.rfm.startsWith(`${cell.r}${cell.f}`))).toBe(true);
    expect(rows.map((row) => row.who).sort()).toEqual(expected.map(shownAs).sort());
    // Names come from the store's orders: a customer with an account is shown by name, email beneath.
    expect(expected.filter((c) => c.name).length).toBeGreaterThan(0);
    const named = expected.find((c) => c.name && c.email)!;
    expect(rows.find((row) => row.who === named.name)?.under).toBe(named.email);
    // The filter shows as an applied filter, and there is no separate Apply button.
    expect(await app.getByText(`Recency score: ${cell.r}`).count()).toBe(1);
    expect(await app.getByRole("button", { name: "Apply" }).count()).toBe(0);
    // The admin follows the app: its URL and the left nav show where the merchant is.
    expect(new URL(page.url()).pathname).toBe("/admin/apps/rfm-personas/app/customers");
    expect(new URL(page.url()).searchParams.get("r")).toBe(String(cell.r));
    await expect.poll(() => page.locator("#app-nav a.active").textContent()).toBe("Customers");
  });

  it("GIVEN the whole list WHEN the merchant pages, searches by name and picks a persona filter THEN the page says 1–50 of N, finds the customer, and the filter applies at once", async () => {
    const [{ total }] = await query<{ total: number }>(`SELECT count(*) AS total FROM "Customer" WHERE shopId = ?`, shopId);
    const admin = await openAdmin("/app/customers");
    const { app } = admin;

    const fmt = (n: number) => n.toLocaleString("en-US");
    expect(await app.getByText(`1–50 of ${fmt(total)}`).count()).toBe(1);
    await app.locator("#nextURL").click();
    await app.getByText(`51–100 of ${fmt(total)}`).waitFor();

    // Search by part of a name (the seed's names come from the store's orders).
    const [someone] = await query<{ customerKey: string; name: string }>(
      `SELECT k.customerKey, k.name FROM "CustomerContact" k JOIN "Customer" c ON c.shopId = k.shopId AND c.customerKey = k.customerKey
       WHERE k.shopId = ? AND k.name IS NOT NULL ORDER BY c.monetaryMinor LIMIT 1`,
      shopId,
    );
    const matching = await query<{ n: number }>(
      `SELECT count(*) AS n FROM "Customer" c JOIN "CustomerContact" k ON k.shopId = c.shopId AND k.customerKey = c.customerKey
       WHERE c.shopId = ? AND (k.name LIKE ? OR k.email LIKE ? OR c.email LIKE ? OR c.customerKey LIKE ?)`,
      shopId,
      ...Array(4).fill(`%${someone.name}%`),
    );
    await app.getByPlaceholder("Search by name, email or customer id").fill(someone.name);
    await app.waitForURL((url) => url.searchParams.get("q") === someone.name);
    await appSettled(app);
    const found = await shownRows(app);
    expect(found.map((r) => r.who)).toContain(someone.name);
    expect(found).toHaveLength(matching[0].n);
    expect(parseCount((await app.getByText(/customers? match$/).textContent()) ?? "")).toBe(matching[0].n);

    // Clearing the search and choosing a persona: the list follows the choice, no Apply step.
    await app.getByRole("button", { name: "Clear" }).first().click();
    await app.waitForURL((url) => !url.searchParams.has("q"));
    await appSettled(app);
    const [{ persona, n }] = await query<{ persona: string; n: number }>(
      `SELECT persona, count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY n DESC LIMIT 1`,
      shopId,
    );
    await app.getByRole("button", { name: "Persona" }).click();
    await app.locator(`input[type="radio"][value="${persona}"]`).click({ force: true });
    await app.waitForURL((url) => url.searchParams.get("persona") === persona);
    await appSettled(app);
    // The router is idle before React commits the filtered page: poll what the page says.
    await expect.poll(async () => parseCount((await app.getByText(/customers? match$/).textContent()) ?? ""), { timeout: 10_000 }).toBe(n);
    await screenshot(admin, "customers-filtered");
  });

  it("GIVEN a persona filter WHEN the merchant exports THEN a toast says the export is ready and the CSV has the customers' names", async () => {
    const [{ persona }] = await query<{ persona: string }>(
      `SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY count(*) DESC LIMIT 1`,
      shopId,
    );
    const expected = await query<{ customerKey: string; name: string | null }>(
      `SELECT c.customerKey, k.name FROM "Customer" c LEFT JOIN "CustomerContact" k ON k.shopId = c.shopId AND k.customerKey = c.customerKey
       WHERE c.shopId = ? AND c.persona = ?`,
      shopId,
      persona,
    );
    const admin = await openAdmin("/app/customers");
    const { page, app, context } = admin;
    await app.evaluate((to) => (window as unknown as { __remixRouter: { navigate(to: string): void } }).__remixRouter.navigate(to), `/app/customers?persona=${persona}`);
    await app.waitForURL((url) => url.searchParams.get("persona") === persona);
    await appSettled(app);
    const downloaded = new Promise<Download>((resolve) => {
      page.once("download", resolve);
      context.on("page", (popup) => popup.once("download", resolve));
    });
    await app.getByRole("button", { name: "Export CSV" }).click();
    const download = await downloaded;
    await expect.poll(() => page.locator("#toasts").textContent()).toContain(`Export ready: ${expected.length.toLocaleString("en-US")} customers`);
    await screenshot(admin, "customers-export-ready");

    const file = path.join(os.tmpdir(), `rfm-export-names-${Date.now()}.csv`);
    await download.saveAs(file);
    const [header, ...lines] = readFileSync(file, "utf8").trimEnd().split("\r\n");
    const columns = header.split(",");
    expect(columns).toContain("name");
    const byKey = new Map(lines.map((l) => [l.split(",")[columns.indexOf("customer_key")], l.split(",")[columns.indexOf("name")]]));
    expect(byKey.size).toBe(expected.length);
    for (const c of expected) expect(byKey.get(c.customerKey)).toBe(c.name ?? "");
  });
});
