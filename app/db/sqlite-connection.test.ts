/**
 * The app's SQLite connection keeps statement journals in memory. A write statement inside a
 * transaction copies each page the transaction already dirtied into a statement journal before
 * changing it; Customer's totals triggers make every recompute upsert such a statement, and
 * with the journal on disk a first recompute of 337,947 customers wrote 18 GB to files instead
 * of 8.6 GB (docs/decisions/039). Measured here with the process's own write counter (bytes it passed to write(2)).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, openSqliteNative } from "./index.server";
import type { SqliteDb } from "./sqlite.server";

/** Bytes this process has passed to write(2) and friends (Linux). */
const bytesWritten = () => Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);
/** Bytes this process has read with read(2) and friends (Linux); pages read through a file mapping are not among them. */
const bytesRead = () => Number(/rchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);

/** An app handle on a new file holding `rows` search-like texts (~70 bytes each), checkpointed into the file. */
async function textsDatabase(dir: string, rows: number): Promise<SqliteDb> {
  const db = openDatabase(`file:${path.join(dir, "texts.db")}`) as SqliteDb;
  await db.withNative((native) => {
    native.exec(`CREATE TABLE texts (id INTEGER PRIMARY KEY, lowered TEXT NOT NULL)`);
    const insert = native.prepare(`INSERT INTO texts (lowered) VALUES (?)`);
    native.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(`gid://shopify/customer/${i}\nc${i}@example.com\nname ${i}`);
    })();
    native.pragma("wal_checkpoint(TRUNCATE)");
  });
  return db;
}

const COUNT_ZQ = `SELECT count(*) FROM texts WHERE lowered GLOB '*zq*'`;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Upserts `rows` rows one statement each in one transaction, into an indexed table with a trigger; returns bytes written. */
function upsertInOneTransaction(native: Database.Database, rows: number): number {
  // Twenty indexes: each upsert changes more pages than SQLite keeps in memory before it
  // spills a statement journal (64 KB), as a recompute's upsert with its page splits does.
  native.exec(`
    CREATE TABLE t (k TEXT PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL) WITHOUT ROWID;
    ${Array.from({ length: 20 }, (_, i) => `CREATE INDEX t_${i} ON t (${i % 2 ? "a" : "b"}, ${i}, k);`).join("\n")}
    CREATE TABLE total (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO total VALUES (1, 0);
    CREATE TRIGGER t_count AFTER INSERT ON t WHEN NEW.a < 0 BEGIN UPDATE total SET n = n + 1 WHERE id = 1; END;`);
  const upsert = native.prepare(`INSERT INTO t (k, a, b) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b`);
  const before = bytesWritten();
  native.transaction(() => {
    for (let i = 0; i < rows; i++) upsert.run(`customer-${(i * 7919) % rows}`, (i * 104729) % rows, (i * 15485863) % rows);
  }).immediate();
  return bytesWritten() - before;
}

describe("the app's SQLite connection", () => {
  it("GIVEN a transaction of single-row upserts into an indexed table with a trigger WHEN it runs on the app's connection THEN its statement journals are not written to files", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-sqlite-connection-"));
    dirs.push(dir);
    // The same work on a connection that keeps SQLite's default (temporary files).
    const onDisk = new Database(path.join(dir, "default.db"));
    onDisk.pragma("journal_mode = WAL");
    onDisk.pragma("cache_size = -65536");
    const fileJournal = upsertInOneTransaction(onDisk, 4_000);
    onDisk.close();

    const app = openSqliteNative(`file:${path.join(dir, "app.db")}`);
    const appJournal = upsertInOneTransaction(app, 4_000);
    app.close();

    expect(app.memory).toBe(false);
    expect(fileJournal).toBeGreaterThan(20 * 1024 * 1024);
    expect(appJournal).toBeLessThan(fileJournal / 10);
  });

  it("GIVEN texts bigger than the mapped reader's page cache WHEN scanned again through withMappedReads THEN the pages come from the file's mapping, where the same scan on a connection with SQLite's default reads them again with read(2)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-sqlite-connection-"));
    dirs.push(dir);
    const db = await textsDatabase(dir, 60_000); // ~4 MB, twice the reader's cache
    await db.withNative((native) => native.pragma("cache_size = -1024")); // nor could the main connection hold it
    const plain = new Database(path.join(dir, "texts.db"), { readonly: true });
    plain.pragma("cache_size = -2048");

    const rescan = async (scan: () => Promise<unknown>) => {
      await scan();
      const before = bytesRead();
      expect(await scan()).toBe(0);
      return bytesRead() - before;
    };
    const copied = await rescan(async () => plain.prepare(COUNT_ZQ).pluck().get());
    const mapped = await rescan(() => db.withMappedReads((reader) => reader.prepare(COUNT_ZQ).pluck().get()));

    expect(copied).toBeGreaterThan(3 * 1024 * 1024);
    expect(mapped).toBeLessThan(copied / 10);
    plain.close();
    await db.close();
  });

  it("GIVEN a transaction on the app's handle WHEN it reads through withMappedReads THEN it sees its own uncommitted writes (the main connection serves it)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-sqlite-connection-"));
    dirs.push(dir);
    const db = await textsDatabase(dir, 10);
    const count = () => db.withMappedReads((reader) => reader.prepare(`SELECT count(*) FROM texts`).pluck().get());

    const inside = await db.transaction(async () => {
      await db.prepare(`INSERT INTO texts (lowered) VALUES ('new')`).run();
      return count();
    });

    expect(inside).toBe(11);
    expect(await count()).toBe(11);
    await db.close();
  });
});
