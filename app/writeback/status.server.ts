/**
 * What the pages say about write-back beyond per-customer failures: problems the last
 * finished run recorded (e.g. the store defines one of our fields with another type), and
 * whether a persona's label and segment are in the store now.
 */
import type { WriterCapabilities } from "~/platforms/types";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import { writebackGate } from "./consent.server";

/** The last finished write-back run's problem or error, or null when it went cleanly. */
export function writebackProblem(db: SqliteDatabase, shopId: string): string | null {
  const row = db
    .prepare(`SELECT error FROM "WritebackRun" WHERE shopId = ? AND status != 'running' ORDER BY id DESC LIMIT 1`)
    .get(shopId) as { error: string | null } | undefined;
  return row?.error ?? null;
}

/** Whether a persona's label and segment are in the store now, from what write-back recorded. */
export interface PersonaInStore {
  /** Members of the persona whose label we wrote (and have not removed). */
  customersLabelled: number;
  /** The store keeps saved segments at all. */
  segments: boolean;
  /** Its saved segment exists (created or adopted, not removed). */
  segment: boolean;
  /** Write-back is approved and on; when false, nothing more reaches the store. */
  writing: boolean;
}

export function personaInStore(
  db: SqliteDatabase,
  shopId: string,
  slug: string,
  label: string,
  carries: Pick<WriterCapabilities, "segments">,
): PersonaInStore {
  // Customer.written keeps labels under `tags` (its first version's name; see state.ts).
  const customersLabelled = db
    .prepare(
      `SELECT count(*) FROM "Customer" c WHERE c.shopId = ? AND c.persona = ? AND c.written IS NOT NULL
         AND EXISTS (SELECT 1 FROM json_each(c.written, '$.tags') t WHERE lower(t.value) = lower(?))`,
    )
    .pluck()
    .get(shopId, slug, label) as number;
  const segment = carries.segments && !!db.prepare(`SELECT 1 FROM "PersonaSegment" WHERE shopId = ? AND persona = ?`).get(shopId, slug);
  return { customersLabelled, segments: carries.segments, segment, writing: writebackGate(db, shopId).allowed };
}
