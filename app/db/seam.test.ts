/**
 * The SQL seam behaves the same on SQLite and PostgreSQL: placeholders, named parameters,
 * mixed-case columns, booleans and times read back alike, ambient transactions with
 * savepoints, cursors. The PostgreSQL half runs where a server is given (npm run test:pg).
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "./index.server";
import { translate } from "./postgres.server";
import { legacySync } from "./sqlite.server";

const pgServer = process.env.RFM_TEST_PG_URL;

const TABLE = `CREATE TABLE "Thing" (shopId TEXT NOT NULL, id INTEGER NOT NULL, flag BOOLEAN NOT NULL DEFAULT FALSE,
  seenAt TIMESTAMP(3), amountMinor BIGINT NOT NULL DEFAULT 0, meta TEXT, PRIMARY KEY (shopId, id))`;

async function sqliteHandle(): Promise<Db> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-seam-"));
  const db = openDatabase(`file:${path.join(dir, "seam.db")}`);
  await db.exec(TABLE.replace(/shopId/g, "shopId").replace("TIMESTAMP(3)", "DATETIME"));
  return db;
}

async function postgresHandle(): Promise<Db> {
  const name = `seam_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgServer });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgServer!);
  url.pathname = `/${name}`;
  const db = openDatabase(url.toString());
  await db.exec(TABLE.replace(/\b(shopId|seenAt|amountMinor)\b/g, '"$1"'));
  return db;
}

const backends: [string, () => Promise<Db>][] = [["sqlite", sqliteHandle]];
if (pgServer) backends.push(["postgres", postgresHandle]);

describe.each(backends)("the SQL seam on %s", (_name, open) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });

  it("GIVEN rows written with ? and named parameters WHEN read THEN mixed-case columns, booleans, times and sums read alike", async () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    await db.prepare(`INSERT INTO "Thing" (shopId, id, flag, seenAt, amountMinor) VALUES (?, ?, ?, ?, ?)`).run("s1", 1, true, at, 5_000_000_000);
    await db.prepare(`INSERT INTO "Thing" (shopId, id, flag, seenAt, amountMinor) VALUES (@shop, @id, @flag, @at, @amount)`).run({ shop: "s1", id: 2, flag: false, at: null, amount: 7 });
    const row = (await db.prepare(`SELECT shopId, flag, seenAt, amountMinor FROM "Thing" WHERE shopId = ? AND id = ?`).get("s1", 1)) as Record<string, unknown>;
    expect(row).toEqual({ shopId: "s1", flag: 1, seenAt: at.getTime(), amountMinor: 5_000_000_000 });
    expect(await db.prepare(`SELECT sum(amountMinor) AS totalMinor FROM "Thing" WHERE shopId = ?`).pluck().get("s1")).toBe(5_000_000_007);
    expect(await db.prepare(`SELECT count(*) FROM "Thing" WHERE flag = FALSE`).pluck().get()).toBe(1);
    expect(await db.prepare(`SELECT id, flag FROM "Thing" ORDER BY id`).raw().all()).toEqual([[1, 1], [2, 0]]);
    expect(await db.prepare(`SELECT ${db.sql.epochMs("seenAt")} FROM "Thing" WHERE id = 1`).pluck().get()).toBe(at.getTime());
    expect(await db.prepare(`SELECT ${db.sql.greatest("id", "?")} FROM "Thing" WHERE id = 1`).pluck().get(3)).toBe(3);
    expect(await db.prepare(`SELECT ${db.sql.plusMs("seenAt", 86_400_000)} FROM "Thing" WHERE id = 1`).pluck().get()).toBe(at.getTime() + 86_400_000);
  });

  it("GIVEN text carrying a NUL character WHEN written THEN the row is stored (PostgreSQL's text holds no NUL: only it is dropped there)", async () => {
    await db.prepare(`INSERT INTO "Thing" (shopId, id, meta) VALUES (?, ?, ?)`).run("nul", 1, "a\u0000b");

    const meta = (await db.prepare(`SELECT meta FROM "Thing" WHERE shopId = ? AND id = ?`).pluck().get("nul", 1)) as string;
    expect(meta.replaceAll("\u0000", "")).toBe("ab");
  });

  it("GIVEN a transaction that throws WHEN it ends THEN nothing it wrote stays, and a savepoint rolls back alone", async () => {
    await expect(
      db.transaction(async () => {
        await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("tx", 1);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await db.transaction(async () => {
      await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("tx", 2);
      await db
        .transaction(async () => {
          await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("tx", 3);
          throw new Error("inner");
        })
        .catch(() => {});
    });
    expect(await db.prepare(`SELECT id FROM "Thing" WHERE shopId = 'tx' ORDER BY id`).pluck().all()).toEqual([2]);
  });

  it("GIVEN a transaction in flight WHEN another flow reads meanwhile THEN it sees only committed rows", async () => {
    let seen: unknown;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writer = db.transaction(async () => {
      await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("iso", 1);
      await gate;
    });
    await new Promise((r) => setTimeout(r, 10));
    const reader = db.prepare(`SELECT count(*) FROM "Thing" WHERE shopId = 'iso'`).pluck().get().then((v) => (seen = v));
    if (db.dialect === "sqlite") {
      // One connection: the read waits for the transaction to end.
      await new Promise((r) => setTimeout(r, 10));
      expect(seen).toBeUndefined();
      release();
      await writer;
      await reader;
      expect(seen).toBe(1);
    } else {
      // Its own connection: the read does not wait, and sees the state before the transaction.
      await reader;
      expect(seen).toBe(0);
      release();
      await writer;
    }
  });

  it("GIVEN many rows WHEN iterated THEN each comes once, in order, also when the loop stops early", async () => {
    await db.transaction(async () => {
      for (let i = 0; i < 25; i++) await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("it", i);
    });
    const ids: unknown[] = [];
    for await (const id of db.prepare(`SELECT id FROM "Thing" WHERE shopId = ? ORDER BY id`).pluck().iterate("it")) ids.push(id);
    expect(ids).toEqual([...Array(25).keys()]);
    for await (const id of db.prepare(`SELECT id FROM "Thing" WHERE shopId = ? ORDER BY id`).pluck().iterate("it")) if (id === 3) break;
    expect(await db.prepare(`SELECT count(*) FROM "Thing" WHERE shopId = 'it'`).pluck().get()).toBe(25);
  });
});

describe("PostgreSQL spelling", () => {
  it("GIVEN SQLite-style SQL WHEN translated THEN placeholders are numbered and mixed-case names quoted, literals untouched", () => {
    expect(translate(`SELECT shopId, 'a?b' AS "lastDay", x::text FROM "Order" o WHERE o.customerKey = ? AND id > ?`).text).toBe(
      `SELECT "shopId", 'a?b' AS "lastDay", x::text FROM "Order" o WHERE o."customerKey" = $1 AND id > $2`,
    );
    const named = translate(`UPDATE "Job" SET updatedAt = @t WHERE leaseUntil <= @t AND attempts >= @max`);
    expect(named.text).toBe(`UPDATE "Job" SET "updatedAt" = $1 WHERE "leaseUntil" <= $1 AND attempts >= $2`);
    expect(named.names).toEqual(["t", "max"]);
  });
});

describe("code not yet on the seam", () => {
  it("GIVEN a SQLite handle WHEN the legacy connection is asked THEN it is the same database", async () => {
    const db = await sqliteHandle();
    await db.prepare(`INSERT INTO "Thing" (shopId, id) VALUES (?, ?)`).run("l", 1);
    expect(legacySync(db).prepare(`SELECT count(*) FROM "Thing"`).pluck().get()).toBe(1);
    await db.close();
  });
});
