/**
 * Reading many rows without holding them: every row of a statement as an array of values,
 * handed to a synchronous callback. On SQLite the statement runs on the connection without
 * an await per row (withNative: the raw driver's speed). On PostgreSQL, given the columns'
 * kinds, `COPY (SELECT …) TO STDOUT` streams the rows as text, parsed here — about twice as
 * fast as a cursor on the bench shop; without kinds, the seam's cursor (`raw().iterate`).
 * For scans of a whole shop (recompute reads); see docs/decisions/033-recompute-on-postgresql.md.
 */
import { to as copyTo } from "pg-copy-streams";
import { isSqlite, type Db } from "./index.server";
import { readPagesOnThread } from "./page-thread.server";
import { translate, type PostgresDb } from "./postgres.server";

/** How a column of a scan reads: text or a number (or null). Select times as db.sql.epochMs(col). */
export type ScanColumn = "text" | "number";

/**
 * A text column whose values are handed on as dense indices, looked up from the bytes the
 * rows arrive in, so no string is made per row (app/rfm/key-table.ts; decision 073).
 */
export interface Interner {
  fromBytes(bytes: Uint8Array, start: number, end: number): number;
  fromString(value: string): number;
}

/** A column's kind: text, a number, or text handed on as its index in an Interner. */
export type ScanKind = ScanColumn | Interner;

/** A row as the driver gives it, with the interned columns' text replaced by their indices. */
function internedRows(kinds: readonly ScanKind[] | undefined, each: (row: unknown[]) => void): (row: unknown[]) => void {
  const interned = (kinds ?? []).flatMap((kind, i) => (typeof kind === "string" ? [] : [[i, kind] as const]));
  if (interned.length === 0) return each;
  return (row) => {
    for (const [i, interner] of interned) if (row[i] !== null) row[i] = interner.fromString(row[i] as string);
    each(row);
  };
}

/**
 * A scan of one shop's rows by a unique text column (`key`, indexed after the shop): the
 * whole-shop reads of a recompute.
 *
 * On SQLite, the rows come in pages of PAGE_ROWS, each page one value (bytes) that SQLite
 * builds with `group_concat` and this module cuts: the read of a 1M-order shop takes 0.6 s
 * instead of 0.85 s a row at a time, whose cost is the driver's per row (decision 065). All
 * pages are read in one read transaction, so they see one snapshot, as one statement would.
 * A page where a stored value holds a separator byte is read again row by row: nothing
 * stored can be misread. Pages of 2,000 rows stay small objects (larger ones wait for a full
 * collection, which raised peak RSS). A scan of more than one page, on a database file and
 * outside the caller's transaction, has its pages built on a thread beside the caller's
 * (page-thread.server.ts, decision 074): SQLite builds the next page while this one is cut.
 * On PostgreSQL: scanRows' COPY, where the server builds rows while they are parsed here.
 */
export interface KeyedScan {
  /**
   * Selected expressions and how each reads. Numbers are integers (or text, handed on as text):
   * a REAL would reach a SQLite page in SQLite's text form, 15 significant digits, where a row
   * read keeps all 17.
   */
  columns: readonly (readonly [expression: string, kind: ScanKind])[];
  /** `FROM` clause, e.g. `"Order" o`. */
  from: string;
  /** Conditions with `?` parameters; `key` must be unique among the rows they keep. */
  where: string;
  params: readonly unknown[];
  key: string;
  /** Rows in key order on PostgreSQL too (SQLite's pages always are). */
  ordered: boolean;
}

const PAGE_ROWS = 2_000;
const FIELD = 0x1f;
const RECORD = 0x1e;
// The separators as literals in the statement: a char() call per field cost 0.1 s of SQLite's
// 1.15 s on the bench shop's pages.
const FIELD_TEXT = String.fromCharCode(FIELD);
const RECORD_TEXT = String.fromCharCode(RECORD);

