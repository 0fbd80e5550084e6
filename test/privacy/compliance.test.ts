/**
 * Compliance webhooks erase exactly and completely. Which tables hold shop or customer data
 * is read from the Prisma schema, so a table added later is held to the same rules (or must
 * be listed below as holding none, with why).
 */
import { Prisma } from "@prisma/client";
import { beforeEach, describe, expect, it } from "vitest";
import { CUSTOMER_DATA_EXEMPT, CUSTOMER_DATA_TABLES } from "~/privacy/redact.server";
import { services } from "~/services.server";
import { restOrder, signedWebhook, deliverWebhook } from "../support/webhooks";
import { addShop as addShopTo } from "../support/db";
import { dropQueuedJobs, queuedJobs, runQueuedErasures } from "../support/queued-jobs";
import { resetDatabase } from "../support/reset";

const GONE = "gone.myshopify.com"; // uninstalled: shop/redact may erase it
const KEPT = "kept.myshopify.com"; // installed
const GONE_ID = "shop_gone";
const KEPT_ID = "shop_kept";

/** Column names that tie a row to a shop (by Shop.id or Shop.domain), as the brief for these tables says. */
const SHOP_FIELDS: Record<string, "id" | "domain"> = { shopId: "id", shopDomain: "domain", shop: "domain" };
/** Models that hold no shop data at all, with why. None today. */
const HOLDS_NO_SHOP_DATA: Record<string, string> = {};

const models = Prisma.dmmf.datamodel.models;
const tableOf = (model: string) => models.find((m) => m.name === model)!.dbName ?? model;

/** How a model's rows name their shop: the Shop row by id, the others by a shop field. */
function shopColumn(model: (typeof models)[number]): { column: string; by: "id" | "domain" } | null {
  if (model.name === "Shop") return { column: "id", by: "id" };
  const field = model.fields.find((f) => f.kind === "scalar" && f.name in SHOP_FIELDS);
  return field ? { column: field.name, by: SHOP_FIELDS[field.name] } : null;
}

interface Column {
  name: string;
  /** SQLite's declared type; PostgreSQL's named the same way (TEXT, INTEGER, BOOLEAN, DATETIME…). */
  type: string;
  notnull: number;
  /** Filled by the database (an autoincrement key). */
  auto: boolean;
}
// The app's tables as the database describes them (SQLite's catalog, or PostgreSQL's).
const columns = async (table: string): Promise<Column[]> => {
  const db = services().db;
  if (db.dialect === "sqlite") {
    const cols = (await db.prepare(`PRAGMA table_info("${table}")`).all()) as { name: string; type: string; notnull: number; pk: number }[];
    return cols.map((c) => ({ name: c.name, type: c.type, notnull: c.notnull, auto: c.pk === 1 && c.type === "INTEGER" }));
  }
  const cols = (await db
    .prepare(
      `SELECT column_name AS name, data_type AS type, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS notnull,
         coalesce(column_default LIKE 'nextval(%', false) AS auto
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position`,
    )
    .all(table)) as Column[];
  const named: Record<string, string> = { text: "TEXT", boolean: "BOOLEAN", integer: "INTEGER", bigint: "BIGINT", "timestamp without time zone": "DATETIME" };
  return cols.map((c) => ({ ...c, type: named[c.type] ?? c.type }));
};

let seq = 0;
/**
 * A row for any table, filled from its columns: what the caller gives, else a value of the
 * column's type (the INTEGER primary key is left to autoincrement).
 */
async function insertRow(table: string, given: Record<string, unknown>, { orIgnore = false } = {}) {
  const row: Record<string, unknown> = {};
  for (const c of await columns(table)) {
    if (c.name in given) row[c.name] = given[c.name];
    else if (c.auto) continue;
    else if (c.type === "TEXT") row[c.name] = `${table}.${c.name}.${++seq}`;
    else if (c.type === "BOOLEAN") row[c.name] = false;
    else if (c.type === "DATETIME") row[c.name] = new Date();
    else row[c.name] = 1;
  }
  const names = Object.keys(row);
  await services()
    .db.prepare(`INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})${orIgnore ? " ON CONFLICT DO NOTHING" : ""}`)
    .run(...names.map((n) => row[n]));
}

async function countsFor(shop: { id: string; domain: string }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const m of models) counts[m.name] = await countFor(m, shop);
  return counts;
}

