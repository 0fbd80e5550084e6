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
