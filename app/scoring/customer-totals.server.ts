/**
 * A recompute that writes many customers pauses the CustomerTotal triggers for its shop and
 * rebuilds the shop's totals with one GROUP BY when its writes are in: a trigger costs two
 * upserts per customer row, which multiplied a first recompute's writes (docs/decisions/025).
 * Small writes (a few changed customers, write-back outcomes, redaction) keep the triggers.
 *
 * On SQLite the same pause holds back a new customer's search text (decision 043): the text's
 * trigger writes the FTS5 index, and FTS5 writes its pending rows to disk at every statement
 * savepoint, so a trigger per customer wrote one index segment per customer (a quarter of a
 * first recompute's CPU). The paused shop's missing texts are filled in by a few set-based
 * statements before the totals rebuild turns the triggers back on.
 *
 * On SQLite the rebuild's GROUP BY reads the shop's customers outside the write lock
 * (decision 045): one statement over a million-order shop's customers held the lock for
 * 0.3–1.3 s, and every webhook of every other shop waited that long.
 */
import Database from "better-sqlite3";
import { isSqlite, type Db } from "~/db/index.server";
import { DAY_MS } from "~/rfm";
import { letWaitersIn, waitsStarted } from "~/db/lock-waiters.server";
import { DEFAULT_SLICES, slicedWriter, YIELD_MAX_MS, type WriteSlices } from "./sliced-writes.server";
import { traced } from "./write-trace.server";

/** Changed customers from which one rebuild is cheaper than a trigger per row. */
export const TOTALS_REBUILD_FROM = 5_000;

const GROUP = [`"persona"`, `"r"`, `"f"`, `"m"`, `"lastOrderDay"`];
const SUMS = [`"customers"`, `"guests"`, `"failedWrites"`, `"orders"`, `"monetaryMinor"`, `"lifetimeMs"`, `"lifetimes"`];
const COLUMNS = [`"shopId"`, ...GROUP, ...SUMS].join(", ");

/** The same sums the triggers keep, over the shop's customers (time columns differ by engine). */
function rebuildSql(db: Db): string {
  return `INSERT INTO "CustomerTotal" (${COLUMNS}) ${groupBySql(db.dialect)}`;
}

/** The shop's totals as (shopId, the group's columns, its sums) rows. */
function groupBySql(dialect: Db["dialect"]): string {
  const [day, both, lifetime] =
    dialect === "postgres"
      ? [
          `CASE WHEN "lastOrderAt" IS NULL THEN -1 ELSE floor(extract(epoch from "lastOrderAt") / 86400)::integer END`,
          `"lastOrderAt" IS NOT NULL AND "firstOrderAt" IS NOT NULL`,
          `(floor(extract(epoch from "lastOrderAt") * 1000) - floor(extract(epoch from "firstOrderAt") * 1000))::bigint`,
        ]
      : [
          `CASE WHEN typeof("lastOrderAt") = 'integer' THEN "lastOrderAt" / 86400000 ELSE -1 END`,
          `typeof("lastOrderAt") = 'integer' AND typeof("firstOrderAt") = 'integer'`,
          `"lastOrderAt" - "firstOrderAt"`,
        ];
  return `SELECT "shopId", coalesce("persona", ''), coalesce("r", 0), coalesce("f", 0), coalesce("m", 0), ${day},
      count(*), sum(CASE WHEN "guest" THEN 1 ELSE 0 END), sum(CASE WHEN "writeStatus" = 'failed' THEN 1 ELSE 0 END), sum("frequency"), sum("monetaryMinor"),
      sum(CASE WHEN ${both} THEN ${lifetime} ELSE 0 END), sum(CASE WHEN ${both} THEN 1 ELSE 0 END)
    FROM "Customer" WHERE "shopId" = ? GROUP BY 1, 2, 3, 4, 5, 6`;
}

/** Days around 1970 a group's key can hold (±5,700 years), and its offset into them. */
const DAY_SPAN = 2 ** 22;
const DAY_OFFSET = 2 ** 21;

/**
 * The shop's totals folded from its customer rows as they will be stored, with the groups and
 * sums of the GROUP BY above, so that a recompute can publish them before it writes the rows
 * (decision 070). `add` takes a row's values positionally: no object per customer.
 */
export class TotalsFold {
  private readonly personaIndex = new Map<string, number>();
  private readonly slugs: string[] = [];
  /** Per group: [customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes]. */
  private readonly sums = new Map<number, number[]>();

