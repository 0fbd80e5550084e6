/**
 * npx tsx scripts/bench-search-pg.ts [--customers 1000000 --runs 5]
 *
 * The customer list's search on PostgreSQL (bench:pages runs on SQLite): a throwaway server,
 * one shop of N customers with contacts (names and emails shaped like bench:pages'), seeded
 * with the trigram indexes and the search text's triggers in place (the time is printed: what a
 * first recompute's inserts pay for them), then listCustomers with a search `--runs` times each, p50/p95 beside the
 * goal (p95 ≤ 200 ms).
 */
import "./lib/bench-env";
import { arg } from "./lib/cdnow";
import { timeRuns, timingLine } from "./lib/page-timing";
import { createDatabase, startPostgres } from "./pg-server.mjs";
import { migrate } from "./db.mjs";
import { openDatabase, type Db } from "../app/db/index.server";
import { customerListSchema, listCustomers } from "../app/dashboard/customers.server";
import { carriedPersonas } from "../app/dashboard/totals.server";
import { createShop } from "../app/shops/shop.server";
import { recordStatements } from "../test/support/statements";

const CUSTOMERS = arg("customers", 1_000_000);
const RUNS = arg("runs", 5);
const SHOP = "bench";
const GOAL_MS = 200;

const FIRST = ["Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam", "Mia", "Noah", "Olga", "Paul"];
const LAST = ["Smith", "Jones", "Garcia", "Müller", "Rossi", "Dubois", "Kowalski", "Tanaka", "Silva", "Novak", "Larsen", "Brown"];
const PERSONAS = ["champions", "loyal", "potential-loyalist", "new-customers", "promising", "need-attention", "about-to-sleep", "cant-lose-them", "at-risk", "hibernating", "lost"];

const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(",")}]`;

async function seed(db: Db): Promise<void> {
  await createShop(db, { id: SHOP, domain: "bench.myshopify.com", platform: "shopify", settings: {} }, { now: new Date() });
  let s = performance.now();
  await db.exec(`INSERT INTO "Customer" ("shopId", "customerKey", guest, email, "recencyDays", frequency, "monetaryMinor", "lastOrderAt", r, f, m, persona)
    SELECT '${SHOP}', CASE WHEN i % 10 = 0 THEN 'email:guest' || i || '@example.com' ELSE 'gid://shopify/Customer/' || (i + 1) END, i % 10 = 0,
      'c' || i || '@example.com', i % 730, 1 + i % 7, (i::bigint * 7919) % 100000, now() - (i % 730) * interval '1 day',
      1 + i % 5, 1 + i % 7 % 5, 1 + i % 3, (${sqlArray(PERSONAS)})[1 + i % 11]
    FROM generate_series(0, ${CUSTOMERS - 1}) AS i`);
  const customersS = (performance.now() - s) / 1000;
  s = performance.now();
  await db.exec(`INSERT INTO "CustomerContact" ("shopId", "customerKey", name, email, "seenAt")
    SELECT '${SHOP}', CASE WHEN i % 10 = 0 THEN 'email:guest' || i || '@example.com' ELSE 'gid://shopify/Customer/' || (i + 1) END,
      (${sqlArray(FIRST)})[1 + i % ${FIRST.length}] || ' ' || (${sqlArray(LAST)})[1 + (i / ${FIRST.length}) % ${LAST.length}] || i, 'c' || i || '@example.com', now()
    FROM generate_series(0, ${CUSTOMERS - 1}) AS i`);
  const contactsS = (performance.now() - s) / 1000;
  s = performance.now();
  // What autovacuum does soon after a bulk load: GIN's pending entries merged, statistics taken.
  await db.exec(`VACUUM ANALYZE "Customer"`);
  await db.exec(`VACUUM ANALYZE "CustomerContact"`);
  await db.exec(`VACUUM ANALYZE "CustomerTotal"`);
  await db.exec(`VACUUM ANALYZE "CustomerSearchText"`);
  console.log(
    `seeded ${CUSTOMERS.toLocaleString()} customers in ${customersS.toFixed(1)} s and their contacts in ${contactsS.toFixed(1)} s (trigram indexes and search text in place); VACUUM ANALYZE ${((performance.now() - s) / 1000).toFixed(1)} s; ${RUNS} runs per search`,
  );
}

async function timeIt(label: string, fn: () => Promise<unknown>): Promise<void> {
  console.log(timingLine(label, await timeRuns(RUNS, fn), GOAL_MS));
}

/** `--explain`: each statement a call runs, with PostgreSQL's EXPLAIN ANALYZE of it. */
async function explain(db: Db, fn: () => Promise<unknown>): Promise<void> {
  const seen = await recordStatements(db, fn);
  for (const { sql, params } of seen) {
    const plan = (await db.prepare(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`).all(...params)) as { "QUERY PLAN": string }[];
    console.log(`\n${sql.replace(/\s+/g, " ").slice(0, 200)}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
  }
}

async function main() {
  const server = await startPostgres();
  try {
    const url = await createDatabase(server.adminUrl, "bench_search");
    await migrate(url);
    const db = openDatabase(url);
    try {
      await seed(db);
      const list = (q: Record<string, unknown>) => listCustomers(db, SHOP, customerListSchema.parse(q));
      await timeIt('customers: search name "tanaka"', () => list({ q: "tanaka" }));
      await timeIt('customers: search email "c123456@"', () => list({ q: "c123456@" }));
      await timeIt('customers: search id "Customer/77777"', () => list({ q: "Customer/77777" }));
      await timeIt('customers: search 2 characters "zq" (none match)', () => list({ q: "zq" }));
      await timeIt('customers: search 1 character "x"', () => list({ q: "x" }));
      // What every customer-list page pays for its persona filter (docs/decisions/041), beside the
      // DISTINCT over the totals it replaced.
      await timeIt("customers: carried personas (skip scan)", () => carriedPersonas(db, SHOP));
      await timeIt("customers: carried personas as DISTINCT (before)", () =>
        db.prepare(`SELECT DISTINCT persona FROM "CustomerTotal" WHERE shopId = ? AND persona <> '' AND customers > 0 ORDER BY persona`).pluck().all(SHOP),
      );
      if (process.argv.includes("--explain")) {
        await explain(db, () => list({ q: "tanaka" }));
        await explain(db, () => list({ q: "zq" }));
      }
    } finally {
      await db.close();
    }
  } finally {
    server.stop();
  }
}

await main();
process.exit(0);
