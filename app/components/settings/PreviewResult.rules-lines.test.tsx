/** The settings preview's rules table, server-rendered as a merchant reads it (text only). */
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { applyRules, DEFAULT_SETTINGS, type CanonicalOrder } from "~/rfm";
import type { SettingsPreview } from "~/scoring/preview.server";
import { PreviewResult } from "./PreviewResult";

const base: CanonicalOrder = {
  platform: "woocommerce", id: "woo:order:1", customerKey: "woo:customer:1", guest: false,
  processedAt: "2026-06-01T12:00:00Z", updatedAt: "2026-06-01T12:00:00Z", currency: "USD", totalMinor: 1000, refundedMinor: 0,
  lineItems: [{ id: "1", quantity: 1, unitPriceMinor: 1000, totalMinor: 1000, subscription: false }],
  channel: "checkout", pos: false, subscription: false, test: false, cancelled: false, tags: [],
};

function render(orders: CanonicalOrder[]): string {
  const { report } = applyRules(orders, { ...DEFAULT_SETTINGS.rules, lookbackDays: null }, new Date("2026-07-01T00:00:00Z"));
  const side = { rules: report, personas: [], customersWithPersona: 0 };
  const preview = { asOf: "2026-07-01T00:00:00.000Z", current: side, candidate: side, matrix: [], moved: 0, customers: 0, currentPersonas: [], candidatePersonas: [] } as SettingsPreview;
  const html = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(PreviewResult, { preview, currency: "USD", locale: "en" })));
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("GIVEN orders in another currency without a rate, unpaid and cancelled orders", () => {
  it("WHEN the preview's rules table is shown THEN each has its own line with its count", () => {
    const text = render([
      base,
      { ...base, id: "woo:order:2", currency: "EUR", amountUnknown: true, lineItems: [{ ...base.lineItems[0], unitPriceMinor: 0, totalMinor: 0 }] },
      { ...base, id: "woo:order:3", currency: "EUR", amountUnknown: true, lineItems: [{ ...base.lineItems[0], unitPriceMinor: 0, totalMinor: 0 }] },
      { ...base, id: "woo:order:4", unpaid: true },
      { ...base, id: "woo:order:5", cancelled: true },
    ]);
    expect(text).toContain("Orders in another currency without a rate: counted for recency and frequency, not for spend 2");
    expect(text).toContain("Not a purchase (unpaid) 1");
    expect(text).toContain("Cancelled orders 1");
  });

  it("WHEN there are none THEN the currency line is not shown", () => {
    expect(render([base])).not.toContain("another currency");
  });
});
