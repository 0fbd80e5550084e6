/** The sync card's badge, server-rendered as a merchant reads it: it never says "Up to date" while nothing is written. */
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { SyncStatusCard, type SyncStatusView } from "./SyncStatusCard";

const idle: SyncStatusView = {
  phase: "idle", ordersDone: 1395, ordersEstimated: 1395, backfillStartedAt: null, backfillFinishedAt: null,
  lastSweepAt: null, lastRecomputeAt: "2026-11-30T12:00:00.000Z", lastError: null, failedWrites: 0,
};

function text(status: SyncStatusView): string {
  const html = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(SyncStatusCard, { status, locale: "en" })));
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("GIVEN a shop whose import and scoring are finished", () => {
  it("WHEN write-back is approved THEN the card says Up to date", () => {
    expect(text({ ...idle, writeConsent: "granted" })).toContain("Up to date");
  });

  it.each([
    ["pending", "Scored, write-back awaiting your approval"],
    ["paused", "Scored, write-back paused"],
    ["removed", "Removed, paused"],
  ] as const)("WHEN write-back is %s THEN the card says %s, not Up to date", (state, label) => {
    const shown = text({ ...idle, writeConsent: state });
    expect(shown).toContain(label);
    expect(shown).not.toContain("Up to date");
  });

  it("WHEN the shop is still importing THEN importing wins over the approval state", () => {
    expect(text({ ...idle, phase: "backfill", writeConsent: "pending" })).toContain("Importing orders");
  });
});
