/**
 * SQLite's seam compiles a statement once per SQL text and reuses it; a statement being
 * iterated is busy, so an iteration runs on a statement of its own.
 */
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/db";

describe("the SQL seam's compiled statements", () => {
  it("GIVEN a query being iterated WHEN the same SQL runs (and is iterated) inside the loop THEN every call answers, with its own parameters", async () => {
    const { db } = await freshDatabase();
    await db.exec(`CREATE TABLE "Probe" (n INTEGER NOT NULL)`);
    for (let n = 1; n <= 3; n++) await db.prepare(`INSERT INTO "Probe" (n) VALUES (?)`).run(n);
    const sql = `SELECT n FROM "Probe" WHERE n >= ? ORDER BY n`;

    const seen: [number, number[], number[]][] = [];
    for await (const n of db.prepare(sql).pluck().iterate(1) as AsyncIterable<number>) {
      const inner: number[] = [];
      for await (const m of db.prepare(sql).pluck().iterate(n) as AsyncIterable<number>) inner.push(m);
      seen.push([n, (await db.prepare(sql).pluck().all(n)) as number[], inner]);
    }

    expect(seen).toEqual([
      [1, [1, 2, 3], [1, 2, 3]],
      [2, [2, 3], [2, 3]],
      [3, [3], [3]],
    ]);
  });
});
