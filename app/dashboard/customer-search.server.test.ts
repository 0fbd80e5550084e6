import { beforeEach, describe, expect, it, vi } from "vitest";
import { isSqlite, type Db, type SqliteDb } from "~/db/index.server";
import { redactCustomer } from "~/privacy/redact.server";
import { deleteShopData } from "~/shops/shop-data.server";
import { uninstallShop } from "~/shops/shop.server";
import { createOrderStore } from "~/sync/order-store.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { recordStatements } from "../../test/support/statements";
import { CARRIED_PERSONAS_SQL, carriedPersonas } from "./totals.server";
import { CUSTOMER_FROM, customerListSchema, customerWhere, listCustomers, SEARCH_INDEXED_FROM } from "./customers.server";
import { seedCustomer } from "./test/seed";

// Search through the trigram index (docs/decisions/036) finds exactly what a case-insensitive
// substring LIKE over id, email, and the name and email orders carried found before it.

let db: Db;
let shop: string;
let other: string;

beforeEach(async () => {
  db = (await freshDatabase()).db;
  shop = await addShop(db, "alpha.myshopify.com");
  other = await addShop(db, "beta.myshopify.com");
});

interface Person {
  key: string;
  email: string | null;
  name?: string | null;
  contactEmail?: string | null;
  persona?: string;
}

const PEOPLE: Person[] = [
  { key: "gid://shopify/Customer/1001", email: "Anna.Lindqvist@Mail.example", name: "Anna Lindqvist", contactEmail: "anna@orders.example", persona: "champions" },
  { key: "email:bob_o'neil@example.com", email: "bob_o'neil@example.com", name: `Bob "The Builder" O'Neil`, persona: "loyal" },
  { key: "gid://shopify/Customer/2002", email: null, persona: "lost" },
  { key: "gid://shopify/Customer/3003", email: "d@x.example", name: "Zoë 100% Real_Name", contactEmail: null, persona: "loyal" },
  { key: "gid://shopify/Customer/4004", email: "ops+test@example.com", name: "NEAR(a b) AND c* OR -d ^e col:f [VIP]?", persona: "at-risk" },
  { key: "gid://shopify/Customer/5005", email: null, name: "Lindsay Linden", contactEmail: "LINDSAY@Example.COM", persona: "champions" },
];

const contact = (shopId: string, key: string, name: string | null, email: string | null) =>
  db.prepare(`INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)`).run(shopId, key, name, email, new Date());

async function seedPeople() {
  for (const [i, p] of PEOPLE.entries()) {
    // Half get their contact before they are scored (as ingest does), half after.
    if (i % 2 === 0 && p.name !== undefined) await contact(shop, p.key, p.name, p.contactEmail ?? null);
    await seedCustomer(db, shop, { customerKey: p.key, email: p.email, persona: p.persona, r: 3, f: 3, m: 3, monetaryMinor: 1000 * (i + 1) });
    if (i % 2 === 1 && p.name !== undefined) await contact(shop, p.key, p.name, p.contactEmail ?? null);
  }
  // Another shop's customer with the same name, and a contact whose customer was never scored.
  await seedCustomer(db, other, { customerKey: "gid://shopify/Customer/1001", email: "anna.lindqvist@mail.example", persona: "champions" });
  await contact(other, "gid://shopify/Customer/1001", "Anna Lindqvist", null);
  await contact(shop, "gid://shopify/Customer/9009", "Ghost Lindqvist", "ghost@example.com");
}

/** What the old `lower(x) LIKE lower('%q%')` over the four columns found, computed here. */
const expected = (q: string, people = PEOPLE) =>
  people
    .filter((p) => [p.key, p.email, p.name, p.contactEmail].some((t) => t != null && t.toLowerCase().includes(q.toLowerCase())))
    .map((p) => p.key)
    .sort();

const search = async (q: string, extra: Record<string, string> = {}) =>
  (await listCustomers(db, shop, customerListSchema.parse({ q, limit: "250", ...extra }))).rows.map((r) => r.customerKey).sort();

