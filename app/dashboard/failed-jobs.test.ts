import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { SyncStatusCard } from "~/components/SyncStatusCard";
import { jobRunnerOf } from "../../test/support/job-runner";
import { addShop, freshDatabase } from "../../test/support/db";
import { getDashboard } from "./overview.server";

describe("failed background jobs on the dashboard", () => {
  it("GIVEN a write-back that gave up WHEN the dashboard is read and rendered THEN the sync status names it, its error and its attempts", async () => {
    const { db } = await freshDatabase();
    const shop = await addShop(db);
    const other = await addShop(db, "other.myshopify.com");
    const fail = async () => {
      throw new Error("customersUpdate: ACCESS_DENIED");
    };
    const runner = jobRunnerOf(db, { maxAttempts: 1, handlers: { writeback: fail } });
    await runner.enqueue("writeback", shop);
    await runner.enqueue("writeback", other);
    await runner.drain();

    const { status } = await getDashboard(db, shop);
    const text = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(SyncStatusCard, { status, locale: "en-US" })))
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ");

    expect(status.failedJobs).toEqual([
      { type: "writeback", attempts: 1, lastError: "customersUpdate: ACCESS_DENIED", failedAt: expect.any(String) },
    ]);
    expect(text).toContain("Background work stopped after repeated failures");
    expect(text).toContain("Write-back to the store: customersUpdate: ACCESS_DENIED (1 attempt,");
  });
});