export async function scanByKey(db: Db, scan: KeyedScan, each: (row: unknown[]) => void): Promise<void> {
  const select = scan.columns.map(([expression]) => expression).join(", ");
  const kinds = scan.columns.map(([, kind]) => kind);
  const plain = `SELECT ${select} FROM ${scan.from} WHERE (${scan.where})`;
  if (!isSqlite(db)) return scanRows(db, scan.ordered ? `${plain} ORDER BY ${scan.key}` : plain, [...scan.params], each, kinds);
  // Text goes in behind "=", so that NULL (an empty field) and '' stay apart. The aggregate
  // takes the page's rows in the order the LIMITed subquery yields them: key order.
  const fields = scan.columns.map(([expression, kind]) => (kind !== "number" ? `'=' || (${expression})` : `(${expression})`));
  const page = (after: boolean) => `
    SELECT count(*), max(k), CAST(group_concat(record, '${RECORD_TEXT}') AS BLOB) FROM (
      SELECT ${scan.key} AS k, concat(${fields.join(`, '${FIELD_TEXT}', `)}) AS record
      FROM ${scan.from} WHERE (${scan.where}) ${after ? `AND ${scan.key} > ?` : ""} ORDER BY ${scan.key} LIMIT ${PAGE_ROWS})`;
  const rows = (after: boolean) => `${plain} ${after ? `AND ${scan.key} > ?` : ""} ORDER BY ${scan.key} LIMIT ${PAGE_ROWS}`;
  const perRecord = kinds.length - 1;
  const fieldEnds = new Int32Array(PAGE_ROWS * perRecord + 1);
  const recordEnds = new Int32Array(PAGE_ROWS);
  const row: unknown[] = new Array(kinds.length);
  /** A page's rows handed on; false (nothing handed on) when a stored value holds a separator. */
  const cut = (text: Buffer, count: number): boolean => {
    // Every separator found where the page put one, and no more: no value holds one.
    const fieldsFound = findAll(text, FIELD, fieldEnds, count * perRecord);
    const recordsFound = findAll(text, RECORD, recordEnds, count - 1);
    if (fieldsFound !== count * perRecord || recordsFound !== count - 1) return false;
    recordEnds[count - 1] = text.length;
    let at = 0;
    for (let r = 0, f = 0; r < count; r++) {
      for (let i = 0; i < perRecord; i++, f++) {
        row[i] = fieldValue(text, at, fieldEnds[f], kinds[i]);
        at = fieldEnds[f] + 1;
      }
      row[perRecord] = fieldValue(text, at, recordEnds[r], kinds[perRecord]);
      at = recordEnds[r] + 1;
      each(row);
    }
    return true;
  };
  // Pages read row by row get their rows from the driver, with text where an index is wanted.
  const fromDriver = internedRows(kinds, each);
  const elsewhere = await db.withNative((native): string | null => {
    // One snapshot for all pages, as one statement would have.
    const own = !native.inTransaction;
    if (own) native.exec("BEGIN");
    try {
      const first = native.prepare(page(false)).raw();
      const next = native.prepare(page(true)).raw();
      let after: string | null = null;
      for (;;) {
        const params: unknown[] = after === null ? [...scan.params] : [...scan.params, after];
        const [count, lastKey, text] = (after === null ? first : next).get(...params) as [number, string | null, Buffer | null];
        if (count === 0 || text === null) break;
        // A first page that is full: more follow, built on a thread beside this one, unless the
        // caller's transaction must be seen (it may hold writes) or the database is in memory.
        if (after === null && count === PAGE_ROWS && own && !native.memory) return native.name;
        // A stored value holds a separator character: this page row by row.
        if (!cut(text, count)) for (const r of native.prepare(rows(after !== null)).raw().iterate(...params) as IterableIterator<unknown[]>) fromDriver(r);
        if (count < PAGE_ROWS) break;
        // Each page must end past the last: a condition that escapes the bound would otherwise
        // read the same page for ever. (Equality only: SQLite orders text by its UTF-8 bytes,
        // JavaScript by UTF-16 units.)
        if (lastKey === null || lastKey === after) throw new Error(`scanByKey: ${scan.key} did not advance past ${after}`);
        after = lastKey;
      }
      return null;
    } finally {
      if (own) native.exec("COMMIT");
    }
  });
  // Read from the start there, in a snapshot of its own: nothing has been handed on yet.
  if (elsewhere !== null) {
    await readPagesOnThread(
      { file: elsewhere, first: page(false), next: page(true), firstRows: rows(false), nextRows: rows(true), params: scan.params, pageRows: PAGE_ROWS, key: scan.key },
      cut,
      fromDriver,
    );
  }
}

/** Where `separator` occurs in `text`, up to `expected` + 1 times; how many times it was found. */
function findAll(text: Buffer, separator: number, into: Int32Array, expected: number): number {
  let found = 0;
  for (let at = text.indexOf(separator); at >= 0; at = text.indexOf(separator, at + 1)) {
    if (found === expected) return found + 1;
    into[found++] = at;
  }
  return found;
}

