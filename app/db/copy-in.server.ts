/**
 * Writing many rows into PostgreSQL: `COPY … FROM STDIN` in its text format, PostgreSQL's
 * fastest way in. The rows are an iterable read as the stream asks for more, a few hundred at
 * a time, so a large write (a backfill batch, a first recompute's customers) never holds its
 * rows as one text or as arrays per column: each piece dies young (decision 063).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { storableText } from "./postgres.server";

export type CopyValue = string | number | boolean | null;

/** Rows per piece the stream pushes: ~40 KB of text, below V8's large-object size. */
const ROWS_PER_PIECE = 500;

/** A value in COPY's text format: \N for null, backslash escapes for the separators. */
function copyText(v: CopyValue): string {
  if (v === null) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "number") return String(v);
  return storableText(v).replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** Streams `rows` through `copySql` (`COPY table FROM STDIN`) on the client. */
export async function copyIn(client: pg.PoolClient, copySql: string, rows: Iterable<readonly CopyValue[]>): Promise<void> {
  const next = rows[Symbol.iterator]();
  const source = new Readable({
    read() {
      let piece = "";
      for (let n = 0; n < ROWS_PER_PIECE; n++) {
        const r = next.next();
        if (r.done) break;
        piece += r.value.map(copyText).join("\t") + "\n";
      }
      this.push(piece.length > 0 ? piece : null);
    },
  });
  await pipeline(source, client.query(copyFrom(copySql)));
}

/** `items.map(row)`, each row made only when COPY asks for it. */
export function* mapped<T>(items: readonly T[], row: (item: T, index: number) => readonly CopyValue[]): Generator<readonly CopyValue[]> {
  for (let i = 0; i < items.length; i++) yield row(items[i], i);
}