  /** One customer row: persona null without one, r/f/m 0 without scores, times as epoch ms or null. */
  add(persona: string | null, r: number, f: number, m: number, firstOrderMs: number | null, lastOrderMs: number | null,
    guest: boolean, failedWrite: boolean, orders: number, monetaryMinor: number): void {
    const slug = persona ?? "";
    let p = this.personaIndex.get(slug);
    if (p === undefined) {
      p = this.slugs.length;
      this.slugs.push(slug);
      this.personaIndex.set(slug, p);
    }
    const day = lastOrderMs === null ? -1 : Math.floor(lastOrderMs / DAY_MS);
    // Scores are 0–5: three bits each; the key stays a safe integer for any persona count a shop has.
    const key = (((p * 8 + r) * 8 + f) * 8 + m) * DAY_SPAN + day + DAY_OFFSET;
    let sums = this.sums.get(key);
    if (sums === undefined) this.sums.set(key, (sums = [0, 0, 0, 0, 0, 0, 0]));
    sums[0]++;
    if (guest) sums[1]++;
    if (failedWrite) sums[2]++;
    sums[3] += orders;
    sums[4] += monetaryMinor;
    if (firstOrderMs !== null && lastOrderMs !== null) {
      sums[5] += lastOrderMs - firstOrderMs;
      sums[6]++;
    }
  }

  /** The groups as rows of (persona, r, f, m, lastOrderDay, …the sums), in no set order. */
  *rows(): Generator<[string, number, number, number, number, ...number[]]> {
    for (const [key, sums] of this.sums) {
      const day = (key % DAY_SPAN) - DAY_OFFSET;
      let rest = Math.floor(key / DAY_SPAN);
      const m = rest % 8;
      rest = Math.floor(rest / 8);
      const f = rest % 8;
      rest = Math.floor(rest / 8);
      yield [this.slugs[Math.floor(rest / 8)], rest % 8, f, m, day, ...sums];
    }
  }
}

/**
 * The shop's totals replaced by a fold's, in the caller's transaction. Only while the shop's
 * totals are paused: a trigger would otherwise add a write on top of rows that already count it.
 */
export async function replaceTotals(db: Db, shopId: string, fold: TotalsFold): Promise<number> {
  await db.prepare(`DELETE FROM "CustomerTotal" WHERE "shopId" = ?`).run(shopId);
  const rows = [...fold.rows()];
  if (isSqlite(db)) {
    await db.withNative((native) => {
      const insert = native.prepare(`INSERT INTO "CustomerTotal" (${COLUMNS}) VALUES (${COLUMNS.split(",").map(() => "?").join(", ")})`);
      for (const row of rows) insert.run(shopId, ...row);
    });
  } else {
    const column = (i: number) => rows.map((row) => row[i]);
    await db
      .prepare(
        `INSERT INTO "CustomerTotal" (${COLUMNS})
         SELECT ?::text, * FROM unnest(?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[], ?::bigint[], ?::bigint[], ?::bigint[], ?::int[])`,
      )
      .run(shopId, ...Array.from({ length: GROUP.length + SUMS.length }, (_, i) => column(i)));
  }
  return rows.length;
}

/** Whether the shop's totals await a rebuild: paused (a recompute is writing, or one stopped before its rebuild), or being corrected. */
export async function totalsRebuildPending(db: Db, shopId: string): Promise<boolean> {
  return Boolean(
    await db.prepare(`SELECT "totalsPaused" OR "totalsRebuilding" FROM "SyncState" WHERE "shopId" = ?`).pluck().get(shopId),
  );
}

/** Whether the shop's totals are paused (a recompute is writing, or one stopped before its rebuild). */
export async function totalsPaused(db: Db, shopId: string): Promise<boolean> {
  return Boolean(await db.prepare(`SELECT "totalsPaused" FROM "SyncState" WHERE "shopId" = ?`).pluck().get(shopId));
}

/**
 * PostgreSQL, inside a write transaction that holds only a paused shop's customers: their rows
 * skip the totals triggers without running their function (its pause check costs a call and a
 * lookup per row). Transaction-local, so it ends with the transaction and never reaches the
 * pooled connection's next user (migration 20261202230000_customer_totals_held_by_the_writer).
 */
export async function holdTotalsInThisTransaction(db: Db): Promise<void> {
  await db.prepare(`SELECT set_config('rfm.customer_totals_held', 'on', true)`).get();
}

export async function pauseTotals(db: Db, shopId: string): Promise<void> {
  await db.transaction(traced("pause totals", async () => {
    await db.prepare(`UPDATE "SyncState" SET "totalsPaused" = TRUE WHERE "shopId" = ?`).run(shopId);
  }));
}

/**
 * Customers a fill statement covers: one FTS5 segment each, so the fewer statements the better
 * while nobody waits for the lock. After a chunk during which a writer of the process started
 * waiting the next is half as large (down to the least); once no writer has started waiting for
 * QUIET_MS, each next one is twice as large again. So webhooks arriving steadily meet short statements.
 */
