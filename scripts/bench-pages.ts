/**
 * npm run bench:pages [-- --customers 1000000 --runs 30]
 *
 * Are the merchant's pages fast on a big shop? Seeds one shop of N scored customers (raw
 * inserts in one transaction: a skewed score spread, personas from the default map, contacts
 * to search, a year of weekly persona snapshots and moves), then calls what each page's loader
 * calls — getDashboard, listPersonas, getPersonaDetail, listCustomers (filters, sorts, a search,
 * a deep page) — `--runs` times each and prints p50/p95 beside the goal (p95 ≤ 200 ms). Then the
 * CSV export (customerCsvStream) read to the end: time, rows and RSS growth while it runs,
 * which stays flat when the export streams instead of holding the list.
 */
import "./lib/bench-env";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { arg } from "./lib/cdnow";
import { timeRuns, timingLine } from "./lib/page-timing";
import { dashboardPage, getDashboard } from "../app/dashboard/overview.server";
import {
  getPersonaDetail,
  listPersonas,
} from "../app/dashboard/personas.server";
import {
  customerListSchema,
  encodeCursor,
  listCustomers,
} from "../app/dashboard/customers.server";
import { customerCsvStream } from "../app/dashboard/customers-csv.server";
import {
  cellIndex,
  compilePersonaMap,
  DEFAULT_PERSONA_RULES,
} from "../app/rfm";
import { openDatabase } from "../app/db/index.server";
import type { Db, SqliteDb } from "../app/db/index.server";
import { createShop } from "../app/shops/shop.server";
import { removalSummary, writebackSummary } from "../app/writeback/consent.server";
import { shopifyCustomerIds } from "../app/platforms/shopify/ids";
import { SHOPIFY_WRITER_CAPABILITIES } from "../app/platforms/shopify/writeback/writer.server";

const CUSTOMERS = arg("customers", 1_000_000);
const RUNS = arg("runs", 30);
const SHOP = "bench";
const GOAL_MS = 200;
const DAY = 86_400_000;

