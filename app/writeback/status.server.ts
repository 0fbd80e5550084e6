/**
 * What the pages say about write-back beyond per-customer failures: problems the last
 * finished run recorded (e.g. the store defines one of our fields with another type), and
 * whether a persona's label and segment are in the store now.
 */
import type { WriterCapabilities } from "~/platforms/types";
import type { Db } from "~/db/index.server";
import { writebackGate } from "./consent.server";

/** The last finished write-back run's problem or error, or null when it went cleanly. */
export async function writebackProblem(db: Db, shopId: string): Promise<string | null> {
  const row = (await db
    .prepare(`SELECT error FROM "WritebackRun" WHERE shopId = ? AND status != 'running' ORDER BY id DESC LIMIT 1`)
    .get(shopId)) as { error: string | null } | undefined;
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

/** The labels (`tags`) of a Customer.written document, one row each, as `t.value`. */
function writtenLabels(db: Db, column: string): string {
  return db.dialect === "postgres" ? `jsonb_array_elements_text((${column})::jsonb -> 'tags') AS t(value)` : `json_each(${column}, '$.tags') t`;
}

export async function personaInStore(
  db: Db,
  shopId: string,
  slug: string,
  label: string,
  carries: Pick<WriterCapabilities, "segments">,
): Promise<PersonaInStore> {
  // Customer.written keeps labels under `tags` (its first version's name; see state.ts).
  const customersLabelled = (await db
    .prepare(
      `SELECT count(*) FROM "Customer" c WHERE c.shopId = ? AND c.persona = ? AND c.written IS NOT NULL
         AND EXISTS (SELECT 1 FROM ${writtenLabels(db, "c.written")} WHERE lower(t.value) = lower(?))`,
    )
    .pluck()
    .get(shopId, slug, label)) as number;
  const segment = carries.segments && !!(await db.prepare(`SELECT 1 FROM "PersonaSegment" WHERE shopId = ? AND persona = ?`).get(shopId, slug));
  return { customersLabelled, segments: carries.segments, segment, writing: (await writebackGate(db, shopId)).allowed };
}
