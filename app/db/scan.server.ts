/**
 * Reading many rows without holding them: every row of a statement as an array of values,
 * handed to a synchronous callback. On SQLite the statement runs on the connection without
 * an await per row (withNative: the raw driver's speed). On PostgreSQL, given the columns'
 * kinds, `COPY (SELECT …) TO STDOUT` streams the rows as text, parsed here — about twice as
 * fast as a cursor on the bench shop; without kinds, the seam's cursor (`raw().iterate`).
 * For scans of a whole shop (recompute reads); see docs/decisions/033-recompute-on-postgresql.md.
 */
import { StringDecoder } from "node:string_decoder";
import { to as copyTo } from "pg-copy-streams";
import { isSqlite, type Db } from "./index.server";
import { translate, type PostgresDb } from "./postgres.server";

/** How a column of a scan reads: text or a number (or null). Select times as db.sql.epochMs(col). */
export type ScanColumn = "text" | "number";

export async function scanRows(db: Db, sql: string, params: unknown[], each: (row: unknown[]) => void, columns?: readonly ScanColumn[]): Promise<void> {
  if (isSqlite(db)) {
    await db.withNative((native) => {
      for (const r of native.prepare(sql).raw().iterate(...params) as IterableIterator<unknown[]>) each(r);
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

async function copyRows(db: PostgresDb, sql: string, params: unknown[], columns: readonly ScanColumn[], each: (row: unknown[]) => void): Promise<void> {
  const { text, positional } = translate(sql);
  if (params.length !== positional) throw new Error(`SQL expects ${positional} parameters, got ${params.length}`);
  const inlined = text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
  const row: unknown[] = new Array(columns.length);
  const parse = (line: string) => {
    const fields = line.split("\t");
    for (let i = 0; i < columns.length; i++) {
      const f = fields[i];
      if (f === "\\N") row[i] = null;
      else if (columns[i] === "number") row[i] = Number(f);
      else row[i] = unescape(f);
    }
    each(row);
  };
  await db.withClient(async (client) => {
    const stream = client.query(copyTo(`COPY (${inlined}) TO STDOUT`));
    // A chunk may end inside a character: the decoder keeps the partial bytes for the next.
    const decoder = new StringDecoder("utf8");
    let rest = "";
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lines = (rest + decoder.write(chunk)).split("\n");
      rest = lines.pop()!;
      for (const line of lines) parse(line);
    }
    rest += decoder.end();
    if (rest !== "") parse(rest);
  });
}
