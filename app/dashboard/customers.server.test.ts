import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { csvField, customerCsvStream } from "./customers-csv.server";
import { customerFilterSchema, customerListSchema, listCustomers, SEARCH_COUNT_CAP, type CustomerListQuery } from "./customers.server";
import { seedCustomer } from "./test/seed";

let db: Db;
let shop: string;
let other: string;

beforeEach(async () => {
  db = (await freshDatabase()).db;
  shop = await addShop(db, "alpha.myshopify.com");
  other = await addShop(db, "beta.myshopify.com");
});

const query = (q: Record<string, string> = {}): CustomerListQuery => customerListSchema.parse(q);
const keys = (page: Awaited<ReturnType<typeof listCustomers>>) => page.rows.map((r) => r.customerKey);

async function seedSpread() {
  const people: [string, string | null, number, number, number, number][] = [
    // key, persona, r, f, m, monetary
    ["gid://shopify/Customer/1", "champions", 5, 5, 5, 90_000],
    ["gid://shopify/Customer/2", "loyal", 4, 4, 3, 50_000],
    ["gid://shopify/Customer/3", "loyal", 3, 4, 3, 50_000],
    ["gid://shopify/Customer/4", "at-risk", 2, 3, 2, 20_000],
    ["email:ann_100%@example.com", "new-customers", 5, 1, 1, 1_000],
    ["gid://shopify/Customer/6", "lost", 1, 1, 1, 500],
  ];
  for (const [customerKey, persona, r, f, m, monetaryMinor] of people) {
    await seedCustomer(db, shop, { customerKey, persona, r, f, m, monetaryMinor, recencyDays: (6 - r) * 30, frequency: f, email: customerKey.startsWith("email:") ? customerKey.slice(6) : `c${customerKey.slice(-1)}@example.com` });
  }
  await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/7", persona: null });
  await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 1 });
}

