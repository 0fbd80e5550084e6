import type { Db } from "~/db/index.server";

/** The statements `fn` runs through `db` (get/all), with their params, as an EXPLAIN of each needs them. */
export async function recordStatements(db: Db, fn: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const seen: { sql: string; params: unknown[] }[] = [];
  const prepare = db.prepare;
  const spy = (sql: string, statement: ReturnType<Db["prepare"]>): ReturnType<Db["prepare"]> =>
    new Proxy(statement, {
      get(target, name) {
        if (name === "pluck") return () => spy(sql, target.pluck());
        if (name === "get" || name === "all") return (...params: unknown[]) => (seen.push({ sql, params }), target[name](...params));
        return Reflect.get(target, name);
      },
    });
  db.prepare = ((sql: string) => spy(sql, prepare.call(db, sql))) as Db["prepare"];
  try {
    await fn();
  } finally {
    db.prepare = prepare;
  }
  return seen;
}
