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
 */
import type { Db } from "~/db/index.server";
import { traced } from "./write-trace.server";

/** Changed customers from which one rebuild is cheaper than a trigger per row. */
export const TOTALS_REBUILD_FROM = 5_000;

const COLUMNS = `"shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes"`;

/** The same sums the triggers keep, over the shop's customers (time columns differ by engine). */
function rebuildSql(db: Db): string {
  const [day, both, lifetime] =
    db.dialect === "postgres"
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
  return `INSERT INTO "CustomerTotal" (${COLUMNS})
    SELECT "shopId", coalesce("persona", ''), coalesce("r", 0), coalesce("f", 0), coalesce("m", 0), ${day},
      count(*), sum(CASE WHEN "guest" THEN 1 ELSE 0 END), sum(CASE WHEN "writeStatus" = 'failed' THEN 1 ELSE 0 END), sum("frequency"), sum("monetaryMinor"),
      sum(CASE WHEN ${both} THEN ${lifetime} ELSE 0 END), sum(CASE WHEN ${both} THEN 1 ELSE 0 END)
    FROM "Customer" WHERE "shopId" = ? GROUP BY 1, 2, 3, 4, 5, 6`;
}

/** Whether the shop's totals are paused (a recompute is writing, or one stopped before its rebuild). */
export async function totalsPaused(db: Db, shopId: string): Promise<boolean> {
  return Boolean(await db.prepare(`SELECT "totalsPaused" FROM "SyncState" WHERE "shopId" = ?`).pluck().get(shopId));
}

export async function pauseTotals(db: Db, shopId: string): Promise<void> {
  await db.transaction(traced("pause totals", async () => {
    await db.prepare(`UPDATE "SyncState" SET "totalsPaused" = TRUE WHERE "shopId" = ?`).run(shopId);
  }));
}

/** Customers a fill statement covers: one FTS5 segment each, and a hold of the lock short enough for a webhook to wait out. */
const SEARCH_FILL_CHUNK = 2_000;

/**
 * SQLite: search text for the shop's customers that have none (those inserted while paused),
 * a chunk of keys per statement and transaction, `between` them (a scoring thread lets the
 * process's waiting writers in). Idempotent: an interrupted fill is finished by the next
 * recompute, which finds the shop still paused.
 */
export async function fillSearchText(db: Db, shopId: string, between: () => void = () => {}): Promise<number> {
  const boundary = db.prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ? AND customerKey > ? ORDER BY customerKey LIMIT 1 OFFSET ${SEARCH_FILL_CHUNK - 1}`).pluck();
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
  for (;;) {
    const upTo = ((await boundary.get(shopId, after)) as string | undefined) ?? null;
    await db.transaction(traced("search fill chunk", async () => {
      filled += (upTo === null ? await fillRest.run(shopId, after) : await fillUpTo.run(shopId, after, upTo)).changes;
    }));
    if (upTo === null) return filled;
    after = upTo;
    between();
  }
}

/** The shop's totals from its customers, and the triggers on again, in one transaction. */
export async function rebuildTotals(db: Db, shopId: string): Promise<void> {
  await db.transaction(traced("totals rebuild", async () => {
    await db.prepare(`DELETE FROM "CustomerTotal" WHERE "shopId" = ?`).run(shopId);
    await db.prepare(rebuildSql(db)).run(shopId);
    await db.prepare(`UPDATE "SyncState" SET "totalsPaused" = FALSE WHERE "shopId" = ?`).run(shopId);
  }));
}