async function countFor(model: (typeof models)[number], shop: { id: string; domain: string }): Promise<number> {
  const col = shopColumn(model)!;
  return (await services()
    .db.prepare(`SELECT count(*) FROM "${tableOf(model.name)}" WHERE "${col.column}" = ?`)
    .pluck()
    .get(col.by === "id" ? shop.id : shop.domain)) as number;
}

/** Row counts of every table. */
async function everyTable(): Promise<Record<string, number>> {
  const counts: [string, number][] = [];
  for (const m of models) counts.push([m.name, (await services().db.prepare(`SELECT count(*) FROM "${tableOf(m.name)}"`).pluck().get()) as number]);
  return Object.fromEntries(counts);
}

const deliver = deliverWebhook;

async function addShop(id: string, domain: string, uninstalledAt: number | null) {
  await addShopTo(services().db, domain, { id, uninstalledAt: uninstalledAt ?? undefined, syncState: false });
}

beforeEach(async () => {
  await resetDatabase(services().db);
  await addShop(GONE_ID, GONE, Date.now() - 49 * 3_600_000);
  await addShop(KEPT_ID, KEPT, null);
});

/** Two rows in every table for each shop (one where the shop is the key), beside the Shop rows. */
async function seedEveryTableForBothShops() {
  for (const model of models) {
    if (model.name === "Shop") continue;
    const col = shopColumn(model)!;
    for (const shop of [{ id: GONE_ID, domain: GONE }, { id: KEPT_ID, domain: KEPT }]) {
      for (let i = 0; i < 2; i++) {
        await insertRow(tableOf(model.name), { [col.column]: col.by === "id" ? shop.id : shop.domain }, { orIgnore: true });
      }
    }
  }
}

describe("shop/redact", () => {
  it("GIVEN the Prisma schema WHEN its models are listed THEN each names its shop in a known field or is listed as holding none", () => {
    const unclassified = models.filter((m) => !shopColumn(m) && !(m.name in HOLDS_NO_SHOP_DATA)).map((m) => m.name);
    expect(unclassified).toEqual([]);
  });

  it("GIVEN rows in every table for two shops WHEN the uninstalled one is redacted THEN every table is empty for it and the other keeps all its rows", async () => {
    await seedEveryTableForBothShops();
    const kept = await countsFor({ id: KEPT_ID, domain: KEPT });
    const gone = await countsFor({ id: GONE_ID, domain: GONE });
    expect(Object.entries(gone).filter(([, n]) => n === 0)).toEqual([]); // every table holds some of its rows

    const res = await deliver(signedWebhook("shop/redact", GONE, { shop_id: 1, shop_domain: GONE }));
    const erasures = await runQueuedErasures(services().db);

    expect(res.status).toBe(200);
    expect(erasures).toBe(1);
    const left = await countsFor({ id: GONE_ID, domain: GONE });
    expect(left).toEqual(Object.fromEntries(models.map((m) => [m.name, 0])));
    const keptAfter = await countsFor({ id: KEPT_ID, domain: KEPT });
    // The redaction's own dedupe record is the only row it adds, and it is the erased shop's… gone with it.
    expect(keptAfter).toEqual(kept);
    expect(kept.PersonaSegment).toBe(2);
    expect(kept.WritebackRun).toBe(2);
  });

  it("GIVEN a body signed for one shop WHEN sent with another installed shop's header THEN 400 and nothing is written or erased", async () => {
    await seedEveryTableForBothShops();
    const before = await everyTable();

    const res = await deliver(signedWebhook("shop/redact", KEPT, { shop_id: 1, shop_domain: GONE }));

    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/shop_domain gone\.myshopify\.com does not match the X-Shopify-Shop-Domain header/);
    expect(await everyTable()).toEqual(before);
  });

  it("GIVEN a body signed for the installed shop itself WHEN shop/redact arrives THEN nothing of it is erased", async () => {
    await seedEveryTableForBothShops();
    const before = await everyTable();

    const res = await deliver(signedWebhook("shop/redact", KEPT, { shop_id: 2, shop_domain: KEPT }));

    expect(res.status).toBe(200);
    expect(res.headers.get("X-RFM-Webhook")).toBe("ignored");
    expect(await runQueuedErasures(services().db)).toBe(0);
    const after = await everyTable();
    // Only the delivery's dedupe record is new, and its inbox row (applied: its outcome, no data).
    expect(after).toEqual({ ...before, WebhookEvent: before.WebhookEvent + 1, WebhookInbox: before.WebhookInbox + 1 });
    expect(await countFor(models.find((m) => m.name === "Shop")!, { id: KEPT_ID, domain: KEPT })).toBe(1);
  });

  it("GIVEN a shop/redact body without shop_domain WHEN delivered THEN 400 and nothing is erased", async () => {
    await seedEveryTableForBothShops();
    const before = await everyTable();

    const res = await deliver(signedWebhook("shop/redact", GONE, { shop_id: 1 }));

    expect(res.status).toBe(400);
    expect(await everyTable()).toEqual(before);
  });
});

