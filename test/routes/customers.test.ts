import { beforeEach, describe, expect, it } from "vitest";
import { seedCustomer } from "~/dashboard/test/seed";
import { loader as listLoader } from "~/routes/app.customers._index";
import { loader as exportLoader } from "~/routes/app.customers.export";
import { services } from "~/services.server";
import { addShop, appRequest, args, BROWSER, documentRequest, resetDatabase, run, storeOfflineSession } from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  resetDatabase();
  alpha = addShop(ALPHA);
  beta = addShop(BETA);
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  const { db } = services();
  for (let i = 1; i <= 5; i++) {
    seedCustomer(db, alpha, {
      customerKey: `gid://shopify/Customer/${i}`,
      email: `a${i}@example.com`,
      persona: i <= 2 ? "champions" : "lost",
      previousPersona: i === 1 ? "loyal" : null,
      r: i <= 2 ? 5 : 1,
      f: i <= 2 ? 5 : 1,
      m: i <= 2 ? 5 : 1,
      monetaryMinor: i * 1000,
    });
  }
  seedCustomer(db, alpha, { customerKey: "email:guest@example.com", email: "guest@example.com", persona: "lost", r: 1, f: 1, m: 1 });
  seedCustomer(db, beta, { customerKey: "gid://shopify/Customer/99", email: "beta@example.com", persona: "champions", r: 5, f: 5, m: 5 });
});

const list = async (shop: string, query = "") => run(async () => listLoader(args(await appRequest(`/app/customers${query}`, shop))));

describe("GET /app/customers", () => {
  it("GIVEN no session WHEN a browser opens it THEN it is sent to log in", async () => {
    const out = await run(() => listLoader(args(new Request("https://rfm.test/app/customers", { headers: { "User-Agent": BROWSER } }))));

    expect(out.status).toBe(302);
  });

  it("GIVEN two shops WHEN listed THEN only the requesting shop's customers appear", async () => {
    const out = await list(ALPHA);

    expect(out.status).toBe(200);
    expect(out.data.total).toBe(6);
    expect(out.data.rows.map((r: { email: string }) => r.email)).not.toContain("beta@example.com");
    expect(out.data.rows[0]).toMatchObject({ customerKey: "gid://shopify/Customer/5", adminUrl: "shopify://admin/customers/5" });
  });

  it("GIVEN a cell of the dashboard grid WHEN followed THEN the list is filtered to it", async () => {
    const out = await list(ALPHA, "?r=5&f=5");

    expect(out.data.total).toBe(2);
    expect(out.data.filters).toMatchObject({ r: 5, f: 5, m: null });
  });

  it("GIVEN persona, search, sort and paging WHEN listed THEN they combine", async () => {
    const first = await list(ALPHA, "?persona=lost&sort=monetary&dir=asc&limit=2");
    const next = await list(ALPHA, `?persona=lost&sort=monetary&dir=asc&limit=2&after=${first.data.nextCursor}`);
    const search = await list(ALPHA, "?q=GUEST");

    expect(first.data.rows.map((r: { monetaryMinor: number }) => r.monetaryMinor)).toEqual([0, 3000]);
    expect(next.data.rows.map((r: { monetaryMinor: number }) => r.monetaryMinor)).toEqual([4000, 5000]);
    expect(search.data.rows).toHaveLength(1);
    expect(search.data.rows[0]).toMatchObject({ guest: true, adminUrl: null });
  });

  it("GIVEN bad query parameters WHEN listed THEN 400 names each one", async () => {
    const out = await list(ALPHA, "?r=7&sort=name&rMin=4&rMax=2&after=%%%");

    expect(out.status).toBe(400);
    expect(Object.keys(out.data.errors)).toEqual(expect.arrayContaining(["r", "sort"]));
    expect((await list(ALPHA, "?rMin=4&rMax=2")).data.errors).toEqual({ rMin: "rMin must not exceed rMax" });
    expect((await list(ALPHA, "?persona=Not%20A%20Slug")).status).toBe(400);
    expect((await list(ALPHA, "?after=garbage")).data.errors).toEqual({ after: "is not a valid page cursor" });
  });
});

describe("GET /app/customers/export", () => {
  it("GIVEN no session WHEN requested THEN it is refused", async () => {
    const browser = await run(() =>
      exportLoader(args(new Request("https://rfm.test/app/customers/export", { headers: { "User-Agent": BROWSER } }))),
    );
    const forged = await run(() =>
      exportLoader(args(new Request("https://rfm.test/app/customers/export", { headers: { Authorization: "Bearer a.b.c" } }))),
    );

    expect(browser.status).toBe(302);
    expect(forged.status).toBe(401);
  });

  it("GIVEN a download link with id_token WHEN opened THEN a CSV attachment of this shop's customers streams back", async () => {
    const out = await run(async () => exportLoader(args(await documentRequest("/app/customers/export", ALPHA))));

    expect(out.status).toBe(200);
    expect(out.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(out.headers.get("Content-Disposition")).toMatch(/^attachment; filename="rfm-customers-alpha-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(out.response!.body).toBeInstanceOf(ReadableStream);
    const lines = (await out.response!.text()).trimEnd().split("\r\n");
    expect(lines).toHaveLength(1 + 6);
    expect(lines.join("\n")).not.toContain("beta@example.com");
    expect(lines.find((l) => l.startsWith("gid://shopify/Customer/1,"))).toContain(",champions,Champions,loyal,");
  });

  it("GIVEN the list's filters WHEN exported THEN the file holds the same customers", async () => {
    const out = await run(async () => exportLoader(args(await appRequest("/app/customers/export?persona=champions&sort=monetary", ALPHA))));

    const rows = (await out.response!.text()).trimEnd().split("\r\n").slice(1);
    expect(rows.map((l) => l.split(",")[0])).toEqual(["gid://shopify/Customer/1", "gid://shopify/Customer/2"]);
  });

  it("GIVEN a bad filter WHEN exported THEN 400 and no file", async () => {
    const out = await run(async () => exportLoader(args(await appRequest("/app/customers/export?m=0", ALPHA))));

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ m: "scores run 1–5" });
  });
});
