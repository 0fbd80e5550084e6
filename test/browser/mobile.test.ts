/**
 * Every page at 390 px, the width of Shopify's mobile admin on a phone (the simulated admin
 * folds its navigation away there, as Shopify's does): the key columns — persona, customer,
 * score — are on screen without scrolling sideways, chart text stays readable, the page itself
 * never scrolls sideways, and each page's screenshot is saved (mobile-<page>.png).
 */
import type { Frame } from "playwright-core";
import { describe, expect, it } from "vitest";
import { appSettled, screenshot, type AdminPage } from "./support/harness";
import { APP_PAGES, openPage } from "./support/pages";

const PHONE = { width: 390, height: 844 };
/** Smallest chart text, in CSS pixels, that we call readable on a phone. */
const MIN_CHART_TEXT_PX = 10;

async function atPhoneWidth(admin: AdminPage): Promise<void> {
  await admin.page.setViewportSize(PHONE);
  await admin.app.waitForFunction((w) => window.innerWidth === w, PHONE.width);
  await admin.app.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await appSettled(admin.app);
}

/** Elements matching the selector in the first row of the first table that has them, and whether each lies inside the frame's width. */
function onScreen(app: Frame, selectors: string[]) {
  return app.evaluate((selectors) => {
    const width = window.innerWidth;
    return selectors.map((selector) => {
      const el = document.querySelector(selector);
      if (!el) return { selector, found: false, inside: false };
      const r = el.getBoundingClientRect();
      return { selector, found: true, inside: r.width > 0 && r.left >= 0 && r.right <= width + 0.5 };
    });
  }, selectors);
}

/** Rendered size of the smallest text in the page's SVG charts (font size times the SVG's scale). */
function smallestChartText(app: Frame) {
  return app.evaluate(() => {
    const sizes = [...document.querySelectorAll("svg text")].map((t) => {
      const scale = (t as SVGTextElement).getScreenCTM()?.a ?? 1;
      return parseFloat(getComputedStyle(t).fontSize) * scale;
    });
    return sizes.length ? Math.min(...sizes) : null;
  });
}

/** The key columns each page must keep on screen at 390 px. */
const KEY_CELLS: Record<string, string[]> = {
  dashboard: ["table tbody tr:first-child a[href^='/app/personas/']", "table tbody tr:first-child td:nth-child(2)"],
  personas: ["tr.Polaris-IndexTable__TableRow:first-child a[href^='/app/personas/']", "tr.Polaris-IndexTable__TableRow:first-child td:nth-child(2)"],
  customers: [
    "tr.Polaris-IndexTable__TableRow:first-child td:nth-child(1)",
    "tr.Polaris-IndexTable__TableRow:first-child td:nth-child(2)",
    "tr.Polaris-IndexTable__TableRow:first-child td:nth-child(3)",
  ],
};

describe("the app at 390 px (Shopify's mobile admin)", () => {
  for (const page of APP_PAGES) {
    it(`GIVEN the ${page.name} page on a phone WHEN shown at 390 px THEN its key columns are on screen, chart text is readable and nothing scrolls sideways`, async () => {
      const admin = await openPage(page);
      await atPhoneWidth(admin);

      const overflow = await admin.app.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const cells = await onScreen(admin.app, KEY_CELLS[page.name] ?? []);
      const chartText = await smallestChartText(admin.app);
      await screenshot(admin, `mobile-${page.name}`);

      expect(overflow).toBeLessThanOrEqual(0);
      expect(cells.filter((c) => !c.found || !c.inside)).toEqual([]);
      if (chartText !== null) expect(chartText).toBeGreaterThanOrEqual(MIN_CHART_TEXT_PX);
    }, 180_000);
  }
});
