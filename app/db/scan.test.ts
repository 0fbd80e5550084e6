/**
 * scanRows reads what was stored, whichever way the engine streams it: on PostgreSQL COPY's
 * text format (escapes, nulls, characters split across chunks) must give back exactly what a
 * cursor gives.
 */
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/db";
import { scanRows } from "./scan.server";

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
  });
});
