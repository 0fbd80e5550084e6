/**
 * Numbers that reconcile, as the merchant reads them in the simulated admin: the dashboard's
 * headline figures name their period, customers with and without a persona add up to the
 * customer list's total, and the counted spend is the lookback window's counted revenue the
 * rules report gives (the settings preview's terms).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAY_MS, shopDayOf } from "~/rfm";
import { rfmPart } from "~/settings/shop-settings";
import { shopSettings } from "~/shops/settings.server";
import { readCountedOrders } from "~/sync/order-columns.server";
import { harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

describe("headline numbers that reconcile", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the demo store scored WHEN the merchant reads the dashboard and the customer list THEN the figures name their period, with and without a persona add up to the list's total, and the spend is the window's counted revenue", async () => {
    const { stack } = await harness();
    const [{ scoringDay, timezone }] = await query<{ scoringDay: number; timezone: string }>(
      `SELECT s.scoringDay, p.timezone FROM "SyncState" s JOIN "Shop" p ON p.id = s.shopId WHERE s.shopId = ?`,
      shopId,
    );
    // The rules report as the last scoring saw it: the same day, in the shop's time zone.
    const dayOf = shopDayOf(timezone);
    const { report } = await readCountedOrders(stack.db, shopId, rfmPart(await shopSettings(stack.db, shopId)).rules, scoringDay, dayOf);
    const asOf = new Date(scoringDay * DAY_MS).toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

    const admin = await openAdmin();
    const card = async (label: string) => {
      const text = (await admin.app.locator(".Polaris-ShadowBevel", { hasText: label }).first().textContent()) ?? "";
      return { text, value: text.slice(text.indexOf(label) + label.length) };
    };
    const withPersona = await card("Customers with a persona");
    const without = await card("Without a persona");
    const spend = await card("Counted spend, last 365 days");
    await screenshot(admin, "dashboard-headline-periods");

    expect(withPersona.text).toContain(`Scored ${asOf}`);
    expect(spend.text).toContain(`Orders up to ${asOf} that count under your rules`);
    const scored = parseCount(/^[\d,]+/.exec(withPersona.value)![0]);
    const unscored = parseCount(/^[\d,]+/.exec(without.value)![0]);
    expect(scored).toBe(report.counted.customers);
    expect(unscored).toBe(report.customersWithoutCountedOrders);
    expect(unscored).toBeGreaterThan(0); // the demo store has customers with only test, cancelled or POS orders
    const cents = parseCount(/^\$[\d,]+\.\d\d/.exec(spend.value)![0]);
    expect(cents).toBe(report.counted.revenueMinor - report.lookbackWindow.revenueBeforeMinor);

    const customers = await openAdmin("/app/customers");
    const subtitle = (await customers.app.getByText(/customers match$/).first().textContent()) ?? "";
    expect(parseCount(subtitle)).toBe(scored + unscored);
    expect(scored + unscored).toBe(report.input.customers);
  });
});
