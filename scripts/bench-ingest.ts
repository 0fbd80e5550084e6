/**
 * npm run bench:ingest [-- --orders 1000000] [-- --postgres]
 *
 * Ingest throughput of a Shopify bulk export: N orders in Shopify's real bulk JSONL format
 * (one node per line; line items on their own lines with __parentId, written one parent
 * later so children are not adjacent to their parent) streamed from disk through the
 * production path (parse → validate → normalise → batched upserts with resume points) into
 * a fresh SQLite database. In the same run, a baseline: the same lines JSON.parsed and
 * inserted with raw better-sqlite3 prepared statements into the same tables, no validation.
 *
 * With `--postgres` (or a postgresql:// DATABASE_URL) the same on PostgreSQL: a throwaway
 * server (scripts/pg-server.mjs, durability on as in production), the production path into a
 * migrated database, and as baseline the same rows COPYed straight into the two tables.
 *
 * Orders replay ../shared/datasets/cdnow_master.txt: CDNOW row i of replica k becomes order
 * k·rows+i of customer "<k>-<customer id>", its date shifted by 3·k days; each order has 1–3
 * line items whose totals add up to the CDNOW dollar value.
 *
 * Goals: ≥ 25,000 orders/s, ≤ 3× the baseline's time, peak RSS ≤ 300 MB.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { execFileSync } from "node:child_process";
import { scriptAsAppProcess } from "./lib/app-processes";
import { arg, peakRssMb, readCdnow, replayCdnow, splitIntoLines } from "./lib/cdnow";
import { ingestBulkLines } from "../app/platforms/shopify/backfill.server";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { createOrderStore } from "../app/sync/order-store.server";
import { createShop } from "../app/shops/shop.server";
import { isPostgresUrl, openDatabase, openSqliteNative, type Db, type PostgresDb } from "../app/db/index.server";
import { createDatabase, startPostgres } from "./pg-server.mjs";

const ORDERS = arg("orders", 1_000_000);
const POSTGRES = process.argv.includes("--postgres") || isPostgresUrl(process.env.DATABASE_URL ?? "");

const money = (cents: number) => ({ shopMoney: { amount: (cents / 100).toFixed(2), currencyCode: "USD" } });

async function writeJsonl(file: string): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(file);
  let lines = 0;
  let pending: string[] = [];
  const write = async (s: string) => {
    lines++;
    if (!out.write(s + "\n")) await once(out, "drain");
  };
  for (const o of replayCdnow(readCdnow(), ORDERS)) {
    const id = `gid://shopify/Order/${o.n + 1}`;
    const customer = `gid://shopify/Customer/${o.customer}`;
    const email = `c${o.customer}@example.com`;
    await write(
      JSON.stringify({
        id,
        processedAt: o.at,
        createdAt: o.at,
        updatedAt: o.at,
        cancelledAt: null,
        test: false,
        sourceName: "web",
        tags: [],
        email,
        customer: { id: customer, email },
        totalPriceSet: money(o.cents),
        totalRefundedSet: money(0),
      }),
    );
    // Children of the previous order come after this parent: not adjacent.
    for (const child of pending) await write(child);
    pending = [];
    splitIntoLines(o.n, o.cents).forEach((cents, p) =>
      pending.push(
        JSON.stringify({
          id: `gid://shopify/LineItem/${o.n * 3 + p + 1}`,
          quantity: 1,
          originalUnitPriceSet: money(cents),
          discountedTotalSet: money(cents),
          sellingPlan: null,
          __parentId: id,
        }),
      ),
    );
  }
  for (const child of pending) await write(child);
  out.end();
  await once(out, "finish");
  return { lines, bytes: statSync(file).size };
}

function readLines(file: string) {
  return createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
}

/** A migrated database with the bench shop: a SQLite file in `dir`, or a database on the PostgreSQL server of `pgAdmin`. */
async function freshDb(dir: string, name: string, pgAdmin?: string): Promise<{ db: Db; url: string }> {
  const url = pgAdmin ? await createDatabase(pgAdmin, name) : `file:${path.join(dir, `${name}.db`)}`;
  // In a child process: the WASM schema engine is not part of what ingest costs in memory.
  execFileSync(process.execPath, [path.join(import.meta.dirname, "db.mjs"), "migrate", url], { stdio: "ignore" });
  const db = openDatabase(url);
  const now = new Date();
  await createShop(db, { id: "bench", domain: "bench.myshopify.com", platform: "shopify" }, { now });
  await db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES ('bench', 'backfill', ?)`).run(now);
  return { db, url };
}

async function baseline(dir: string, file: string, pgAdmin?: string) {
  if (pgAdmin) return pgBaseline(file, (await freshDb(dir, "baseline", pgAdmin)).db as PostgresDb);
  // The raw baseline: better-sqlite3 itself, no seam in between.
  const seam = await freshDb(dir, "baseline");
  await seam.db.close();
  const db = openSqliteNative(seam.url);
  const insertOrder = db.prepare(
    `INSERT INTO "Order" (shopId, id, customerKey, guest, processedAt, updatedAt, currency, totalMinor, refundedMinor,
       channel, pos, subscription, test, cancelled, tags, deleted) VALUES ('bench', ?, ?, 0, ?, ?, 'USD', ?, 0, ?, 0, 0, 0, 0, '[]', 0)`,
  );
  const insertLine = db.prepare(
    `INSERT INTO "OrderLine" (shopId, orderId, id, quantity, unitPriceMinor, totalMinor, subscription) VALUES ('bench', ?, ?, ?, ?, ?, 0)`,
  );
  const start = performance.now();
  let batch: Record<string, any>[] = [];
  const flush = db.transaction((rows: Record<string, any>[]) => {
    for (const r of rows) {
      if (r.__parentId) {
        const cents = Math.round(Number(r.discountedTotalSet.shopMoney.amount) * 100);
        insertLine.run(r.__parentId, r.id, r.quantity, cents, cents);
      } else {
        insertOrder.run(r.id, r.customer?.id ?? null, Date.parse(r.processedAt), Date.parse(r.updatedAt),
          Math.round(Number(r.totalPriceSet.shopMoney.amount) * 100), r.sourceName);
      }
    }
  });
  for await (const line of readLines(file)) {
    batch.push(JSON.parse(line));
    if (batch.length >= 5000) {
      flush.immediate(batch);
      batch = [];
    }
  }
  flush.immediate(batch);
  const ms = performance.now() - start;
  db.close();
  return ms;
}

const copyValue = (v: string | number | null) => (v === null ? "\\N" : String(v));

/** PostgreSQL's raw baseline: the rows of each 5,000-line batch COPYed straight into the tables, one transaction per batch. */
async function pgBaseline(file: string, db: PostgresDb) {
  const start = performance.now();
  let batch: Record<string, any>[] = [];
  const flush = (rows: Record<string, any>[]) =>
    db.transaction(() =>
      db.withClient(async (client) => {
        const orders: string[] = [];
        const lines: string[] = [];
        for (const r of rows) {
          if (r.__parentId) {
            const cents = Math.round(Number(r.discountedTotalSet.shopMoney.amount) * 100);
            lines.push(["bench", r.__parentId, r.id, r.quantity, cents, cents, "f"].map(copyValue).join("\t"));
          } else {
            orders.push(
              ["bench", r.id, r.customer?.id ?? null, "f", r.processedAt, r.updatedAt, "USD", Math.round(Number(r.totalPriceSet.shopMoney.amount) * 100), 0, r.sourceName, "f", "f", "f", "f", "[]", "f"]
                .map(copyValue)
                .join("\t"),
            );
          }
        }
        const copy = async (sql: string, text: string[]) => {
          if (text.length > 0) await pipeline(Readable.from([text.join("\n") + "\n"]), client.query(copyFrom(sql)));
        };
        await copy(`COPY "Order" ("shopId", id, "customerKey", guest, "processedAt", "updatedAt", currency, "totalMinor", "refundedMinor",
          channel, pos, subscription, test, cancelled, tags, deleted) FROM STDIN`, orders);
        await copy(`COPY "OrderLine" ("shopId", "orderId", id, quantity, "unitPriceMinor", "totalMinor", subscription) FROM STDIN`, lines);
      }),
    );
  for await (const line of readLines(file)) {
    batch.push(JSON.parse(line));
    if (batch.length >= 5000) {
      await flush(batch);
      batch = [];
    }
  }
  await flush(batch);
  const ms = performance.now() - start;
  await db.close();
  return ms;
}

async function ours(dir: string, file: string, pgAdmin?: string) {
  const { db } = await freshDb(dir, "ingest", pgAdmin);
  const store = createOrderStore(db);
  const start = performance.now();
  const orders = await ingestBulkLines("bench", readLines(file), 0, { db, store });
  const ms = performance.now() - start;
  const stored = await store.countOrders("bench");
  const lines = (await db.prepare(`SELECT count(*) FROM "OrderLine"`).pluck().get()) as number;
  await db.close();
  return { ms, orders, stored, lines };
}

/**
 * Each phase runs in its own process, so each peak RSS is that phase's alone (generating a
 * gigabyte of JSONL would otherwise count against the ingest), with the node flags and
 * environment the app's processes run with (a backfill's ingest runs in one of them).
 */
function phase(name: string, dir: string, file: string, pgAdmin?: string): Record<string, number> {
  const pg = pgAdmin ? ["--pg-admin", pgAdmin] : [];
  const run = scriptAsAppProcess(import.meta.filename, ["--phase", name, "--dir", dir, "--file", file, "--orders", String(ORDERS), ...pg]);
  const out = execFileSync(process.execPath, run.args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: run.env,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

async function runPhase(name: string, dir: string, file: string, pgAdmin?: string) {
  let result: Record<string, number>;
  if (name === "generate") result = await writeJsonl(file);
  else if (name === "ours") result = await ours(dir, file, pgAdmin);
  else result = { ms: await baseline(dir, file, pgAdmin) };
  process.stdout.write(JSON.stringify({ ...result, rssMb: peakRssMb() }) + "\n");
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-bench-ingest-"));
  // PostgreSQL as in production (durable commits), on loopback, thrown away at the end.
  const server = POSTGRES ? await startPostgres() : null;
  const pgAdmin = server?.adminUrl;
  try {
    const file = path.join(dir, "orders.jsonl");
    const t0 = performance.now();
    const { lines, bytes } = phase("generate", dir, file);
    console.log(
      `bulk export: ${ORDERS.toLocaleString()} orders, ${lines.toLocaleString()} JSONL lines, ${(bytes / 1e6).toFixed(0)} MB ` +
        `(generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    console.log(`engine: ${POSTGRES ? "PostgreSQL (throwaway server, loopback)" : "SQLite"}`);
    const run = phase("ours", dir, file, pgAdmin);
    if (run.stored !== ORDERS) throw new Error(`stored ${run.stored} orders, expected ${ORDERS}`);
    const baseRun = phase("baseline", dir, file, pgAdmin);
    const base = baseRun.ms;
    const rate = ORDERS / (run.ms / 1000);
    const ratio = run.ms / base;
    console.log(`baseline (JSON.parse + ${POSTGRES ? "raw COPY" : "raw prepared inserts"}): ${(base / 1000).toFixed(2)} s, ${Math.round(ORDERS / (base / 1000)).toLocaleString()} orders/s`);
    console.log(`ingest (production path):                     ${(run.ms / 1000).toFixed(2)} s, ${Math.round(rate).toLocaleString()} orders/s, ${run.lines.toLocaleString()} line items`);
    console.log(`ratio ingest/baseline: ${ratio.toFixed(2)} (goal ≤ 3)  orders/s goal ≥ 25,000: ${rate >= 25_000 ? "met" : "MISSED"}`);
    console.log(`peak RSS of the ingest process: ${run.rssMb.toFixed(0)} MB (goal ≤ 300 MB); baseline process: ${baseRun.rssMb.toFixed(0)} MB`);
  } finally {
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const phaseIndex = process.argv.indexOf("--phase");
if (phaseIndex > 0) {
  const get = (n: string) => process.argv[process.argv.indexOf(`--${n}`) + 1];
  await runPhase(process.argv[phaseIndex + 1], get("dir"), get("file"), process.argv.includes("--pg-admin") ? get("pg-admin") : undefined);
} else {
  await main();
}