const QUERIES = [
  // the middle of a name, an email, an id; any case; across a space
  "ndqv", "LINDQVIST", "nna L", "anna lindqvist", "mail.EX", "orders.ex", "ustomer/20", "2002", "@example.com", "lindsay@example",
  // quotes, LIKE wildcards and FTS5 operators are literal
  "o'neil", `"The Builder"`, `"`, `'`, `" OR "`, "100%", "%", "_", "real_", "l_n", "NEAR(a b)", "AND c*", "c*", "-d ^e", "col:f", "OR", "ops+test",
  // GLOB's wildcards and classes are literal too
  "*", "?", "[", "]", "[v", "p]", "]?", "[vip]", "[a-z]", "*?", "f [", "c*?",
  // shorter than a trigram, unicode, no match
  "a", "an", "zq", "zoë", "nobody here",
  // a line break: never matches across two texts (one's end, the next one's start)
  "example\nanna@", "1001\nanna", "e\na",
];

describe("customer search: substring, any case, by name, email or id", () => {
  it("GIVEN customers with names, emails and ids WHEN searched THEN each query finds exactly what a case-insensitive substring match finds, in this shop only", async () => {
    await seedPeople();

    for (const q of QUERIES) expect({ q, found: await search(q) }).toEqual({ q, found: expected(q) });
    // Testing each customer read (as a page of a search matching thousands walks) agrees too.
    for (const q of QUERIES) {
      const where = customerWhere(db, shop, { q }, "per-row");
      const found = (await db.prepare(`SELECT "Customer".customerKey FROM ${CUSTOMER_FROM} WHERE ${where.sql}`).pluck().all(...where.params)) as string[];
      expect({ q, found: found.sort() }).toEqual({ q, found: expected(q) });
    }
    // Sanity of the fixture: the cases above do find people, so they prove something.
    expect(expected("ndqv")).toEqual(["gid://shopify/Customer/1001"]);
    expect(expected("l_n")).toEqual(["gid://shopify/Customer/3003"]);
    expect(expected(`" OR "`)).toEqual([]);
    expect(expected("[vip]")).toEqual(["gid://shopify/Customer/4004"]);
    expect(expected("[a-z]")).toEqual([]);
  });

  it("GIVEN a search and other filters WHEN listed and counted THEN both apply, and the count is the matches'", async () => {
    await seedPeople();

    const page = await listCustomers(db, shop, customerListSchema.parse({ q: "lind", persona: "champions" }));

    expect(page.rows.map((r) => r.customerKey).sort()).toEqual(["gid://shopify/Customer/1001", "gid://shopify/Customer/5005"]);
    expect(page).toMatchObject({ total: 2, totalCapped: false, range: { from: 1, to: 2 } });
    expect(await search("lind", { persona: "loyal" })).toEqual([]);
  });

  it("GIVEN names and emails that change WHEN searched THEN the new text is found and the old is not", async () => {
    await seedPeople();

    // A newer order names the customer differently; the store reports a new email.
    await db.prepare(`UPDATE "CustomerContact" SET name = ?, email = ?, seenAt = ? WHERE shopId = ? AND customerKey = ?`)
      .run("Anna Berg", "berg@orders.example", new Date(), shop, "gid://shopify/Customer/1001");
    await db.prepare(`UPDATE "Customer" SET email = ? WHERE shopId = ? AND customerKey = ?`).run("anna.berg@mail.example", shop, "gid://shopify/Customer/1001");
    // A recompute rewrites scores and persona, never the text.
    await db.prepare(`UPDATE "Customer" SET persona = 'lost', monetaryMinor = 1, r = 1 WHERE shopId = ?`).run(shop);

    expect(await search("lindqvist")).toEqual([]);
    expect(await search("anna.lindqvist@")).toEqual([]);
    expect(await search("berg@orders")).toEqual(["gid://shopify/Customer/1001"]);
    expect(await search("anna.berg")).toEqual(["gid://shopify/Customer/1001"]);
    expect(await search("Anna B")).toEqual(["gid://shopify/Customer/1001"]);
    expect(await search("ndsay lin")).toEqual(["gid://shopify/Customer/5005"]);
    if (isSqlite(db)) {
      // The index agrees with its text, row for row.
      await db.prepare(`INSERT INTO "CustomerSearch" ("CustomerSearch", rank) VALUES ('integrity-check', 1)`).run();
    }
  });

  it("GIVEN a redacted customer WHEN searched by name, email or id THEN they are not found, and no searchable text of theirs is left", async () => {
    await seedPeople();
    const store = createOrderStore(db);

    await redactCustomer(db, store, shop, { customerKey: "gid://shopify/Customer/1001" }, new Date());
    await redactCustomer(db, store, shop, { customerKey: null, email: "bob_o'neil@example.com" }, new Date());

    for (const q of ["lindqvist", "anna@orders", "Customer/1001", "o'neil", "The Builder", "bob_"]) expect({ q, found: await search(q) }).toEqual({ q, found: [] });
    expect(await search("lindsay")).toEqual(["gid://shopify/Customer/5005"]);
    if (isSqlite(db)) {
      const left = await db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ? AND customerKey IN (?, ?)`).pluck()
        .get(shop, "gid://shopify/Customer/1001", "email:bob_o'neil@example.com");
      const indexed = await db.prepare(`SELECT count(*) FROM "CustomerSearch" WHERE "CustomerSearch" MATCH ?`).pluck().get(`"@or"`); // a trigram only their order email had
      expect({ left, indexed }).toEqual({ left: 0, indexed: 0 });
      await db.prepare(`INSERT INTO "CustomerSearch" ("CustomerSearch", rank) VALUES ('integrity-check', 1)`).run();
    }
  });

  it("GIVEN a shop's data deleted WHEN its customers are searched THEN none of its searchable text is left, and the other shop's customers are still found", async () => {
    await seedPeople();

    await deleteShopData(db, shop, "alpha.myshopify.com");

    expect((await listCustomers(db, other, customerListSchema.parse({ q: "lindqvist" }))).rows.map((r) => r.customerKey)).toEqual(["gid://shopify/Customer/1001"]);
    if (isSqlite(db)) {
      expect(await db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`).pluck().get(shop)).toBe(0);
      expect(await db.prepare(`SELECT count(*) FROM "CustomerSearch" WHERE "CustomerSearch" MATCH ?`).pluck().get(`"s+t"`)).toBe(0); // only in this shop's ops+test@
    }
  });

  it(`GIVEN a search of ${SEARCH_INDEXED_FROM}+ characters WHEN planned THEN it reads the trigram index, not every customer`, async () => {
    await seedPeople();
    const where = customerWhere(db, shop, { q: "lindqvist" });
    const sql = `SELECT "Customer".customerKey FROM ${CUSTOMER_FROM} WHERE ${where.sql}`;

    let plan: string;
    if (isSqlite(db)) {
      plan = ((await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...where.params)) as { detail: string }[]).map((r) => r.detail).join("\n");
      expect(plan).toMatch(/VIRTUAL TABLE INDEX/);
    } else {
      // A shop big enough that the planner weighs the indexes against reading the shop's rows.
      await db.exec(`INSERT INTO "Customer" ("shopId", "customerKey", email) SELECT '${shop}', 'gid://shopify/Customer/' || (10000 + i), 'c' || i || '@example.com' FROM generate_series(1, 5000) AS i`);
      await db.exec(`INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt") SELECT '${shop}', 'gid://shopify/Customer/' || (10000 + i), 'Person ' || i, 'p' || i || '@example.com', now() FROM generate_series(1, 5000) AS i`);
      // As autovacuum leaves them after a bulk load: GIN's pending entries merged, statistics taken.
      await db.exec(`VACUUM ANALYZE "Customer"`);
      await db.exec(`VACUUM ANALYZE "CustomerContact"`);
      plan = ((await db.prepare(`EXPLAIN ${sql}`).all(...where.params)) as { "QUERY PLAN": string }[]).map((r) => r["QUERY PLAN"]).join("\n");
      for (const index of ["Customer_search_customerKey_idx", "Customer_search_email_idx", "CustomerContact_search_email_idx", "CustomerContact_search_name_idx"]) {
        expect(plan).toContain(`Bitmap Index Scan on "${index}"`);
      }
    }
  });
});

