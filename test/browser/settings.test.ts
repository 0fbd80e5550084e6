import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

async function storedSettings(shopId: string): Promise<string> {
  const [row] = await query<{ settings: string }>(`SELECT settings FROM "Shop" WHERE id = ?`, shopId);
  return row.settings;
}

async function queuedRecomputes(shopId: string): Promise<number> {
  const [row] = await query<{ n: number }>(`SELECT count(*) AS n FROM "Job" WHERE shopId = ? AND type = 'recompute'`, shopId);
  return row.n;
}

describe("settings", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the settings page reached from the admin's left nav WHEN the merchant shortens the lookback window and previews THEN a from → to matrix shows who would move, and nothing is saved", async () => {
    const before = await storedSettings(shopId);
    const admin = await openAdmin();
    const { page, app } = admin;

    await page.locator("#app-nav a", { hasText: "Settings" }).click();
    await app.waitForURL(/\/app\/settings$/);
    await appSettled(app);
    const days = app.getByLabel("Days", { exact: true });
    expect(await days.inputValue()).toBe("365");
    await days.fill("90");
    await app.getByRole("button", { name: "Preview changes" }).click();
    await app.getByText("Who moves where").waitFor();
    await appSettled(app);

    const banner = (await app.getByText(/customers would change persona$/).textContent()) ?? "";
    const [, moved, customers] = /^([\d,]+) of ([\d,]+) customers/.exec(banner) ?? [];
    const matrix = await app.evaluate(() => {
      const card = [...document.querySelectorAll(".Polaris-ShadowBevel")].find((el) => el.textContent?.includes("Who moves where"));
      const table = card?.querySelector("table");
      if (!table) return null;
      const columns = [...table.querySelectorAll("thead th")].slice(1).map((th) => th.textContent?.trim() ?? "");
      const rows = [...table.querySelectorAll("tbody tr")].map((tr) => {
        const cells = [...tr.querySelectorAll("th, td")].map((c) => c.textContent?.trim() ?? "");
        return { from: cells[0], counts: cells.slice(1) };
      });
      return { columns, rows };
    });
    await screenshot(admin, "settings-preview");

    expect(matrix).not.toBeNull();
    const count = (text: string) => (text === "·" ? 0 : parseCount(text));
    let total = 0;
    let offDiagonal = 0;
    for (const row of matrix!.rows) {
      row.counts.forEach((text, i) => {
        total += count(text);
        if (matrix!.columns[i] !== row.from) offDiagonal += count(text);
      });
    }
    expect(parseCount(moved)).toBeGreaterThan(0);
    expect(offDiagonal).toBe(parseCount(moved));
    expect(total).toBe(parseCount(customers));
    // A preview writes nothing.
    expect(await storedSettings(shopId)).toBe(before);
  });

  it("GIVEN the settings page WHEN the merchant saves a lookback window of 0 days THEN the field shows the error and nothing is saved", async () => {
    const before = await storedSettings(shopId);
    const recomputes = await queuedRecomputes(shopId);
    const admin = await openAdmin("/app/settings");
    const { app } = admin;

    const days = app.getByLabel("Days", { exact: true });
    await days.fill("0");
    await app.getByRole("button", { name: "Save", exact: true }).click();
    const message = app.getByText("the lookback window is at least 1 day; to count every order, choose All time");
    await message.waitFor();
    await appSettled(app);
    await screenshot(admin, "settings-invalid");

    expect(await days.getAttribute("aria-invalid")).toBe("true");
    // The message is the field's own: the input is described by it.
    const description = await days.evaluate((input) =>
      (input.getAttribute("aria-describedby") ?? "")
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" | "),
    );
    expect(description).toContain("lookback window is at least 1 day");
    // A refused save puts the field in focus, in view.
    expect(await days.evaluate((input) => document.activeElement === input)).toBe(true);
    expect(await app.getByText("Please fix 1 field").isVisible()).toBe(true);
    expect(await storedSettings(shopId)).toBe(before);
    expect(await queuedRecomputes(shopId)).toBe(recomputes);
  });
});