/**
 * One field of a page: empty is NULL; text behind its "=", decoded from its own bytes (a
 * string of its own: nothing the caller keeps holds the page) or interned from them;
 * numbers parsed.
 */
function fieldValue(text: Buffer, start: number, end: number, kind: ScanKind): unknown {
  if (start === end) return null;
  if (kind === "number") {
    const n = numberAt(text, start, end);
    return Number.isNaN(n) ? text.toString("utf8", start, end) : n;
  }
  if (kind === "text") return text.toString("utf8", start + 1, end);
  return kind.fromBytes(text, start + 1, end);
}

export async function scanRows(db: Db, sql: string, params: unknown[], each: (row: unknown[]) => void, columns?: readonly ScanKind[]): Promise<void> {
  if (isSqlite(db)) {
    const fromDriver = internedRows(columns, each);
    await db.withNative((native) => {
      for (const r of native.prepare(sql).raw().iterate(...params) as IterableIterator<unknown[]>) fromDriver(r);
    });
    return;
  }
  if (columns) return copyRows(db as PostgresDb, sql, params, columns, each);
  for await (const r of db.prepare(sql).raw().iterate(...params)) each(r as unknown[]);
}

/** A parameter as a SQL literal (COPY takes none): strings quoted, numbers as they are. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `'${String(value).replaceAll("'", "''")}'`;
}

const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

/** A COPY text field's value: backslash escapes decoded. */
function unescape(field: string): string {
  if (!field.includes("\\")) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

/** Whether buf[start, end) holds the byte (a short field: no search past its end). */
function holdsByte(buf: Buffer, byte: number, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === byte) return true;
  return false;
}

/** A number field of COPY's text format, from its bytes (digits parsed here; anything else through Number). */
function numberAt(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === 45; // "-"
  if (negative) i++;
  if (i === end || end - i > 15) return Number(buf.toString("latin1", start, end));
  let n = 0;
  for (; i < end; i++) {
    const digit = buf[i] - 48;
    if (digit < 0 || digit > 9) return Number(buf.toString("latin1", start, end));
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

/**
 * Rows are cut from the stream's bytes and each text field decoded from its own bytes: a
 * value kept by the caller (a customer key per customer) then holds only itself. Decoding a
 * whole chunk and splitting it made every field a slice of the chunk's text, so each key kept
 * its chunk alive: a 1M-order shop's recompute held ~100 MB of COPY text to the end.
 * A tab or newline byte never occurs inside a multi-byte UTF-8 character, so cutting on
 * bytes is safe; COPY escapes both inside values.
 */
async function copyRows(db: PostgresDb, sql: string, params: unknown[], columns: readonly ScanKind[], each: (row: unknown[]) => void): Promise<void> {
  const { text, positional } = translate(sql);
  if (params.length !== positional) throw new Error(`SQL expects ${positional} parameters, got ${params.length}`);
  const inlined = text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
  const row: unknown[] = new Array(columns.length);
  const parse = (buf: Buffer, start: number, end: number) => {
    let at = start;
    for (let i = 0; i < columns.length; i++) {
      let stop = buf.indexOf(9, at); // tab
      if (stop < 0 || stop > end) stop = end;
      if (stop - at === 2 && buf[at] === 92 && buf[at + 1] === 78) row[i] = null; // \N
      else {
        const kind = columns[i];
        if (kind === "number") row[i] = numberAt(buf, at, stop);
        else if (kind === "text") row[i] = unescape(buf.toString("utf8", at, stop));
        // Interned from the bytes unless COPY escaped something in them.
        else if (!holdsByte(buf, 92, at, stop)) row[i] = kind.fromBytes(buf, at, stop);
        else row[i] = kind.fromString(unescape(buf.toString("utf8", at, stop)));
      }
      at = stop + 1;
    }
    each(row);
  };
  await db.withClient(async (client) => {
    const stream = client.query(copyTo(`COPY (${inlined}) TO STDOUT`));
    // A chunk may end inside a row: its bytes wait for the next chunk.
    let rest: Buffer | null = null;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = rest === null ? chunk : Buffer.concat([rest, chunk]);
      let start = 0;
      for (let newline = buf.indexOf(10, start); newline >= 0; newline = buf.indexOf(10, start)) {
        parse(buf, start, newline);
        start = newline + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : null;
    }
    if (rest !== null) parse(rest, 0, rest.length);
  });
}
