/**
 * scanRows reads what was stored, whichever way the engine streams it: on PostgreSQL COPY's
 * text format (escapes, nulls, characters split across chunks) must give back exactly what a
 * cursor gives; on SQLite scanByKey's pages (one text value per few thousand rows) must give
 * back what a statement gives, in key order, from one snapshot.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { freshDatabase, onPostgres } from "../../test/support/db";
import { KeyTable } from "~/rfm/key-table";
import { scanByKey, scanRows } from "./scan.server";

/**
 * Rows with their interned column's index replaced by the text it stands for, after checking
 * that indices came in order of first sight (0, 1, 2, …), as the counting rules expect.
 */
function spelledOut(rows: unknown[][], column: number, table: KeyTable): unknown[][] {
  let next = 0;
  return rows.map((r) => {
    const index = r[column];
    if (index === null) return r;
    expect(index).toBeLessThanOrEqual(next);
    if (index === next) next++;
    return r.map((v, i) => (i === column ? table.key(index as number) : v));
  });
}

const AWKWARD = ["plain", "tab\there", "line\nbreak", "back\\slash \\N", `quote's "double"`, "ünïcødé ✓ 🎉", "", "carriage\rreturn"];

/** Nulls, negatives, 16-digit integers (past the digit parser's fast path) and ordinary ones. */
const amountOf = (i: number) => (i % 7 === 0 ? null : i % 13 === 5 ? -(i + 1) : i % 17 === 3 ? Number.MAX_SAFE_INTEGER - i : 5_000_000_000 + i);

describe("scanRows", () => {
  it("GIVEN awkward text, nulls, negative and big numbers WHEN scanned with column kinds and without THEN both give back exactly what was stored", async () => {
    const { db } = await freshDatabase();
    await db.exec(`CREATE TABLE "ScanProbe" (id INTEGER PRIMARY KEY, label TEXT, amount BIGINT)`);
    const insert = db.prepare(`INSERT INTO "ScanProbe" (id, label, amount) VALUES (?, ?, ?)`);
    // Enough rows that the stream arrives in several chunks, multi-byte characters among them.
    const rows: unknown[][] = [];
    for (let i = 0; i < 3000; i++) rows.push([i, i % 11 === 10 ? null : `${AWKWARD[i % AWKWARD.length]}#${i}`, amountOf(i)]);
    await db.transaction(async () => {
      for (const r of rows) await insert.run(...r);
    });
    // A parameter with a quote: COPY takes none, so it is written into the statement as a literal.
    const sql = `SELECT id, label, amount FROM "ScanProbe" WHERE id >= ? AND coalesce(label, '') <> ? ORDER BY id`;

    const typed: unknown[][] = [];
    await scanRows(db, sql, [0, "it's not here"], (r) => typed.push([...r]), ["number", "text", "number"]);
    const plain: unknown[][] = [];
    await scanRows(db, sql, [0, "it's not here"], (r) => plain.push([...r]));

    expect(typed).toEqual(rows);
    expect(plain).toEqual(rows);

    // THEN interned, each label comes as its index in the table (read from COPY's bytes on
    // PostgreSQL, escapes and all), and the index stands for exactly that label.
    const table = new KeyTable();
    const interned: unknown[][] = [];
    await scanRows(db, sql, [0, "it's not here"], (r) => interned.push([...r]), ["number", table, "number"]);
    expect(interned.every(([, index]) => index === null || typeof index === "number")).toBe(true);
    expect(spelledOut(interned, 1, table)).toEqual(rows);
    expect(table.size).toBe(new Set(rows.map(([, label]) => label).filter((l) => l !== null)).size);
  });
});

/** Labels no page can carry as they are: each holds a separator character the pages use. */
const SEPARATORS = ["unit\x1fseparator", "record\x1eseparator", "both\x1e\x1fat once\x1f"];

/** GIVEN a probe table of `rows` rows for group "a" (and a few for "b"), inserted out of key order. */
async function keyedProbe(rows: number) {
  const { db, url } = await freshDatabase();
  await db.exec(`CREATE TABLE "KeyedProbe" (grp TEXT NOT NULL, k TEXT NOT NULL, label TEXT, amount BIGINT, PRIMARY KEY (grp, k))`);
  const insert = db.prepare(`INSERT INTO "KeyedProbe" (grp, k, label, amount) VALUES (?, ?, ?, ?)`);
  const expected: unknown[][] = [];
  for (let i = 0; i < rows; i++) {
    const label = i % 11 === 10 ? null : i % 19 === 4 ? "" : i % 997 === 500 ? SEPARATORS[i % SEPARATORS.length] : `${AWKWARD[i % AWKWARD.length]}#${i}`;
    expected.push([`k${String(i).padStart(6, "0")}`, label, amountOf(i)]);
  }
  // Stored in an order of their own (a stride through the keys), so key order is the scan's doing.
  const stored = expected.map((_, i) => expected[(i * 7919) % rows]);
  await db.transaction(async () => {
    for (const [k, label, amount] of stored) await insert.run("a", k, label, amount);
    for (let i = 0; i < 5; i++) await insert.run("b", `k${i}`, "other group", i);
  });
  return { db, url, expected };
}

const probeScan = {
  columns: [
    ["k", "text"],
    ["label", "text"],
    ["amount", "number"],
  ],
  from: `"KeyedProbe"`,
  where: "grp = ?",
  params: ["a"],
  key: "k",
  ordered: true,
} as const;