describe("customers/redact", () => {
  const C1 = "gid://shopify/Customer/1";
  const C2 = "gid://shopify/Customer/2";
  const C1_EMAIL = "c1@example.com";
  const C1_KEYS = [C1, `email:${C1_EMAIL}`];

  const withCustomerKey = models.filter((m) => m.fields.some((f) => f.name === "customerKey"));
  const withEmail = models.filter((m) => m.fields.some((f) => f.name === "email"));

  /** Every text cell of every table that mentions one of `needles`, as "Table.column". */
  async function mentions(needles: string[]): Promise<string[]> {
    const { db } = services();
    const found: string[] = [];
    const contains = db.dialect === "sqlite" ? "instr" : "strpos";
    // The tombstone is checked on its own: it keeps the customer GID (nothing else) by design.
    for (const m of models.filter((model) => model.name !== "RedactedCustomer")) {
      const table = tableOf(m.name);
      for (const c of (await columns(table)).filter((col) => col.type === "TEXT")) {
        for (const needle of needles) {
          const n = await db.prepare(`SELECT count(*) FROM "${table}" WHERE ${contains}(lower("${c.name}"), lower(?)) > 0`).pluck().get(needle);
          if ((n as number) > 0) found.push(`${m.name}.${c.name}`);
        }
      }
    }
    return [...new Set(found)].sort();
  }

  const emailOf = (key: string) => (key.startsWith("email:") ? key.slice("email:".length) : `c${key.slice(-1)}@example.com`);

  async function seedTwoCustomers() {
    // Customer 1: an order as a customer, a guest order by the same email, an order Shopify names by id.
    await deliver(signedWebhook("orders/create", KEPT, restOrder(11, 1)));
    await deliver(signedWebhook("orders/create", KEPT, restOrder(12, null, { email: C1_EMAIL })));
    await deliver(signedWebhook("orders/create", KEPT, restOrder(13, null, { email: null })));
    // Customer 2: untouched throughout.
    await deliver(signedWebhook("orders/create", KEPT, restOrder(21, 2)));
    await deliver(signedWebhook("orders/create", KEPT, restOrder(22, null, { email: "c2@example.com" })));
    // Scores and exports of both (as recompute and data_request leave them), in every customerKey table.
    for (const model of withCustomerKey) {
      if (model.name in CUSTOMER_DATA_EXEMPT || model.name === "Order") continue;
      for (const key of [C1, `email:${C1_EMAIL}`, C2, "email:c2@example.com"]) {
        const col = shopColumn(model)!;
        await insertRow(tableOf(model.name), {
          [col.column]: col.by === "id" ? KEPT_ID : KEPT,
          customerKey: key,
          ...(model.fields.some((f) => f.name === "email") ? { email: emailOf(key) } : {}),
        }, { orIgnore: true }); // the orders above may have filled it already (CustomerContact)
      }
    }
    await deliver(
      signedWebhook("customers/data_request", KEPT, {
        shop_id: 2, shop_domain: KEPT, customer: { id: 1, email: C1_EMAIL }, orders_requested: [11, 13], data_request: { id: 7 },
      }),
    );
    // An unreadable webhook about customer 1's order, kept for its re-read; another about customer 2's.
    const { db } = services();
    const problem = await db.prepare(
      `INSERT INTO "WebhookProblem" (shopDomain, topic, eventId, resourceId, error, body, receivedAt) VALUES (?, 'orders/updated', ?, ?, 'bad amount', ?, ?)`,
    );
    await problem.run(KEPT, "e1", "gid://shopify/Order/11", JSON.stringify(restOrder(11, 1, { total_price: "12,50" })), new Date(0));
    await problem.run(KEPT, "e2", null, "{not json: c1@example.com", new Date(0));
    await problem.run(KEPT, "e3", "gid://shopify/Order/21", JSON.stringify(restOrder(21, 2, { total_price: "12,50" })), new Date(0));
  }

  const redact = () =>
    deliver(
      signedWebhook("customers/redact", KEPT, {
        shop_id: 2, shop_domain: KEPT, customer: { id: 1, email: C1_EMAIL, phone: null }, orders_to_redact: [11, 12, 13],
      }),
    );

  it("GIVEN the Prisma schema WHEN models with customerKey or email are listed THEN each is erased by the redaction or exempt with a reason", () => {
    const listed = new Set([...Object.keys(CUSTOMER_DATA_TABLES), ...Object.keys(CUSTOMER_DATA_EXEMPT)]);
    expect([...withCustomerKey, ...withEmail].map((m) => m.name).filter((n) => !listed.has(n))).toEqual([]);
    // Every listed name is a model of the schema (no stale entries).
    expect([...listed].filter((n) => !models.some((m) => m.name === n))).toEqual([]);
  });

  it("GIVEN two customers' data in every table WHEN one is redacted THEN no table holds that customer, and the other's rows are all there", async () => {
    await seedTwoCustomers();
    const { db } = services();
    const c2Before = await everyTableFor(["gid://shopify/Customer/2", "c2@example.com", "Order/21", "Order/22"]);
    expect((await mentions(C1_KEYS)).length).toBeGreaterThan(3);
    expect(await db.prepare(`SELECT count(*) FROM "DataRequest"`).pluck().get()).toBe(5);

    const res = await redact();

    expect(res.status).toBe(200);
    // Nothing names the customer, their email or their orders' amounts any more…
    expect(await mentions([C1, C1_EMAIL, "Customer/1\"", "\"id\":1,"])).toEqual([]);
    for (const model of withCustomerKey) {
      if (model.name in CUSTOMER_DATA_EXEMPT) continue;
      const n = await db.prepare(`SELECT count(*) FROM "${tableOf(model.name)}" WHERE customerKey IN (?, ?)`).pluck().get(...C1_KEYS);
      expect({ model: model.name, rows: n }).toEqual({ model: model.name, rows: 0 });
    }
    // …its orders are bare tombstones (id only) with no lines…
    expect(
      await db.prepare(`SELECT id, customerKey, totalMinor, deleted, tags FROM "Order" WHERE id IN (?, ?, ?) ORDER BY id`).all(
        "gid://shopify/Order/11", "gid://shopify/Order/12", "gid://shopify/Order/13",
      ),
    ).toEqual(
      [11, 12, 13].map((n) => ({ id: `gid://shopify/Order/${n}`, customerKey: null, totalMinor: 0, deleted: 1, tags: "[]" })),
    );
    expect(await db.prepare(`SELECT count(*) FROM "OrderLine" WHERE orderId IN ('gid://shopify/Order/11','gid://shopify/Order/12','gid://shopify/Order/13')`).pluck().get()).toBe(0);
    // …and the tombstones keep no email.
    expect(await db.prepare(`SELECT customerKey FROM "RedactedCustomer" ORDER BY customerKey`).pluck().all()).toEqual([
      expect.stringMatching(/^email-sha256:[0-9a-f]{64}$/),
      C1,
    ]);
    // The other customer is untouched.
    expect(await everyTableFor(["gid://shopify/Customer/2", "c2@example.com", "Order/21", "Order/22"])).toEqual(c2Before);
  });

  it("GIVEN a redacted customer WHEN a late orders/updated, a new order or a guest order by their email arrives THEN none is stored", async () => {
    await seedTwoCustomers();
    await redact();
    const { db } = services();

    const late = await deliver(signedWebhook("orders/updated", KEPT, restOrder(11, 1, { updated_at: "2027-01-01T00:00:00Z" })));
    await deliver(signedWebhook("orders/create", KEPT, restOrder(14, 1)));
    await deliver(signedWebhook("orders/create", KEPT, restOrder(15, null, { email: "C1@Example.com" })));

    expect(late.status).toBe(200);
    expect(await mentions([C1, C1_EMAIL])).toEqual([]);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE id IN ('gid://shopify/Order/14','gid://shopify/Order/15')`).pluck().get()).toBe(0);
    expect(await db.prepare(`SELECT count(*) FROM "OrderLine" WHERE orderId LIKE 'gid://shopify/Order/1_'`).pluck().get()).toBe(0);
  });

  it("GIVEN a backfill still streaming WHEN the redacted customer's orders and lines arrive, lines before and after their order THEN none is kept", async () => {
    await seedTwoCustomers();
    await redact();
    const { db, store } = services();
    const header = (id: number, customerKey: string | null) => ({
      platform: "shopify" as const, id: `gid://shopify/Order/${id}`, customerKey, guest: false,
      processedAt: "2026-06-01T10:00:00Z", updatedAt: "2026-06-01T10:00:00Z", currency: "USD", totalMinor: 500,
      refundedMinor: 0, channel: "web", pos: false, subscription: false, test: false, cancelled: false, tags: [],
    });
    const line = (orderId: number, id: number) => ({
      orderId: `gid://shopify/Order/${orderId}`,
      lineItem: { id: `gid://shopify/LineItem/${id}`, quantity: 1, unitPriceMinor: 500, totalMinor: 500, subscription: false },
    });

    // A line of order 16 comes first; then the orders (16 and 17 are customer 1's, 23 customer 2's) with lines.
    await store.writeBulkBatch(KEPT_ID, [], [line(16, 160)]);
    await store.writeBulkBatch(KEPT_ID, [header(16, C1), header(17, `email:${C1_EMAIL}`), header(23, C2)], [line(17, 170), line(23, 230)]);
    await store.writeBulkBatch(KEPT_ID, [], [line(16, 161), line(11, 110)]);
    await store.refreshLineAggregates(KEPT_ID);

    expect(await mentions([C1, C1_EMAIL])).toEqual([]);
    expect(await db.prepare(`SELECT orderId FROM "OrderLine" WHERE shopId = ? ORDER BY orderId`).pluck().all(KEPT_ID)).toEqual([
      "gid://shopify/Order/21",
      "gid://shopify/Order/22",
      "gid://shopify/Order/23",
    ]);
    expect(await db.prepare(`SELECT id FROM "Order" WHERE shopId = ? AND NOT deleted ORDER BY id`).pluck().all(KEPT_ID)).toEqual([
      "gid://shopify/Order/21",
      "gid://shopify/Order/22",
      "gid://shopify/Order/23",
    ]);
  });

  it("GIVEN a shop that uninstalled the app WHEN one of its customers is redacted THEN they are erased and no work is queued for the shop", async () => {
    await deliver(signedWebhook("orders/create", GONE, restOrder(31, 1)));
    const { db } = services();
    await db.prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(0), GONE_ID);
    await dropQueuedJobs(db, GONE_ID);

    const res = await deliver(
      signedWebhook("customers/redact", GONE, { shop_id: 1, shop_domain: GONE, customer: { id: 1, email: C1_EMAIL }, orders_to_redact: [31] }),
    );

    expect(res.status).toBe(200);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND NOT deleted`).pluck().get(GONE_ID)).toBe(0);
    expect(await queuedJobs(db, GONE_ID)).toEqual([]);
  });

  it("GIVEN a body signed for another shop WHEN sent with this shop's header THEN 400 and nothing is erased", async () => {
    await seedTwoCustomers();
    const before = await everyTable();

    const res = await deliver(
      signedWebhook("customers/redact", KEPT, { shop_id: 1, shop_domain: GONE, customer: { id: 1, email: C1_EMAIL }, orders_to_redact: [11] }),
    );

    expect(res.status).toBe(400);
    expect(await everyTable()).toEqual(before);
  });

  /** Per table, the rows that mention any of `needles` (serialized), to compare before and after. */
  async function everyTableFor(needles: string[]): Promise<Record<string, string[]>> {
    const { db } = services();
    const out: Record<string, string[]> = {};
    for (const m of models) {
      const rows = (await db.prepare(`SELECT * FROM "${tableOf(m.name)}"`).all() as Record<string, unknown>[])
        .map((r) => JSON.stringify(r))
        .filter((r) => needles.some((n) => r.includes(n)))
        .sort();
      if (rows.length) out[m.name] = rows;
    }
    return out;
  }
});