describe("customer search: shorter than a trigram", () => {
  it(`GIVEN a search of fewer than ${SEARCH_INDEXED_FROM} characters WHEN run THEN each customer's text is one stored lowercase column tested for a substring, with no lower() or pattern per row`, async () => {
    await seedPeople();
    if (!isSqlite(db)) return; // PostgreSQL: the next test
    const where = customerWhere(db, shop, { q: "zq" });

    const program = (await db.prepare(`EXPLAIN SELECT "Customer".customerKey FROM ${CUSTOMER_FROM} WHERE ${where.sql}`).all(...where.params)) as { opcode: string; p4: unknown }[];
    const columns = (await db.prepare(`SELECT name, hidden FROM pragma_table_xinfo('CustomerSearchText')`).all()) as { name: string; hidden: number }[];

    // One GLOB a row and lower() of the query; the text was lowered when written (hidden 3: a stored generated column).
    expect(program.filter((op) => op.opcode.endsWith("Func") || op.opcode === "Function").map((op) => String(op.p4)).sort()).toEqual(["glob(2)", "lower(1)"]);
    expect(columns.find((c) => c.name === "lowered")).toEqual({ name: "lowered", hidden: 3 });
    // The shop's texts are read from an index holding them (a row is read only when its text matches).
    const plan = ((await db.prepare(`EXPLAIN QUERY PLAN SELECT "Customer".customerKey FROM ${CUSTOMER_FROM} WHERE ${where.sql}`).all(...where.params)) as { detail: string }[]).map((r) => r.detail);
    expect(plan.filter((d) => d.includes(" t "))).toEqual([expect.stringMatching(/^SEARCH t USING (COVERING )?INDEX CustomerSearchText_shopId_lowered_idx \(shopId=\?\)$/)]);
    expect(await search("zq")).toEqual([]);
    expect(await search("LI")).toEqual(expected("li"));
  });

  it(`GIVEN a database holding one big shop, analysed WHEN a search of fewer than ${SEARCH_INDEXED_FROM} characters runs on SQLite THEN every statement reads the texts from the (shopId, lowered) index, not the table`, async () => {
    await seedPeople();
    if (!isSqlite(db)) return; // PostgreSQL: the next test
    // As a shop of 1M leaves the statistics: every text row is this shop's, so shopId looks useless to the planner.
    await db.exec(`INSERT INTO "Customer" ("shopId", "customerKey", email) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 3000)
      SELECT '${shop}', 'gid://shopify/Customer/' || (10000 + value), 'c' || value || '@example.com' FROM n`);
    await db.exec(`DELETE FROM "Customer" WHERE shopId = '${other}'`);
    await db.exec(`ANALYZE`);

    const mapped = vi.spyOn(db as SqliteDb, "withMappedReads");
    const statements = await recordStatements(db, () => listCustomers(db, shop, customerListSchema.parse({ q: "zq" })));
    const reads = [];
    for (const { sql, params } of statements.filter((s) => s.sql.includes(`"CustomerSearchText"`))) {
      const plan = ((await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params)) as { detail: string }[]).map((r) => r.detail);
      reads.push(...plan.filter((d) => / t( |$)/.test(d)));
    }

    expect(reads).toEqual([expect.stringMatching(/^SEARCH t USING (COVERING )?INDEX CustomerSearchText_shopId_lowered_idx \(shopId=\?\)$/)]);
    // The count's scan went through the reader that maps the file (a scan bigger than the page cache at 1M customers).
    expect(mapped).toHaveBeenCalledTimes(1);
    expect(await search("zq")).toEqual([]);
    expect(await search("LI")).toEqual(expected("li"));
  });

  it(`GIVEN a shop of thousands of customers on PostgreSQL WHEN searched for fewer than ${SEARCH_INDEXED_FROM} characters THEN the search reads the shop's CustomerSearchText rows, not Customer or CustomerContact`, async () => {
    await seedPeople();
    if (isSqlite(db)) return; // SQLite: the test above
    await db.exec(`INSERT INTO "Customer" ("shopId", "customerKey", email) SELECT '${shop}', 'gid://shopify/Customer/' || (10000 + i), 'c' || i || '@example.com' FROM generate_series(1, 5000) AS i`);
    await db.exec(`INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt") SELECT '${shop}', 'gid://shopify/Customer/' || (10000 + i), 'Person ' || i, 'p' || i || '@example.com', now() FROM generate_series(1, 5000) AS i`);
    for (const table of ["Customer", "CustomerContact", "CustomerSearchText"]) await db.exec(`VACUUM ANALYZE "${table}"`);

    // WHEN: every statement the customer list runs for a search nobody matches, as PostgreSQL ran it.
    const statements = await recordStatements(db, () => listCustomers(db, shop, customerListSchema.parse({ q: "zq" })));
    const read = { searchText: 0, customers: 0, contacts: 0 };
    for (const { sql, params } of statements) {
      const [{ "QUERY PLAN": [root] }] = (await db.prepare(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`).all(...params)) as { "QUERY PLAN": [{ Plan: PlanNode }] }[];
      read.searchText += rowsRead(root.Plan, "CustomerSearchText");
      read.customers += rowsRead(root.Plan, "Customer");
      read.contacts += rowsRead(root.Plan, "CustomerContact");
    }

    // THEN: the shop's 5,000+ texts were read once; no customer or contact was (nobody matched).
    expect(read).toEqual({ searchText: expect.any(Number), customers: 0, contacts: 0 });
    expect(read.searchText).toBeGreaterThan(5000);
    expect(read.searchText).toBeLessThan(10_000);
    expect(await search("zq")).toEqual([]);
    expect(await search("LI")).toEqual(expected("li"));
  });

  it("GIVEN a short search and other filters WHEN listed a page at a time THEN the pages hold exactly the matches that pass the filters, each once", async () => {
    await seedPeople();

    const pages = async (q: string, extra: Record<string, string> = {}) => {
      const keys: string[] = [];
      let after: string | undefined;
      do {
        const page = await listCustomers(db, shop, customerListSchema.parse({ q, limit: "2", after, ...extra }));
        expect(page).toMatchObject({ total: expected(q, extra.persona ? PEOPLE.filter((p) => p.persona === extra.persona) : PEOPLE).length, totalCapped: false });
        keys.push(...page.rows.map((r) => r.customerKey));
        after = page.nextCursor ?? undefined;
      } while (after);
      return keys;
    };

    expect((await pages("e")).sort()).toEqual(expected("e"));
    expect(expected("e").length).toBeGreaterThan(2);
    expect((await pages("LI", { persona: "champions" })).sort()).toEqual(expected("li", PEOPLE.filter((p) => p.persona === "champions")));
    expect(await pages("i", { persona: "lost" })).toEqual(expected("i", PEOPLE.filter((p) => p.persona === "lost")));
  });
});

describe("customer search: short searches follow every write", () => {
  const KEY = "gid://shopify/Customer/7007";
  const GUEST = "email:kj.guest@example.com";
  /** Rows of text held for these customers: an erased customer's must be none. */
  const textRows = async (shopId: string, ...keys: string[]) =>
    Number(await db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ? AND customerKey IN (${keys.map(() => "?").join(",")})`).pluck().get(shopId, ...keys));

  it("GIVEN customers created, renamed, given a new email and erased WHEN searched for 1–2 characters THEN each search finds exactly the customers whose text holds it then", async () => {
    await seedPeople();
    // Two pairs no other customer's text holds.
    for (const q of ["kj", "vy", "qz", "wx"]) expect(expected(q)).toEqual([]);

    // A customer scored after its contact arrived, and a guest whose contact arrives after.
    await contact(shop, KEY, "Kj Wu", "wu@orders.example");
    await seedCustomer(db, shop, { customerKey: KEY, email: "wu@store.example", persona: "loyal" });
    await seedCustomer(db, shop, { customerKey: GUEST, email: null, persona: "lost" });
    expect(await search("kj")).toEqual([GUEST, KEY].sort());
    await contact(shop, GUEST, "Wx Guest", null);
    expect(await search("wx")).toEqual([GUEST]);

    // Renamed by a newer order; then a new email from the store.
    await db.prepare(`UPDATE "CustomerContact" SET name = ?, seenAt = ? WHERE shopId = ? AND customerKey = ?`).run("Vy Wu", new Date(), shop, KEY);
    expect({ kj: await search("kj"), vy: await search("vy") }).toEqual({ kj: [GUEST], vy: [KEY] });
    await db.prepare(`UPDATE "Customer" SET email = ? WHERE shopId = ? AND customerKey = ?`).run("qz@store.example", shop, KEY);
    expect({ qz: await search("qz"), old: await search("wu@s") }).toEqual({ qz: [KEY], old: [] });
    // A recompute's writes (scores, persona) leave the text as it is.
    await db.prepare(`UPDATE "Customer" SET persona = 'champions', monetaryMinor = 5, r = 5 WHERE shopId = ?`).run(shop);
    expect({ vy: await search("vy"), qz: await search("qz"), wx: await search("wx") }).toEqual({ vy: [KEY], qz: [KEY], wx: [GUEST] });

    // Erased (customers/redact): found by nothing, and none of their text is kept.
    await redactCustomer(db, createOrderStore(db), shop, { customerKey: KEY }, new Date());
    await redactCustomer(db, createOrderStore(db), shop, { customerKey: null, email: "kj.guest@example.com" }, new Date());
    for (const q of ["vy", "qz", "wu", "kj", "wx"]) expect({ q, found: await search(q) }).toEqual({ q, found: [] });
    expect(await textRows(shop, KEY, GUEST)).toBe(0);
    expect(await search("li")).toEqual(expected("li"));
  });

  it("GIVEN a shop uninstalled and then erased WHEN its customers are searched for 1–2 characters THEN they are found until the erasure and none of their text is left after it", async () => {
    await seedPeople();
    await seedCustomer(db, other, { customerKey: KEY, email: "qz@other.example", persona: "loyal" });

    await uninstallShop(db, shop, new Date());
    expect(await search("li")).toEqual(expected("li")); // data is kept until the store asks for erasure

    await deleteShopData(db, shop, "alpha.myshopify.com");
    const where = customerWhere(db, shop, { q: "li" }); // the shop's row is gone too: no page to list
    expect(await db.prepare(`SELECT "Customer".customerKey FROM ${CUSTOMER_FROM} WHERE ${where.sql}`).pluck().all(...where.params)).toEqual([]);
    expect(await db.prepare(`SELECT count(*) FROM "CustomerSearchText" WHERE shopId = ?`).pluck().get(shop)).toEqual(0);
    const others = await listCustomers(db, other, customerListSchema.parse({ q: "qz" }));
    expect(others.rows.map((r) => r.customerKey)).toEqual([KEY]);
  });
});

describe("customer list pages: the personas customers carry", () => {
  it("GIVEN a shop with thousands of totals rows WHEN its carried personas are read THEN they are the personas with customers, found one step per persona rather than by reading every row", async () => {
    // 4 personas, 4,000 cells each; an emptied cell (triggers delete them, so at most a stray one) carries nobody.
    const ROWS = 16_000;
    await db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1})
       INSERT INTO "CustomerTotal" (shopId, persona, r, f, m, lastOrderDay, customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes)
       SELECT ?, CASE i % 4 WHEN 0 THEN 'champions' WHEN 1 THEN 'loyal' WHEN 2 THEN 'lost' ELSE 'at-risk' END,
         i % 5 + 1, (i / 5) % 5 + 1, (i / 25) % 5 + 1, i / 125, 1, 0, 0, 1, 100, 0, 0 FROM n`,
    ).run(shop);
    await db.prepare(`INSERT INTO "CustomerTotal" (shopId, persona, r, f, m, lastOrderDay, customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes)
      VALUES (?, 'new', 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0), (?, 'gone', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)`).run(other, shop);

    expect(await carriedPersonas(db, shop)).toEqual(["at-risk", "champions", "lost", "loyal"]);
    expect(await carriedPersonas(db, other)).toEqual(["new"]);
    if (isSqlite(db)) {
      const plan = ((await db.prepare(`EXPLAIN QUERY PLAN ${CARRIED_PERSONAS_SQL}`).all(shop, shop, shop)) as { detail: string }[]).map((r) => r.detail);
      // Every read of the totals is a step along the key from the last slug; none walks the shop's rows.
      const reads = plan.filter((d) => d.includes("CustomerTotal"));
      expect(reads.filter((d) => !/\(shopId=\? AND persona[>=]\?/.test(d))).toEqual([]);
    } else {
      await db.exec(`VACUUM ANALYZE "CustomerTotal"`);
      const [{ "QUERY PLAN": [root] }] = (await db.prepare(`EXPLAIN (ANALYZE, FORMAT JSON) ${CARRIED_PERSONAS_SQL}`).all(shop, shop, shop)) as {
        "QUERY PLAN": [{ Plan: PlanNode }];
      }[];
      expect(rowsRead(root.Plan, "CustomerTotal")).toBeLessThan(100);
    }
  });
});

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** Rows PostgreSQL's scans of `table` produced or filtered out, over all their loops. */
function rowsRead(node: PlanNode, table: string): number {
  const own = node["Relation Name"] === table ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, table), 0);
}
