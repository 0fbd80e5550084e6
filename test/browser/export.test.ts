import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Download } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "~/dashboard/customers-csv.server";
import { appSettled, harness, openAdmin, parseCount, query, screenshot } from "./support/harness";

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

describe("CSV export", () => {
  let shopId: string;
  beforeAll(async () => {
    ({ shopId } = await harness());
  });

  it("GIVEN the customer list WHEN the merchant clicks Export CSV THEN the download holds a header and one row per customer in the database", async () => {
    const customers = await query<{ customerKey: string; persona: string | null }>(
      `SELECT customerKey, persona FROM "Customer" WHERE shopId = ?`,
      shopId,
    );
    const admin = await openAdmin();
    const { page, app, context } = admin;
    await page.locator("#app-nav a", { hasText: "Customers" }).click();
    await app.waitForURL(/\/app\/customers$/);
    await appSettled(app);
    expect(parseCount((await app.getByText(/customers? match$/).textContent()) ?? "")).toBe(customers.length);

    // The button asks for a one-time link (an authenticated fetch), then opens it in a new window where the file downloads.
    const exportRequests: { method: string; url: string; authorization?: string }[] = [];
    context.on("request", (request) => {
      if (new URL(request.url()).pathname === "/app/customers/export") {
        exportRequests.push({ method: request.method(), url: request.url(), authorization: request.headers()["authorization"] });
      }
    });
    const downloaded = new Promise<Download>((resolve) => {
      page.once("download", resolve);
      context.on("page", (popup) => popup.once("download", resolve));
    });
    await app.getByRole("button", { name: "Export CSV" }).click();
    const download = await downloaded;
    const file = path.join(os.tmpdir(), `rfm-export-${Date.now()}.csv`);
    await download.saveAs(file);
    await screenshot(admin, "customers-export");

    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const [header, ...rows] = parseCsv(readFileSync(file, "utf8"));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(customers.length);
    const key = header.indexOf("customer_key");
    const persona = header.indexOf("persona");
    expect(rows.map((r) => r[key]).sort()).toEqual(customers.map((c) => c.customerKey).sort());
    const tally = (values: (string | null)[]) =>
      values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v || "none"]: (acc[v || "none"] ?? 0) + 1 }), {});
    expect(tally(rows.map((r) => r[persona]))).toEqual(tally(customers.map((c) => c.persona)));

    // The link was minted with the session token in a header; the download URL carries only a one-time token.
    const minted = exportRequests.find((r) => r.method === "POST");
    const fetched = exportRequests.find((r) => r.method === "GET");
    expect(minted?.authorization).toMatch(/^Bearer ey/);
    expect([...new URL(fetched!.url).searchParams.keys()]).toEqual(["token"]);
    expect(fetched!.url).not.toContain(minted!.authorization!.slice("Bearer ".length));
    // Spent: opening the same link again gets no file.
    const again = await context.request.get(fetched!.url);
    expect(again.status()).toBe(410);
  });
});
