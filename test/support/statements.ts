import type { Db, SqliteDb } from "~/db/index.server";

type Seen = { sql: string; params: unknown[] }[];

/** `statement`, recording each get/all with its params (through pluck() too). */
function spy<S extends { pluck(): S; get(...p: unknown[]): unknown; all(...p: unknown[]): unknown }>(seen: Seen, sql: string, statement: S): S {
  return new Proxy(statement, {
    get(target, name) {
      if (name === "pluck") return () => spy(seen, sql, target.pluck());
      if (name === "get" || name === "all") return (...params: unknown[]) => (seen.push({ sql, params }), target[name](...params));
      return Reflect.get(target, name);
    },
  });
}

/**
 * The statements `fn` runs through `db` (get/all), with their params, as an EXPLAIN of each
 * needs them; on SQLite also those it runs on the mapped reader (SqliteDb.withMappedReads).
 */
export async function recordStatements(db: Db, fn: () => Promise<unknown>): Promise<Seen> {
  const seen: Seen = [];
  const prepare = db.prepare;
  db.prepare = ((sql: string) => spy(seen, sql, prepare.call(db, sql))) as Db["prepare"];
  const sqlite = db.dialect === "sqlite" ? (db as SqliteDb) : null;
  const withMappedReads = sqlite?.withMappedReads;
  if (sqlite && withMappedReads) {
    sqlite.withMappedReads = ((read: (reader: unknown) => unknown) =>
      withMappedReads.call(sqlite, (reader) =>
        read(
          new Proxy(reader, {
            get(target, name) {
              if (name === "prepare") return (sql: string) => spy(seen, sql, target.prepare(sql));
              return Reflect.get(target, name);
            },
          }),
        ),
      )) as SqliteDb["withMappedReads"];
  }
  try {
    await fn();
  } finally {
    db.prepare = prepare;
    if (sqlite && withMappedReads) sqlite.withMappedReads = withMappedReads;
  }
  return seen;
}