const SEARCH_FILL_CHUNK = 2_000;
const SEARCH_FILL_CHUNK_LEAST = 250;
const QUIET_MS = 100;

/**
 * Search text for the shop's customers that have none (those inserted while paused). SQLite:
 * a chunk of keys per statement and transaction; with `yieldTo` (a scoring thread) the
 * process's waiting writers go first between chunks, and chunks shrink while they keep coming.
 * Idempotent: an interrupted fill is finished by the next recompute, which finds the shop
 * still paused. PostgreSQL: fillSearchTextPostgres.
 */
export async function fillSearchText(db: Db, shopId: string, { yieldTo }: Pick<WriteSlices, "yieldTo"> = {}): Promise<number> {
  if (!isSqlite(db)) return fillSearchTextPostgres(db, shopId);
  const boundary = db.prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ? AND customerKey > ? ORDER BY customerKey LIMIT 1 OFFSET ?`).pluck();
  // The same row as the Customer insert trigger writes (migration 20261130232000_customer_search).
  // Two statements, not `(? IS NULL OR key <= ?)`: SQLite seeks a key range only when both
  // bounds are plain, and an open upper bound would read every later customer per chunk.
  const fillSql = (upper: string) => `
    INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "email", "contactEmail", "name")
    SELECT c."shopId", c."customerKey", c."email", k."email", k."name"
    FROM "Customer" c LEFT JOIN "CustomerContact" k ON k."shopId" = c."shopId" AND k."customerKey" = c."customerKey"
    WHERE c."shopId" = ? AND c."customerKey" > ? ${upper}
      AND NOT EXISTS (SELECT 1 FROM "CustomerSearchText" t WHERE t."shopId" = c."shopId" AND t."customerKey" = c."customerKey")`;
  const fillUpTo = db.prepare(fillSql(`AND c."customerKey" <= ?`));
  const fillRest = db.prepare(fillSql(""));
  let after = "";
  let filled = 0;
  let chunk = SEARCH_FILL_CHUNK;
  let waits = yieldTo ? waitsStarted(yieldTo) : 0;
  let lastWait = -Infinity;
  for (;;) {
    const upTo = ((await boundary.get(shopId, after, chunk - 1)) as string | undefined) ?? null;
    await db.transaction(traced("search fill chunk", async () => {
      filled += (upTo === null ? await fillRest.run(shopId, after) : await fillUpTo.run(shopId, after, upTo)).changes;
    }));
    if (upTo === null) return filled;
    after = upTo;
    if (yieldTo) {
      const started = waitsStarted(yieldTo);
      if (started !== waits) {
        chunk = Math.max(SEARCH_FILL_CHUNK_LEAST, chunk >> 1);
        lastWait = performance.now();
      } else if (performance.now() - lastWait >= QUIET_MS) chunk = Math.min(SEARCH_FILL_CHUNK, chunk * 2);
      waits = started;
      letWaitersIn(yieldTo, YIELD_MAX_MS);
    }
  }
}

/**
 * PostgreSQL: the same rows as the Customer insert trigger writes (migration
 * 20261201071000_customer_search_text), for the customers inserted while the shop was paused,
 * in one statement: no FTS5 index here, so nothing grows per statement. In key order (the
 * table's primary key): sorted by their text instead, the same fill took 1.58 s, not 1.49 s,
 * for 338k customers.
 */
async function fillSearchTextPostgres(db: Db, shopId: string): Promise<number> {
  const fill = db.prepare(
    `INSERT INTO "CustomerSearchText" ("shopId", "customerKey", "lowered")
     SELECT c."shopId", c."customerKey", "customer_search_lowered"(c."customerKey", c."email", k."email", k."name")
     FROM "Customer" c LEFT JOIN "CustomerContact" k ON k."shopId" = c."shopId" AND k."customerKey" = c."customerKey"
     WHERE c."shopId" = ? AND NOT EXISTS (SELECT 1 FROM "CustomerSearchText" t WHERE t."shopId" = c."shopId" AND t."customerKey" = c."customerKey")
     ORDER BY c."customerKey"
     ON CONFLICT ("shopId", "customerKey") DO NOTHING`,
  );
  return db.transaction(traced("search fill", async () => (await fill.run(shopId)).changes));
}

/**
 * The shop's totals from its customers, and the triggers on again. PostgreSQL, and SQLite in
 * memory (no second connection can see it): in one transaction. A SQLite file: see
 * rebuildBesideWriters.
 */
export async function rebuildTotals(db: Db, shopId: string, slices: WriteSlices = DEFAULT_SLICES): Promise<void> {
  if (isSqlite(db)) {
    const done = await db.withNative((native) => {
      if (native.memory) return false;
      rebuildBesideWriters(native, shopId, slices);
      return true;
    });
    if (done) return;
  }
  await db.transaction(traced("totals rebuild", async () => {
    await db.prepare(`DELETE FROM "CustomerTotal" WHERE "shopId" = ?`).run(shopId);
    await db.prepare(rebuildSql(db)).run(shopId);
    await db.prepare(`UPDATE "SyncState" SET "totalsPaused" = FALSE, "totalsRebuilding" = FALSE WHERE "shopId" = ?`).run(shopId);
  }));
}

/**
 * SQLite: the rebuild without holding the write lock for the GROUP BY.
 * 1. Under the lock, briefly: read what the totals hold now (stale), turn the triggers on
 *    (totalsPaused off) with `totalsRebuilding` set, and open a read snapshot on a second
 *    connection before committing — nobody can commit in between, so the snapshot is the
 *    customers exactly as they were when the triggers came back on.
 * 2. Without the lock: the GROUP BY over that snapshot. Writers meanwhile add their changes to
 *    the totals through the triggers, on top of the stale rows.
 * 3. Sliced, yielding to waiting writers: add (snapshot − stale) to every group. The totals
 *    then hold snapshot + every change since = a fresh GROUP BY. Last, with the rows exact, the
 *    empty ones go and `totalsRebuilding` is cleared.
 * While it is set the triggers keep rows that reach zero customers (their other sums may not be
 * zero until the correction is in). A recompute interrupted after step 1 leaves it set, and the
 * next one runs all three steps again, taking whatever the totals then hold as stale.
 */
function rebuildBesideWriters(native: Database.Database, shopId: string, slices: WriteSlices): void {
  const reader = new Database(native.name, { fileMustExist: true });
  try {
    // The GROUP BY sorts every customer of the shop: in a temp file (the OS's page cache), not
    // in the thread's memory, where a 1M-order shop's sort added ~40 MB at the recompute's peak.
    reader.pragma("temp_store = FILE");
    // One pass over the shop's customers reads each page once: better-sqlite3's default 16 MB
    // cache would only hold them, and it filled at the first recompute's peak of RSS.
    reader.pragma("cache_size = -2048");
    reader.defaultSafeIntegers(true);
    type Row = [shopId: string, persona: string, ...rest: bigint[]];
    const key = (row: Row) => row.slice(1, 1 + GROUP.length).join("\u0000");
    let stale: Row[] = [];
    native.transaction(
      traced("totals rebuild: triggers on", () => {
        stale = native
          .prepare(`SELECT ${COLUMNS} FROM "CustomerTotal" WHERE "shopId" = ?`)
          .safeIntegers(true)
          .raw()
          .all(shopId) as Row[];
        native.prepare(`UPDATE "SyncState" SET "totalsPaused" = FALSE, "totalsRebuilding" = TRUE WHERE "shopId" = ?`).run(shopId);
        reader.exec("BEGIN");
        reader.prepare(`SELECT 1 FROM "Customer" LIMIT 1`).get();
      }),
    ).immediate();
    const fresh = reader.prepare(groupBySql("sqlite")).raw().all(shopId) as Row[];
    reader.exec("COMMIT");

    // Per group: the snapshot's sums minus what the rows held when the triggers came back on.
    const correction = new Map<string, Row>();
    for (const row of fresh) correction.set(key(row), row);
    for (const row of stale) {
      const k = key(row);
      const into = correction.get(k) ?? ([...row.slice(0, 1 + GROUP.length), ...SUMS.map(() => 0n)] as Row);
      for (let s = 1 + GROUP.length; s < row.length; s++) into[s] = (into[s] as bigint) - (row[s] as bigint);
      correction.set(k, into);
    }
    const changes = [...correction.values()].filter((row) => row.slice(1 + GROUP.length).some((v) => v !== 0n));
    const add = native.prepare(
      `INSERT INTO "CustomerTotal" (${COLUMNS}) VALUES (${COLUMNS.split(",").map(() => "?").join(", ")})
       ON CONFLICT ("shopId", ${GROUP.join(", ")}) DO UPDATE SET ${SUMS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`,
    );
    const sliced = slicedWriter(native, slices);
    sliced.write("totals rebuild: correction", changes.length, (i) => add.run(...changes[i]));
    if (changes.length > 0) sliced.between();
    native.transaction(
      traced("totals rebuild: done", () => {
        native.prepare(`DELETE FROM "CustomerTotal" WHERE "shopId" = ? AND "customers" = 0`).run(shopId);
        native.prepare(`UPDATE "SyncState" SET "totalsRebuilding" = FALSE WHERE "shopId" = ?`).run(shopId);
      }),
    ).immediate();
  } finally {
    reader.close();
  }
}