describe("listCustomers", () => {
  const nameCustomer = async (shopId: string, customerKey: string, name: string | null, email: string | null) =>
    await db.prepare(`INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)`).run(shopId, customerKey, name, email, new Date());

  it("GIVEN customers named by their orders WHEN listed and searched THEN names show beside emails, and a search finds a name, part of one, or an email only their orders carried", async () => {
    await seedSpread();
    await nameCustomer(shop, "gid://shopify/Customer/2", "Maria Lopez", "maria@shop.example");
    await nameCustomer(shop, "gid://shopify/Customer/3", "Mario Rossi", null);
    await nameCustomer(shop, "gid://shopify/Customer/7", null, "seven@orders.example");
    await nameCustomer(other, "gid://shopify/Customer/1", "Maria Other", null);

    const page = await listCustomers(db, shop, query());
    const row = (key: string) => page.rows.find((r) => r.customerKey === key)!;
    expect(row("gid://shopify/Customer/2")).toMatchObject({ name: "Maria Lopez", email: "c2@example.com" });
    expect(row("gid://shopify/Customer/7")).toMatchObject({ name: null, email: "seven@orders.example" });
    expect(row("gid://shopify/Customer/1")).toMatchObject({ name: null });

    expect(keys(await listCustomers(db, shop, query({ q: "maria lopez" })))).toEqual(["gid://shopify/Customer/2"]);
    expect(keys(await listCustomers(db, shop, query({ q: "Mari" }))).sort()).toEqual(["gid://shopify/Customer/2", "gid://shopify/Customer/3"]);
    expect(keys(await listCustomers(db, shop, query({ q: "seven@orders" })))).toEqual(["gid://shopify/Customer/7"]);
    expect((await listCustomers(db, shop, query({ q: "Maria Other" }))).total).toBe(0);
  });

  it("GIVEN 7 customers and pages of 3 WHEN paged forward and back THEN each page says where it sits: 1–3, 4–6, 7–7, then 4–6 again", async () => {
    await seedSpread();

    const first = await listCustomers(db, shop, query({ limit: "3" }));
    const second = await listCustomers(db, shop, query({ limit: "3", after: first.nextCursor! }));
    const third = await listCustomers(db, shop, query({ limit: "3", after: second.nextCursor! }));
    const back = await listCustomers(db, shop, query({ limit: "3", before: third.previousCursor! }));

    expect([first.range, second.range, third.range, back.range]).toEqual([
      { from: 1, to: 3 },
      { from: 4, to: 6 },
      { from: 7, to: 7 },
      { from: 4, to: 6 },
    ]);
    expect(keys(back)).toEqual(keys(second));
    expect((await listCustomers(db, shop, query({ persona: "champions", q: "nobody" }))).range).toEqual({ from: 0, to: 0 });
    // Ascending sorts count from the other end.
    const asc = await listCustomers(db, shop, query({ limit: "2", sort: "monetary:asc" }));
    expect((await listCustomers(db, shop, query({ limit: "2", sort: "monetary:asc", after: asc.nextCursor! }))).range).toEqual({ from: 3, to: 4 });
  });

  it("GIVEN customers of two shops WHEN listed by spend THEN only this shop's appear, biggest spenders first", async () => {
    await seedSpread();

    const page = await listCustomers(db, shop, query());

    expect(page.total).toBe(7);
    expect(keys(page)[0]).toBe("gid://shopify/Customer/1");
    expect(page.rows[0].monetaryMinor).toBe(90_000);
    expect(page.rows.every((r) => r.customerKey !== "gid://shopify/Customer/1" || r.monetaryMinor === 90_000)).toBe(true);
  });

  it("GIVEN filters WHEN listed THEN persona, exact scores, ranges and no-persona all narrow the list", async () => {
    await seedSpread();

    expect(keys(await listCustomers(db, shop, query({ persona: "loyal" })))).toHaveLength(2);
    expect(keys(await listCustomers(db, shop, query({ r: "4", f: "4" })))).toEqual(["gid://shopify/Customer/2"]);
    expect((await listCustomers(db, shop, query({ rMin: "2", rMax: "3" }))).total).toBe(2);
    expect(keys(await listCustomers(db, shop, query({ persona: "none" })))).toEqual(["gid://shopify/Customer/7"]);
    expect((await listCustomers(db, shop, query({ mMin: "3" }))).total).toBe(3);
  });

  it("GIVEN a search with LIKE wildcards WHEN listed THEN they match literally in email or customer key", async () => {
    await seedSpread();

    expect(keys(await listCustomers(db, shop, query({ q: "100%" })))).toEqual(["email:ann_100%@example.com"]);
    expect((await listCustomers(db, shop, query({ q: "_" }))).total).toBe(1);
    expect(keys(await listCustomers(db, shop, query({ q: "C3@EXAMPLE" })))).toEqual(["gid://shopify/Customer/3"]);
    expect(keys(await listCustomers(db, shop, query({ q: "Customer/4" })))).toEqual(["gid://shopify/Customer/4"]);
  });

  it("GIVEN ties in the sort value WHEN paging forward and back two at a time THEN every customer appears once, in order", async () => {
    await seedSpread();
    const all = keys(await listCustomers(db, shop, query({ limit: "50" })));

    const seen: string[] = [];
    let page = await listCustomers(db, shop, query({ limit: "2" }));
    expect(page.previousCursor).toBeNull();
    seen.push(...keys(page));
    while (page.nextCursor) {
      page = await listCustomers(db, shop, query({ limit: "2", after: page.nextCursor }));
      seen.push(...keys(page));
    }
    expect(seen).toEqual(all);

    const back = await listCustomers(db, shop, query({ limit: "2", before: page.previousCursor! }));
    expect(keys(back)).toEqual(all.slice(4, 6));
    const first = await listCustomers(db, shop, query({ limit: "2", before: back.previousCursor! }));
    expect(keys(first)).toEqual(all.slice(2, 4));
  });

  it("GIVEN each sort WHEN listed THEN the natural direction comes first and dir reverses it", async () => {
    await seedSpread();

    const byRecency = (await listCustomers(db, shop, query({ sort: "recency" }))).rows;
    expect(byRecency.map((r) => r.recencyDays)).toEqual([30, 30, 60, 90, 120, 150, null]);
    expect(byRecency.at(-1)!.customerKey).toBe("gid://shopify/Customer/7");
    expect(keys(await listCustomers(db, shop, query({ sort: "frequency", dir: "asc" })))[0]).toBe("gid://shopify/Customer/7");
    const byPersona = (await listCustomers(db, shop, query({ sort: "persona" }))).rows.map((r) => r.persona?.slug ?? null);
    expect(byPersona).toEqual(["champions", "loyal", "loyal", "new-customers", "at-risk", "lost", null]);
    expect((await listCustomers(db, shop, query({ sort: "monetary:asc" }))).rows[0].monetaryMinor).toBe(0);
  });

  it("GIVEN Shopify customers and a guest WHEN listed THEN customers link to the admin and guests do not", async () => {
    await seedSpread();

    const rows = (await listCustomers(db, shop, query())).rows;

    expect(rows.find((r) => r.customerKey === "gid://shopify/Customer/2")!.adminUrl).toBe("shopify://admin/customers/2");
    expect(rows.find((r) => r.customerKey.startsWith("email:"))!).toMatchObject({ guest: true, adminUrl: null });
  });

  it("GIVEN more customers matching a search than it counts WHEN listed THEN the total says at least 10,000, while filters without a search count exactly", async () => {
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO "Customer" (shopId, customerKey, guest, email, recencyDays, frequency, monetaryMinor, r, f, m, persona)
         SELECT CAST(? AS TEXT), 'gid://shopify/Customer/' || i, FALSE, 'c' || i || '@example.com', 10, 1, i, 5, 1, 1, 'new-customers' FROM n`,
      )
      .run(SEARCH_COUNT_CAP, shop);

    const searched = await listCustomers(db, shop, query({ q: "example" }));
    const byPersona = await listCustomers(db, shop, query({ persona: "new-customers", r: "5" }));
    const rare = await listCustomers(db, shop, query({ q: "c1234@" }));

    expect(searched).toMatchObject({ total: SEARCH_COUNT_CAP, totalCapped: true, range: { from: 1, to: 50 } });
    expect(byPersona).toMatchObject({ total: SEARCH_COUNT_CAP + 1, totalCapped: false });
    expect(rare).toMatchObject({ total: 1, totalCapped: false });
    expect(keys(rare)).toEqual(["gid://shopify/Customer/1234"]);
  });

  it("GIVEN a page cursor of the old two-value shape WHEN parsed THEN it is refused naming the parameter", () => {
    const old = Buffer.from(JSON.stringify([100, "gid://shopify/Customer/1"])).toString("base64url");

    expect(customerListSchema.safeParse({ after: old }).error!.issues[0]).toMatchObject({ path: ["after"], message: "is not a valid page cursor" });
  });

  it("GIVEN bad query values WHEN parsed THEN each names its parameter", () => {
    const bad = customerListSchema.safeParse({ r: "9", sort: "name", after: "garbage", fMin: "4", fMax: "2" });

    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["r", "sort"]));
    expect(customerFilterSchema.safeParse({ fMin: "4", fMax: "2" }).error!.issues[0].path).toEqual(["fMin"]);
    expect(customerListSchema.safeParse({ after: "garbage" }).error!.issues[0].path).toEqual(["after"]);
  });
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text, chunks };
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
}

describe("customer CSV export", () => {
  it("GIVEN awkward values WHEN written as CSV fields THEN RFC 4180 quoting and formula guarding apply", () => {
    expect(csvField('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("plain")).toBe("plain");
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(null)).toBe("");
  });

  it("GIVEN more customers than a page WHEN exported THEN all of this shop's arrive in several chunks, escaped", async () => {
    await seedSpread();
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/8", email: 'o"brien,x@example.com', persona: "loyal", r: 4, f: 4, m: 4, monetaryMinor: 12_345 });

    const { text, chunks } = await readAll(await customerCsvStream(db, shop, {}, { pageSize: 3 }));
    const lines = text.trimEnd().split("\r\n");

    expect(chunks).toBeGreaterThanOrEqual(4); // header + 3 pages of ≤ 3
    expect(lines[0]).toBe(
      "customer_key,customer_id,name,email,guest,persona,persona_name,previous_persona,persona_since,recency_days,frequency,monetary,currency,r,f,m,rfm,first_order_at,last_order_at,scored_at",
    );
    expect(lines).toHaveLength(1 + 8);
    const obrien = lines.find((l) => l.startsWith("gid://shopify/Customer/8,"))!;
    expect(obrien).toContain(',"o""brien,x@example.com",false,loyal,Loyal,');
    expect(obrien).toContain(",123.45,USD,4,4,4,444,");
    expect(text).not.toContain(",0.01,"); // the other shop's customer
  });

  it("GIVEN a customer named by their orders WHEN exported THEN the name column carries it", async () => {
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 4, f: 4, m: 4, monetaryMinor: 4500 });
    await db.prepare(`INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)`).run(
      shop,
      "gid://shopify/Customer/1",
      "=Ann Lee",
      "ann@example.com",
      new Date(),
    );

    const { text } = await readAll(await customerCsvStream(db, shop, {}));
    const [header, line] = text.trimEnd().split("\r\n");

    expect(header.split(",").slice(2, 4)).toEqual(["name", "email"]);
    // A name is merchant-facing text from the store: the formula guard applies.
    expect(line).toContain(",'=Ann Lee,ann@example.com,");
  });

  it("GIVEN a filter WHEN exported THEN only matching customers are in the file", async () => {
    await seedSpread();

    const { text } = await readAll(await customerCsvStream(db, shop, customerFilterSchema.parse({ persona: "loyal" })));

    expect(text.trimEnd().split("\r\n").slice(1).map((l) => l.split(",")[0])).toEqual([
      "gid://shopify/Customer/2",
      "gid://shopify/Customer/3",
    ]);
  });

  it("GIVEN a zero-decimal currency WHEN exported THEN spend is written in whole units", async () => {
    await db.prepare(`UPDATE "Shop" SET currency = 'JPY' WHERE id = ?`).run(shop);
    await seedCustomer(db, shop, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 4, f: 4, m: 4, monetaryMinor: 4500 });

    const { text } = await readAll(await customerCsvStream(db, shop, {}));

    expect(text).toContain(",4500,JPY,");
  });
});
