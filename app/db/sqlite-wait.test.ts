/**
 * How the process's SQLite handle waits for another connection's write lock (decision 043).
 * The lock here is held by a second connection in the same thread, as a scoring thread's write
 * slice holds it for the web process: SQLite's own busy handler would sleep on this thread, so
 * the holder could never let go and the write would fail once busy_timeout passed. Waiting on
 * timers, the thread keeps running, the holder commits, and the write goes through.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteNative } from "./index.server";
import { sqliteDb } from "./sqlite.server";
import { createJobQueue } from "~/jobs/queue.server";

const dirs: string[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The app's handle (waiting on timers) and a second connection to the same file. */
function twoConnections(busyTimeoutMs = 2_000) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-sqlite-wait-"));
  dirs.push(dir);
  const url = `file:${path.join(dir, "app.db")}`;
  const other = openSqliteNative(url);
  other.exec(`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
  const db = sqliteDb(openSqliteNative(url), { waitAsync: true, busyTimeoutMs });
  closers.push(() => other.close(), () => db.close());
  return { db, other };
}

/** Holds the write lock on `other` until the returned release() (as a scoring slice would). */
function holdLock(other: ReturnType<typeof openSqliteNative>) {
  other.exec("BEGIN IMMEDIATE");
  other.prepare(`INSERT INTO t (k, v) VALUES ('held', 0)`).run();
  return () => other.exec("COMMIT");
}

describe("the process's SQLite handle while another connection writes", () => {
  it("GIVEN another connection holds the write lock WHEN the handle inserts THEN the thread keeps running and the insert lands once the lock is free", async () => {
    const { db, other } = twoConnections();
    const events: string[] = [];
    const release = holdLock(other);

    const insert = db
      .prepare(`INSERT INTO t (k, v) VALUES (?, ?) RETURNING k`)
      .pluck()
      .get("webhook", 1)
      .then((k) => events.push(`inserted ${k}`));
    await sleep(20);
    events.push("lock released");
    release();
    await insert;

    expect(events).toEqual(["lock released", "inserted webhook"]);
    expect(await db.prepare(`SELECT k FROM t ORDER BY k`).pluck().all()).toEqual(["held", "webhook"]);
  });

  it("GIVEN another connection holds the write lock WHEN the handle opens a transaction THEN it begins after the lock is free and commits everything", async () => {
    const { db, other } = twoConnections();
    const release = holdLock(other);

    const written = db.transaction(async () => {
      await db.prepare(`INSERT INTO t (k, v) VALUES ('a', 1)`).run();
      await db.prepare(`INSERT INTO t (k, v) VALUES ('b', 2)`).run();
    });
    await sleep(20);
    release();
    await written;

    expect(await db.prepare(`SELECT count(*) FROM t`).pluck().get()).toBe(3);
  });

  it("GIVEN another connection holds the write lock WHEN a job is enqueued THEN the enqueue waits on timers and the job is stored", async () => {
    const { db, other } = twoConnections();
    other.exec(`CREATE TABLE IF NOT EXISTS "Job" (id INTEGER PRIMARY KEY, shopId TEXT, type TEXT, key TEXT, status TEXT,
      runAt INTEGER, attempts INTEGER, payload TEXT, createdAt INTEGER, updatedAt INTEGER, owner TEXT, leaseUntil INTEGER, lastError TEXT)`);
    const release = holdLock(other);

    let enqueued = false;
    const enqueue = createJobQueue(db)
      .enqueue("apply-inbox", "inbox")
      .then(() => (enqueued = true));
    await sleep(20);
    expect(enqueued).toBe(false);
    release();
    await enqueue;

    expect(await db.prepare(`SELECT type FROM "Job"`).pluck().all()).toEqual(["apply-inbox"]);
  });

  it("GIVEN the lock is never released WHEN the handle's wait passes busyTimeoutMs THEN the write fails busy and nothing is written", async () => {
    const { db, other } = twoConnections(50);
    const release = holdLock(other);

    await expect(db.prepare(`INSERT INTO t (k, v) VALUES ('late', 1)`).run()).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    release();

    expect(await db.prepare(`SELECT k FROM t`).pluck().all()).toEqual(["held"]);
  });
});
