/**
 * The marks of customers whose orders changed since the shop was last scored ("ScoringDirty",
 * written by the order store with each order change, decision 050) and the scoring generation, as a full recompute takes and
 * clears them. See app/scoring/incremental.server.ts and docs/decisions/047.
 */
import type { Db } from "~/db/index.server";

/**
 * A full recompute begins: bumps the generation (a state built before is stale from here, in
 * any process) and claims the shop's marks — every change they stand for is committed, so the
 * read that follows sees it; a change after this sets its mark back to unclaimed. Returns the
 * new generation (null for a shop without a sync state).
 */
export async function takeMarksForFullScoring(db: Db, shopId: string): Promise<number | null> {
  return db.transaction(async () => {
    const generation = (await db
      .prepare(`UPDATE "SyncState" SET scoringGeneration = scoringGeneration + 1 WHERE shopId = ? RETURNING scoringGeneration`)
      .pluck()
      .get(shopId)) as number | undefined;
    await db.prepare(`UPDATE "ScoringDirty" SET claimed = TRUE WHERE shopId = ? AND claimed = FALSE`).run(shopId);
    return generation ?? null;
  });
}

/** Deletes the marks a recompute claimed (inside its last write transaction). */
export async function clearTakenMarks(db: Db, shopId: string): Promise<void> {
  await db.prepare(`DELETE FROM "ScoringDirty" WHERE shopId = ? AND claimed = TRUE`).run(shopId);
}

/** Generations whose changed customers are kept (ScoringChange): how far behind a state may catch up. */
export const KEPT_GENERATIONS = 64;
/** A generation that changed more customers than this is not listed: a state behind it runs in full. */
export const MAX_LOGGED_CUSTOMERS = 10_000;
/** The row every listed generation has: its changes are all there (a generation without it cannot be caught up). */
const COMPLETE = "";

/**
 * Lists, inside the scoring's last write transaction, the customers `generation` changed: those
 * whose marks it took (their orders changed) and those whose rows it wrote. A scoring state in
 * another process, built before, catches up by re-reading just them (their orders, and their rows
 * to compare with). Generations past the kept window go.
 */
export async function logScoringChanges(db: Db, shopId: string, generation: number, written: readonly string[]): Promise<void> {
  await db.prepare(`DELETE FROM "ScoringChange" WHERE shopId = ? AND generation <= ?`).run(shopId, generation - KEPT_GENERATIONS);
  if (written.length > MAX_LOGGED_CUSTOMERS) return;
  const marks = (await db.prepare(`SELECT count(*) FROM "ScoringDirty" WHERE shopId = ? AND claimed = TRUE`).pluck().get(shopId)) as number | bigint;
  if (Number(marks) > MAX_LOGGED_CUSTOMERS) return;
  const insert = `INSERT INTO "ScoringChange" (shopId, generation, customerKey)`;
  const conflict = `ON CONFLICT (shopId, generation, customerKey) DO NOTHING`;
  await db.prepare(`${insert} SELECT shopId, CAST(? AS INTEGER), customerKey FROM "ScoringDirty" WHERE shopId = ? AND claimed = TRUE ${conflict}`).run(generation, shopId);
  if (written.length > 0) {
    if (db.dialect === "sqlite") await db.prepare(`${insert} SELECT ?, ?, value FROM json_each(?) WHERE true ${conflict}`).run(shopId, generation, JSON.stringify(written));
    else await db.prepare(`${insert} SELECT ?, ?, unnest(?::text[]) ${conflict}`).run(shopId, generation, written);
  }
  await db.prepare(`${insert} VALUES (?, ?, ?) ${conflict}`).run(shopId, generation, COMPLETE);
}

/**
 * The customers changed by the generations after `since` up to `until`, or null when that
 * cannot be told: a generation missing from the list (past the window, too large, or a bump
 * that listed nothing, such as a customer's erasure).
 */
export async function changedSince(db: Db, shopId: string, since: number, until: number): Promise<string[] | null> {
  if (until <= since || until - since > KEPT_GENERATIONS) return null;
  const rows = (await db
    .prepare(`SELECT customerKey FROM "ScoringChange" WHERE shopId = ? AND generation > ? AND generation <= ?`)
    .pluck()
    .all(shopId, since, until)) as string[];
  let complete = 0;
  const keys = new Set<string>();
  for (const key of rows) {
    if (key === COMPLETE) complete++;
    else keys.add(key);
  }
  return complete === until - since ? [...keys] : null;
}
