/**
 * axe-core (the engine behind Lighthouse's and Deque's accessibility checks) on every page of
 * the app inside the simulated admin, in each state a merchant meets first: no serious or
 * critical violation. The rules run are axe's defaults (WCAG 2.x A and AA, best practices).
 * Each page's desktop screenshot is saved as page-<name>.png.
 */
import { createRequire } from "node:module";
import type { Frame } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot } from "./support/harness";
import { APP_PAGES, openPage } from "./support/pages";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe's violations of serious or critical impact in the app's frame, one line each. */
async function seriousViolations(app: Frame): Promise<string[]> {
  await app.addScriptTag({ path: AXE });
  const violations = await app.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(", ")}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ""}`);
}

describe("accessibility (axe-core) on every page", () => {
  for (const page of APP_PAGES) {
    it(`GIVEN the ${page.name} page WHEN axe-core checks it THEN it finds no serious or critical violation`, async () => {
      const admin = await openPage(page);

      const found = await seriousViolations(admin.app);
      await screenshot(admin, `page-${page.name}`);

      expect(found).toEqual([]);
    }, 180_000);
  }
});
