/**
 * A paged scan's pages built on a thread of their own (SQLite, a database file): while
 * SQLite builds page n + 1 there, the calling thread cuts page n and hands its rows on. On
 * the bench shop SQLite's share of a recompute's read is ~1.8 s and the cutting and rules
 * ~1.1 s; one after the other they took ~2.9 s. See docs/decisions/074-pages-built-beside-the-scan.md.
 *
 * The thread opens its own read-only connection and reads every page in one read
 * transaction: one snapshot, as one statement would see. It runs ahead of the caller by at
 * most WINDOW pages, so pages do not pile up in memory when the caller is slower. A page the
 * caller cannot cut (a stored value holds a separator) is read again row by row by the thread,
 * in the same snapshot, on request.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Pages built ahead of the one being cut. */
const WINDOW = 8;

/** Slots of the shared counters. */
const TAKEN = 0; // pages the caller has finished
const REQUEST = 1; // page (+ 1) the caller wants row by row; 0: none
const STOP = 2; // 1: the caller wants no more
const SEQ = 3; // bumped on every change above: what the thread waits on

/** What the thread is given. */
export interface PageQueries {
  /** The database file. */
  file: string;
  /** The first page's statement and the next pages' (one more parameter: the last key read). */
  first: string;
  next: string;
  /** The same rows a row at a time (first page, next pages). */
  firstRows: string;
  nextRows: string;
  params: readonly unknown[];
  pageRows: number;
  /** Name of the key column, for the error when a page does not advance. */
  key: string;
}

type Page = { page: number; count: number; text: Uint8Array };
type Rows = { rowsOf: number; rows: unknown[][] };
type End = { end: number };
type Message = Page | Rows | End | { failed: string };

/**
 * The thread's code, as a CommonJS script (eval: true): no file to find next to a bundle.
 * better-sqlite3 comes from where this module resolves it.
 */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const q = workerData.queries;
const shared = new Int32Array(workerData.shared);
const post = (message, transfer) => parentPort.postMessage(message, transfer);
let db;
try {
  db = new Database(q.file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  db.pragma("cache_size = -2048");
  db.exec("BEGIN");
  const first = db.prepare(q.first).raw();
  const next = db.prepare(q.next).raw();
  // Where each page began (the last key before it), for a page wanted row by row.
  const starts = [];
  let after = null;
  let built = 0;
  let finished = false;
  for (;;) {
    const seq = Atomics.load(shared, ${SEQ});
    if (Atomics.load(shared, ${STOP}) === 1) break;
    const wanted = Atomics.load(shared, ${REQUEST});
    if (wanted > 0) {
      const from = starts[wanted - 1];
      const params = from === null ? q.params : [...q.params, from];
      const rows = db.prepare(from === null ? q.firstRows : q.nextRows).raw().all(...params);
      Atomics.store(shared, ${REQUEST}, 0);
      post({ rowsOf: wanted - 1, rows });
      continue;
    }
    if (finished || built - Atomics.load(shared, ${TAKEN}) >= ${WINDOW}) {
      Atomics.wait(shared, ${SEQ}, seq, 1000);
      continue;
    }
    const params = after === null ? q.params : [...q.params, after];
    const [count, lastKey, text] = (after === null ? first : next).get(...params);
    starts.push(after);
    if (count === 0 || text === null) {
      finished = true;
      post({ end: built });
      continue;
    }
    // The page's own memory moves to the caller; a slice of a shared pool, or memory that
    // cannot move, is copied.
    let moved = false;
    if (text.byteOffset === 0 && text.buffer.byteLength === text.length) {
      try {
        post({ page: built, count, text: new Uint8Array(text.buffer) }, [text.buffer]);
        moved = true;
      } catch {}
    }
    if (!moved) post({ page: built, count, text: new Uint8Array(text) });
    built++;
    if (count < q.pageRows) {
      finished = true;
      post({ end: built });
    } else if (lastKey === null || lastKey === after) {
      throw new Error("scanByKey: " + q.key + " did not advance past " + after);
    } else after = lastKey;
  }
} catch (error) {
  post({ failed: error instanceof Error ? error.message : String(error) });
} finally {
  try {
    if (db && db.inTransaction) db.exec("COMMIT");
    if (db) db.close();
  } catch {}
}
`;

const driver = createRequire(import.meta.url).resolve("better-sqlite3");

/**
 * Reads the pages on a thread of their own and hands each to `cut` in order. `cut` returns
 * false when it cannot cut a page; that page's rows then go to `eachRow`, read by the thread
 * a row at a time in its snapshot. A failure on either side stops the thread.
 */
export async function readPagesOnThread(
  queries: PageQueries,
  cut: (text: Buffer, count: number) => boolean,
  eachRow: (row: unknown[]) => void,
): Promise<void> {
  const shared = new Int32Array(new SharedArrayBuffer(4 * 4));
  const signal = (slot: number, value: number) => {
    if (slot === TAKEN) Atomics.add(shared, TAKEN, value);
    else Atomics.store(shared, slot, value);
    Atomics.add(shared, SEQ, 1);
    Atomics.notify(shared, SEQ);
  };
  const thread = new Worker(THREAD, {
    eval: true,
    workerData: { driver, queries, shared: shared.buffer },
    // It holds a page at a time before handing it over: a small heap.
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  });
  const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
  const inbox: Message[] = [];
  let wake: (() => void) | null = null;
  let threadError: Error | null = null;
  const arrived = () => {
    wake?.();
    wake = null;
  };
  thread.on("message", (m: Message) => {
    inbox.push(m);
    arrived();
  });
  thread.on("error", (e) => {
    threadError = e;
    arrived();
  });
  thread.on("exit", () => {
    threadError ??= new Error("scanByKey: the page thread ended before the scan did");
    arrived();
  });
  const take = async <T extends Message>(wanted: (m: Message) => m is T): Promise<T> => {
    for (;;) {
      const at = inbox.findIndex(wanted);
      if (at >= 0) return inbox.splice(at, 1)[0] as T;
      const failed = inbox.find((m) => "failed" in m);
      if (failed && "failed" in failed) throw new Error(failed.failed);
      if (threadError) throw threadError;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  try {
    for (let n = 0; ; n++) {
      const m = await take((x): x is Page | End => ("page" in x && x.page === n) || ("end" in x && x.end === n));
      if ("end" in m) return;
      const text = Buffer.from(m.text.buffer, m.text.byteOffset, m.text.byteLength);
      if (!cut(text, m.count)) {
        signal(REQUEST, n + 1);
        const { rows } = await take((x): x is Rows => "rowsOf" in x && x.rowsOf === n);
        for (const row of rows) eachRow(row);
      }
      signal(TAKEN, 1);
    }
  } finally {
    signal(STOP, 1);
    await exited;
  }
}
