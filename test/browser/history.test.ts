/**
 * History from the first day, in Chromium inside the simulated admin: right after install the
 * demo store's dashboard shows a year of persona sizes (51 weeks computed from order history
 * under today's rules, then today), labelled as such, with "change since last week" filled in;
 * the persona page's movement counts those weeks' moves and says where they come from.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("history from the first day", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the demo store just installed and scored once WHEN the merchant opens the dashboard THEN the trend has 52 weekly points, the backdated ones labelled as computed from order history under today's rules", async () => {
    const [{ day: today }] = await query<{ day: string }>(`SELECT max(day) AS day FROM "PersonaSnapshot" WHERE shopId = ?`, shopId);
    const [{ through }] = await query<{ through: string }>(
      `SELECT max(day) AS through FROM "PersonaSnapshot" WHERE shopId = ? AND backdatedUnder IS NOT NULL`,
      shopId,
    );
    expect(through).toBe(iso(Date.parse(`${today}T00:00:00Z`) - 7 * 86_400_000));

    const admin = await openAdmin();
    const chart = admin.app.locator('svg[role="img"][aria-label^="Customers per persona"]');
    await chart.waitFor();

    // Each persona's line: its vertices, whether dashed (backdated) or solid (daily scoring).
    const lines = await chart.evaluate((svg) =>
      [...svg.querySelectorAll("[data-series]")].map((g) => ({
        slug: g.getAttribute("data-series"),
        xs: [...new Set([...g.querySelectorAll("polyline")].flatMap((p) => (p.getAttribute("points") ?? "").split(" ").map((xy) => xy.split(",")[0])))],
        dashed: g.querySelectorAll("polyline[data-backdated]").length,
      })),
    );
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect(line.xs).toHaveLength(52);
      expect(line.dashed).toBe(1);
    }
    expect(await chart.locator("rect[data-backdated]").count()).toBe(1);
    const card = admin.app.locator(".Polaris-ShadowBevel", { hasText: "Persona sizes over time" });
    expect(await card.textContent()).toContain("computed from order history under today's rules, one point a week");
    await screenshot(admin, "trend-after-install");

    // "Change" compares today with the backdated point a week ago: not a column of dashes.
    const rows = await admin.app.evaluate(() =>
      [...document.querySelectorAll("tr")].flatMap((tr) => {
        const link = tr.querySelector<HTMLAnchorElement>('a[href^="/app/personas/"]');
        const cells = tr.querySelectorAll("td, th");
        return link && cells.length > 5 ? [{ slug: link.getAttribute("href")!.split("/").pop()!, change: cells[5].textContent ?? "" }] : [];
      }),
    );
    const snapshot = async (day: string) =>
      new Map((await query<{ persona: string; customers: number }>(`SELECT persona, customers FROM "PersonaSnapshot" WHERE shopId = ? AND day = ?`, shopId, day)).map((r) => [r.persona, r.customers]));
    const [now, weekAgo] = [await snapshot(today), await snapshot(through)];
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      const expected = (now.get(row.slug) ?? 0) - (weekAgo.get(row.slug) ?? 0);
      expect(row.change === "0" || row.change === "—" ? 0 : parseCount(row.change.replace("+", ""))).toBe(expected);
    }
    expect(rows.some((r) => r.change !== "—")).toBe(true);
  });

  it("GIVEN a year of backdated moves WHEN the merchant opens a persona's 90-day movement THEN it counts the weeks' moves from the database, says they are computed from order history, and is not everyone arriving new to scoring", async () => {
    const [{ persona }] = await query<{ persona: string }>(
      `SELECT persona FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY count(*) DESC LIMIT 1`,
      shopId,
    );
    const admin = await openAdmin(`/app/personas/${persona}`);
    await admin.app.locator("a, button", { hasText: /^90 days$/ }).first().click();
    await admin.app.waitForURL(/days=90/);
    await appSettled(admin.app);
    const movement = admin.app.locator(".Polaris-ShadowBevel", { hasText: "Movement since" });
    await movement.waitFor();
    const text = (await movement.textContent()) ?? "";

    const since = /Movement since ([^]+?)7 days/.exec(text);
    expect(since).not.toBeNull();
    const [{ day: today }] = await query<{ day: string }>(`SELECT max(day) AS day FROM "PersonaSnapshot" WHERE shopId = ?`, shopId);
    const first = iso(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000);
    const [{ moved, fresh }] = await query<{ moved: number; fresh: number }>(
      `SELECT coalesce(sum(customers), 0) AS moved, coalesce(sum(CASE WHEN fromPersona = '' THEN customers END), 0) AS fresh
       FROM "PersonaTransition" WHERE shopId = ? AND toPersona = ? AND fromPersona <> toPersona AND day >= ?`,
      shopId,
      persona,
      first,
    );
    const [{ now }] = await query<{ now: number }>(`SELECT count(*) AS now FROM "Customer" WHERE shopId = ? AND persona = ?`, shopId, persona);
    expect(text).toContain(`Moved in: ${moved.toLocaleString("en-US")}`);
    expect(moved).toBeGreaterThan(0);
    expect(fresh).toBeLessThan(now); // not the whole persona arriving "new to scoring" at install
    expect(text).toContain("computed from order history under today's rules, week by week");
    await screenshot(admin, "persona-movement-after-install");
  });
});
