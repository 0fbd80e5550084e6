/** The settings preview's counted row names its period and gives the dashboard's window figure beside it. */
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { applyRules, DEFAULT_SETTINGS, type CanonicalOrder } from "~/rfm";
import type { SettingsPreview } from "~/scoring/preview.server";
import { PreviewResult } from "./PreviewResult";

const order = (id: string, customer: string, at: string, cents: number): CanonicalOrder => ({
  platform: "shopify", id, customerKey: customer, guest: false, processedAt: at, updatedAt: at, currency: "USD", totalMinor: cents, refundedMinor: 0,
  lineItems: [{ id: "1", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }],
  channel: "web", pos: false, subscription: false, test: false, cancelled: false, tags: [],
});

function render(lookbackDays: number | null): string {
  const orders = [
    order("1", "a", "2026-06-01T12:00:00Z", 1_000),
    order("2", "a", "2024-06-01T12:00:00Z", 2_000), // before a 365-day window
    order("3", "b", "2024-01-01T12:00:00Z", 4_000), // customer b: only before it
  ];
  const { report } = applyRules(orders, { ...DEFAULT_SETTINGS.rules, lookbackDays }, new Date("2026-07-01T00:00:00Z"));
  const side = { rules: report, personas: [], customersWithPersona: 2 };
  const preview = { asOf: "2026-07-01T00:00:00.000Z", current: side, candidate: side, matrix: [], moved: 0, customers: 2, currentPersonas: [], candidatePersonas: [] } as SettingsPreview;
  const html = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(PreviewResult, { preview, currency: "USD", locale: "en" })));
  return html.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/\s+/g, " ");
}

describe("the preview's counted figures and their period", () => {
  it("GIVEN a 365-day window WHEN the preview is shown THEN Counted says up to which day, and the window's share is the dashboard's counted spend", () => {
    const text = render(365);

    expect(text).toContain("Counted: orders up to Jul 1, 2026, all time 3 2 $70.00");
    expect(text).toContain("…of which in the lookback window (the dashboard's counted spend) 1 1 $10.00");
  });

  it("GIVEN all time WHEN the preview is shown THEN there is no window line", () => {
    expect(render(null)).not.toContain("of which in the lookback window");
  });
});