/** Deterministic pseudo-random numbers, so two runs seed the same shop. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  "Ana",
  "Ben",
  "Chloe",
  "David",
  "Emma",
  "Farid",
  "Grace",
  "Hugo",
  "Ines",
  "Jon",
  "Kira",
  "Liam",
  "Mia",
  "Noah",
  "Olga",
  "Paul",
];
const LAST = [
  "Smith",
  "Jones",
  "Garcia",
  "Müller",
  "Rossi",
  "Dubois",
  "Kowalski",
  "Tanaka",
  "Silva",
  "Novak",
  "Larsen",
  "Brown",
];

async function seed(db: SqliteDb, today: number): Promise<void> {
  await createShop(
    db,
    {
      id: SHOP,
      domain: "bench.myshopify.com",
      platform: "shopify",
      settings: {},
    },
    { now: new Date(today * DAY) }
  );
  // Raw inserts on the connection itself: a million awaited statements would time the seam, not the pages.
  await db.withNative((native) => {
    native
      .prepare(
        `INSERT INTO "SyncState" (shopId, scoringDay, lastRecomputeAt, updatedAt) VALUES (?, ?, ?, ?)`
      )
      .run(SHOP, today, today * DAY, today * DAY);
    const map = compilePersonaMap(DEFAULT_PERSONA_RULES);
    const slugs = map.personas.map((p) => p.slug);
    const random = rng(42);
    const customer = native.prepare(
      `INSERT INTO "Customer" (shopId, customerKey, guest, email, recencyDays, frequency, monetaryMinor, firstOrderAt, lastOrderAt, r, f, m, persona, previousPersona, personaSince, scoredAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    );
    const contact = native.prepare(
      `INSERT INTO "CustomerContact" (shopId, customerKey, name, email, seenAt) VALUES (?, ?, ?, ?, ?)`
    );
    native.transaction(() => {
      for (let i = 0; i < CUSTOMERS; i++) {
        // Most customers ordered once, long ago, for little; a few often, lately, for much.
        const frequency = 1 + Math.floor(-Math.log(1 - random()) * 1.5);
        const recencyDays = Math.floor(random() ** 1.5 * 730);
        const monetaryMinor = Math.round(
          frequency * 1000 * Math.exp(random() * 3)
        );
        const score = (x: number) => Math.min(5, 1 + Math.floor(x * 5));
        const r = score(1 - recencyDays / 730);
        const f = Math.min(5, frequency);
        const m = score(Math.min(0.999, Math.log(monetaryMinor / 1000) / 6));
        const persona = slugs[map.cells[cellIndex(r, f, m)]];
        const guest = random() < 0.1;
        const key = guest
          ? `email:guest${i}@example.com`
          : `gid://shopify/Customer/${i + 1}`;
        const name = `${FIRST[i % FIRST.length]} ${
          LAST[Math.floor(i / FIRST.length) % LAST.length]
        }${i}`;
        const email = `c${i}@example.com`;
        const lastOrderAt = (today - recencyDays) * DAY;
        // Contacts first, as ingest stores them before a recompute scores the customer.
        contact.run(SHOP, key, name, email, lastOrderAt);
        customer.run(
          SHOP,
          key,
          guest ? 1 : 0,
          email,
          recencyDays,
          frequency,
          monetaryMinor,
          lastOrderAt - frequency * 30 * DAY,
          lastOrderAt,
          r,
          f,
          m,
          persona,
          random() < 0.2 ? slugs[Math.floor(random() * slugs.length)] : null,
          lastOrderAt,
          today * DAY
        );
      }
      // A year of weekly history: one snapshot row per persona, and the moves between weeks.
      const counts = native
        .prepare(
          `SELECT persona, count(*) AS n, sum(frequency) AS o, sum(monetaryMinor) AS v FROM "Customer" WHERE shopId = ? GROUP BY persona`
        )
        .all(SHOP) as { persona: string; n: number; o: number; v: number }[];
      const snapshot = native.prepare(
        `INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor, backdatedUnder) VALUES (?, ?, ?, ?, ?, ?, ?)`
      );
      const move = native.prepare(
        `INSERT INTO "PersonaTransition" (shopId, day, fromPersona, toPersona, customers) VALUES (?, ?, ?, ?, ?)`
      );
      for (let w = 51; w >= 0; w--) {
        const day = new Date((today - w * 7) * DAY).toISOString().slice(0, 10);
        const scale = 1 - w / 104;
        for (const c of counts)
          snapshot.run(
            SHOP,
            day,
            c.persona,
            Math.round(c.n * scale),
            Math.round(c.o * scale),
            Math.round(c.v * scale),
            w > 0 ? "bench" : null
          );
        for (const from of slugs)
          for (const to of slugs)
            if (from !== to && random() < 0.3)
              move.run(SHOP, day, from, to, Math.floor(random() * 2000));
      }
    })();
    native.exec("ANALYZE");
  });
}

/** Time spent per SQL statement while fn runs once: where a slow page's time goes. */
async function perStatement(
  db: Db,
  fn: () => Promise<unknown>
): Promise<{ sql: string; ms: number }[]> {
  const spent = new Map<string, number>();
  const prepare = db.prepare;
  db.prepare = ((source: string) => {
    const statement = prepare.call(db, source);
    for (const method of ["all", "get", "run"] as const) {
      const original = statement[method] as (
        ...a: unknown[]
      ) => Promise<unknown>;
      (statement as unknown as Record<string, unknown>)[method] = async (
        ...a: unknown[]
      ) => {
        const s = performance.now();
        try {
          return await original.apply(statement, a);
        } finally {
          spent.set(source, (spent.get(source) ?? 0) + performance.now() - s);
        }
      };
    }
    return statement;
  }) as typeof db.prepare;
  try {
    await fn();
  } finally {
    db.prepare = prepare;
  }
  return [...spent]
    .map(([sql, ms]) => ({ sql: sql.replace(/\s+/g, " ").slice(0, 160), ms }))
    .sort((a, b) => b.ms - a.ms);
}

const pages: { label: string; fn: () => Promise<unknown>; p95: number }[] = [];

async function timeIt<T>(
  label: string,
  fn: () => Promise<T>,
  settle?: (result: T) => Promise<unknown>
): Promise<void> {
  const timing = await timeRuns(RUNS, fn, settle);
  pages.push({ label, fn, p95: timing.p95 });
  console.log(timingLine(label, timing, GOAL_MS));
}