describe("scanByKey", () => {
  it.each([7_001, 4_000, 0])("GIVEN %i rows (pages of 2,000) of awkward text, separator characters, '' and NULL, big and negative numbers, stored out of key order WHEN scanned THEN every row of the group comes back as stored, in key order", async (rows) => {
    const { db, expected } = await keyedProbe(rows);

    const scanned: unknown[][] = [];
    await scanByKey(db, probeScan, (r) => scanned.push([...r]));

    if (rows > 1_000) expect(expected.some(([, label]) => SEPARATORS.includes(label as string))).toBe(true);
    expect(scanned).toEqual(expected);
  });

  it("GIVEN awkward text, separator characters, '' and NULL over several pages WHEN the text column is interned THEN each row carries its text's index, in order of first sight, and pages read row by row intern the same", async () => {
    const { db, expected } = await keyedProbe(7_001);
    // Labels repeat, so an index comes back more than once.
    await db.exec(`UPDATE "KeyedProbe" SET label = 'ünï #' || (amount % 5) WHERE grp = 'a' AND amount % 3 = 0`);
    const plain: unknown[][] = [];
    await scanByKey(db, probeScan, (r) => plain.push([...r]));

    const table = new KeyTable();
    const interned: unknown[][] = [];
    await scanByKey(db, { ...probeScan, columns: [probeScan.columns[0], ["label", table], probeScan.columns[2]] }, (r) => interned.push([...r]));

    expect(plain.filter(([, label]) => SEPARATORS.includes(label as string)).length).toBeGreaterThan(0);
    expect(new Set(plain.map(([, label]) => label)).size).toBeLessThan(plain.length - 100);
    expect(spelledOut(interned, 1, table)).toEqual(plain);
    expect(plain).not.toEqual(expected); // the repeats took
  });

  it("GIVEN conditions joined by OR WHEN scanned over several pages THEN each page's key bound applies to all of them", async () => {
    const { db, expected } = await keyedProbe(4_500);

    const scanned: unknown[][] = [];
    await scanByKey(db, { ...probeScan, where: "grp = ? OR grp = ?", params: ["a", "no such group"] }, (r) => scanned.push([...r]));

    expect(scanned).toEqual(expected);
  });

  it.skipIf(onPostgres())("GIVEN a scan under way WHEN another connection commits rows and changes between its pages THEN the scan sees the shop as it was when it began", async () => {
    const { db, url, expected } = await keyedProbe(7_001);
    const other = new Database(url.replace(/^file:/, ""));
    other.pragma("busy_timeout = 5000");

    const scanned: unknown[][] = [];
    await scanByKey(db, probeScan, (r) => {
      scanned.push([...r]);
      // In the first page: later keys change and a new one appears, committed at once.
      if (scanned.length === 10) {
        other.prepare(`UPDATE "KeyedProbe" SET label = 'changed' WHERE grp = 'a' AND k > 'k005000'`).run();
        other.prepare(`INSERT INTO "KeyedProbe" (grp, k, label, amount) VALUES ('a', 'k999999', 'new', 1)`).run();
      }
    });
    other.close();

    expect(scanned).toEqual(expected);
    expect(await db.prepare(`SELECT count(*) FROM "KeyedProbe" WHERE label = 'changed'`).pluck().get()).toBe(2_000);
  });

  it.skipIf(onPostgres())("GIVEN a caller's transaction holding writes not yet committed WHEN it scans several pages THEN the scan sees its writes (the pages are not built on a connection of their own)", async () => {
    const { db, expected } = await keyedProbe(4_500);

    const scanned: unknown[][] = [];
    await db.transaction(async () => {
      await db.prepare(`UPDATE "KeyedProbe" SET label = 'mine' WHERE grp = 'a' AND k > 'k004000'`).run();
      await scanByKey(db, probeScan, (r) => scanned.push([...r]));
      await db.prepare(`UPDATE "KeyedProbe" SET label = 'undone' WHERE grp = 'a'`).run();
    }).catch(() => {});

    expect(scanned.filter(([, label]) => label === "mine")).toHaveLength(499);
    expect(scanned.map(([k]) => k)).toEqual(expected.map(([k]) => k));
  });

  it.skipIf(onPostgres())("GIVEN a scan of many pages WHEN the caller fails on a row of a later page THEN the scan fails with that error, and a scan after it reads every row", async () => {
    const { db, expected } = await keyedProbe(9_000);

    let seen = 0;
    const failing = scanByKey(db, probeScan, () => {
      if (++seen === 6_500) throw new Error("the caller gave up");
    });

    await expect(failing).rejects.toThrow("the caller gave up");
    const scanned: unknown[][] = [];
    await scanByKey(db, probeScan, (r) => scanned.push([...r]));
    expect(scanned).toEqual(expected);
  });

  it.skipIf(onPostgres())("GIVEN a number column holding text (a date as ISO text) WHEN scanned THEN the text is handed on, as a statement hands it", async () => {
    const { db } = await keyedProbe(3);
    await db.exec(`UPDATE "KeyedProbe" SET amount = '2026-01-02T03:04:05.000Z' WHERE k = 'k000001'`);

    const scanned: unknown[][] = [];
    await scanByKey(db, probeScan, (r) => scanned.push([...r]));
    const plain: unknown[][] = [];
    await scanRows(db, `SELECT k, label, amount FROM "KeyedProbe" WHERE grp = 'a' ORDER BY k`, [], (r) => plain.push([...r]));

    expect(scanned[1][2]).toBe("2026-01-02T03:04:05.000Z");
    expect(scanned).toEqual(plain);
  });
});
