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
import { openSqliteNative } from "./index.server";

/** Bytes this process has passed to write(2) and friends (Linux). */
const bytesWritten = () => Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);

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
});
