/**
 * copyIn writes what it is given, exactly: rows made one at a time by a generator, in pieces,
 * through COPY's text format (escapes, nulls, booleans, big integers, a NUL PostgreSQL cannot
 * store), and a row the server refuses fails the write instead of losing it quietly.
 */
import { describe, expect, it } from "vitest";
import { copyIn, type CopyValue } from "~/db/copy-in.server";
import type { PostgresDb } from "~/db/postgres.server";
import { freshDatabase } from "../support/db";

const AWKWARD = ["plain", "tab\there", "line\nbreak", "back\\slash \\N", "carriage\rreturn", "ünïcødé ✓ 🎉", "", "nul\u0000inside"];

function* probeRows(n: number, made: { count: number }): Generator<CopyValue[]> {
  for (let i = 0; i < n; i++) {
    made.count++;
    yield [i, i % 9 === 4 ? null : `${AWKWARD[i % AWKWARD.length]}#${i}`, i % 3 === 0, i % 5 === 0 ? null : Number.MAX_SAFE_INTEGER - i];
  }
}

describe("copyIn", () => {
  it("GIVEN 1,234 rows of awkward text, nulls, booleans and 16-digit integers from a generator WHEN COPYed in THEN the table holds each as made (a NUL dropped)", async () => {
    const { db } = await freshDatabase();
    const pg = db as PostgresDb;
    const made = { count: 0 };
    await pg.transaction(() =>
      pg.withClient(async (client) => {
        await client.query(`CREATE TEMP TABLE probe (id integer, label text, flag boolean, amount bigint) ON COMMIT DROP`);
        await copyIn(client, `COPY probe FROM STDIN`, probeRows(1_234, made));
        const stored = await client.query<{ id: number; label: string | null; flag: boolean; amount: string | null }>(`SELECT * FROM probe ORDER BY id`);
        expect(made.count).toBe(1_234);
        const expected = [...probeRows(1_234, { count: 0 })].map(([id, label, flag, amount]) => ({
          id,
          label: typeof label === "string" ? label.replaceAll("\u0000", "") : label,
          flag,
          amount: amount === null ? null : String(amount),
        }));
        expect(stored.rows).toEqual(expected);
      }),
    );
  });

  it("GIVEN a row whose value the column refuses WHEN COPYed in THEN the write fails naming it, and nothing is stored", async () => {
    const { db } = await freshDatabase();
    const pg = db as PostgresDb;
    await pg.exec(`CREATE TABLE copy_probe (id integer, amount bigint)`);
    const rows: CopyValue[][] = [[1, 10], [2, "not a number"], [3, 30]];
    await expect(pg.transaction(() => pg.withClient((client) => copyIn(client, `COPY copy_probe FROM STDIN`, rows)))).rejects.toThrow(/not a number/);
    expect(await pg.prepare(`SELECT count(*) FROM copy_probe`).pluck().get()).toBe(0);
  });
});