async function exportCsv(db: Db): Promise<void> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  let rows = 0;
  let bytes = 0;
  const s = performance.now();
  const reader = (await customerCsvStream(db, SHOP, {})).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const b of value) if (b === 10) rows++;
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }
  const ms = performance.now() - s;
  console.log(
    `CSV export (all customers, read to the end): ${(ms / 1000).toFixed(
      2
    )} s, ${(rows - 1).toLocaleString()} rows, ${(bytes / 1e6).toFixed(
      0
    )} MB; ` +
      `RSS growth while exporting ${((peak - base) / 1e6).toFixed(
        0
      )} MB (the file itself is ${(bytes / 1e6).toFixed(
        0
      )} MB: it streams when growth stays well under that)`
  );
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-pages-"));
  try {
    const url = `file:${path.join(dir, "shop.db")}`;
    execFileSync(
      process.execPath,
      [path.join(import.meta.dirname, "db.mjs"), "migrate", url],
      { stdio: "ignore" }
    );
    const db = openDatabase(url) as SqliteDb;
    const today = Math.floor(Date.now() / DAY);
    let s = performance.now();
    await seed(db, today);
    console.log(
      `seeded ${CUSTOMERS.toLocaleString()} scored customers, contacts and a year of weekly history in ${(
        (performance.now() - s) /
        1000
      ).toFixed(1)} s; ${RUNS} runs per page`
    );

    const list = (q: Record<string, unknown>) =>
      listCustomers(db, SHOP, customerListSchema.parse(q));
    // A deep page: the cursor 10,000 customers in (page 201 of 50; half way on a small shop), as paging there would leave it.
    const depth = Math.min(10_000, Math.floor(CUSTOMERS / 2));
    const deep = async (sortSql: string, order: string) => {
      const row = (await db
        .prepare(
          `SELECT ${sortSql} AS v, customerKey AS k FROM "Customer" WHERE shopId = ? AND recencyDays IS NOT NULL ORDER BY v ${order}, k ${order} LIMIT 1 OFFSET ?`
        )
        .get(SHOP, depth - 1)) as { v: number; k: string };
      return encodeCursor(row.v, row.k, 0, depth);
    };
    const cursor = await deep("monetaryMinor", "DESC");
    // Most recent first: by last order, newest first (recency derives from it).
    const recencyCursor = await deep("lastOrderAt", "DESC");

    await timeIt("dashboard (getDashboard, R×F grid)", () =>
      getDashboard(db, SHOP, { grid: "rf" })
    );
    await timeIt("personas (listPersonas)", () => listPersonas(db, SHOP));
    await timeIt("persona detail champions (getPersonaDetail, 90 d)", () =>
      getPersonaDetail(db, SHOP, "champions", { days: 90 })
    );
    await timeIt("persona detail hibernating (getPersonaDetail, 365 d)", () =>
      getPersonaDetail(db, SHOP, "hibernating", { days: 365 })
    );
    await timeIt("customers: first page, biggest spend", () => list({}));
    await timeIt("customers: deep page, biggest spend", () =>
      list({ after: cursor })
    );
    await timeIt("customers: deep page, most recent", () =>
      list({ sort: "recency", after: recencyCursor })
    );
    await timeIt("customers: persona=at-risk, most orders", () =>
      list({ persona: "at-risk", sort: "frequency" })
    );
    await timeIt("customers: r=5 f≥3, persona order", () =>
      list({ r: 5, fMin: 3, sort: "persona" })
    );
    await timeIt('customers: search name "tanaka"', () =>
      list({ q: "tanaka" })
    );
    await timeIt('customers: search email "c123456@"', () =>
      list({ q: "c123456@" })
    );
    // Shorter than a trigram: every customer's stored lowercase text is read, unless the count fills first.
    await timeIt('customers: search 1 character "x"', () => list({ q: "x" }));
    await timeIt('customers: search 2 characters "zq" (none match)', () =>
      list({ q: "zq" })
    );
    // The dashboard's consent card before write-back is approved (install: nothing written yet),
    // and the settings page's "Remove all persona data" numbers: both count over every customer.
    const shopify = { customers: shopifyCustomerIds, writer: { capabilities: SHOPIFY_WRITER_CAPABILITIES } };
    await timeIt("dashboard consent card, before approval (writebackSummary)", () =>
      writebackSummary(db, SHOP, shopify)
    );
    // What the dashboard's loader waits for before approval: the card's count (two lines up)
    // streams in after the page (decision 071), and is awaited outside the time.
    await timeIt(
      "dashboard page before approval (dashboardPage)",
      () => dashboardPage(db, SHOP, shopify, { grid: "rf" }),
      (page) => page.writebackConsent.summary ?? Promise.reject(new Error("the bench shop should be asked for its go-ahead"))
    );
    await timeIt("settings: persona data to remove (removalSummary)", () =>
      removalSummary(db, SHOP, shopify)
    );
    // The slowest page, and the dashboard (the page every merchant opens first).
    const slowest = pages.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    for (const page of new Set([slowest, pages[0]])) {
      console.log(
        `where the time goes (${page.label}, one call, per SQL statement):`
      );
      for (const { sql, ms } of (await perStatement(db, page.fn)).slice(0, 5))
        console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${sql}`);
    }
    await exportCsv(db);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
