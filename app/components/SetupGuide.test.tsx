/** The setup guide, server-rendered as a merchant reads it while its count streams in, once it is in, and when it failed. */
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GuideCard, type GuideCardProps } from "./SetupGuide";

const counted: Exclude<GuideCardProps["summary"], "counting" | "failed"> = {
  carries: { labels: true, fields: true, segments: true, personaChangedTrigger: true },
  customers: 1200,
  customersLabelled: 1200,
  customersWithFields: 1200,
  fieldKeys: ["persona", "r_score"],
  exampleLabel: "rfm:champions",
  segmentsToCreate: ["RFM: Champions"],
  personaChangedTriggers: 0,
  guests: 3,
};

function render(summary: GuideCardProps["summary"]): { text: string; button: string } {
  const props: GuideCardProps = { state: "pending", at: null, locale: "en", summary, approve: () => {}, submitting: false };
  const html = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(GuideCard, props)));
  return { text: html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " "), button: /<button[^>]*>/.exec(html)?.[0] ?? "" };
}

describe("GIVEN the dashboard's setup guide before approval", () => {
  it("WHEN the count is still under way THEN it says so and the approve button waits for it", () => {
    const shown = render("counting");

    expect(shown.text).toContain("Counting what approving would change in your store");
    expect(shown.text).toContain("Approve write-back");
    expect(shown.button).toContain('aria-disabled="true"');
  });

  it("WHEN the count is in THEN it lists what approving changes and the button can be pressed", () => {
    const shown = render(counted);

    expect(shown.text).toContain("Approving will change your store:");
    expect(shown.text).toContain("1,200 customers tagged with their persona (such as rfm:champions)");
    expect(shown.text).not.toContain("Counting");
    expect(shown.button).not.toContain('aria-disabled="true"');
  });

  it("WHEN the count failed THEN it asks for a reload and approval stays possible", () => {
    const shown = render("failed");

    expect(shown.text).toContain("could not be counted just now. Reload the page");
    expect(shown.button).not.toContain('aria-disabled="true"');
  });
});
