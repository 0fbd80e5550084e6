/**
 * bulk_operations/finish: Shopify says a bulk operation of this app ended. We only care
 * about our own current backfill export: then the backfill job runs now instead of at its
 * next poll. Every other finish — a previous export we gave up on, a bulk mutation of the
 * write-back (which polls its own operations inside its job), another app's operation on
 * a shared test store — is ignored: it must never start a new export.
 *
 * Database work only: it runs inside the webhook's transaction, so the wake-up commits
 * together with the dedupe record. Delivery is not guaranteed, so the backfill keeps
 * polling (with a longer interval, see `bulkPollDelay`).
 */
import { z } from "zod";
import type { JobQueue } from "~/jobs/queue.server";
import { isPostgres, type Db } from "~/db/index.server";
import { pendingPgBossJobs } from "~/jobs/pg-boss.server";

/** Shopify's payload (lowercase status and type, e.g. "completed", "query"). */
export const BulkOperationFinishPayload = z.object({
  admin_graphql_api_id: z.string().startsWith("gid://shopify/BulkOperation/"),
  completed_at: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
  error_code: z.string().nullable().optional(),
  status: z.string().min(1),
  type: z.string().min(1),
});
export type BulkOperationFinishPayload = z.infer<typeof BulkOperationFinishPayload>;

export type BulkFinishOutcome =
  /** Our current export ended: the pending backfill poll now runs at once. */
  | "backfill-woken"
  /** Our current export ended while its backfill job is running: that job sees the end itself. */
  | "backfill-running"
  | "ignored";

export class BulkFinishPayloadError extends Error {
  constructor(detail: string) {
    super(`bulk_operations/finish: malformed payload: ${detail}`);
    this.name = "BulkFinishPayloadError";
  }
}

/** Validates the payload; a malformed one throws (the webhook answers 400 and writes nothing). */
export function parseBulkOperationFinish(payload: unknown): BulkOperationFinishPayload {
  const result = BulkOperationFinishPayload.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new BulkFinishPayloadError(`${first.path.join(".") || "(body)"}: ${first.message}`);
  }
  return result.data;
}

export async function handleBulkOperationFinish(
  deps: { db: Db; queue: JobQueue },
  shopId: string,
  payload: unknown,
): Promise<BulkFinishOutcome> {
  const finish = parseBulkOperationFinish(payload);
  // Write-back's bulk mutations are polled inside the write-back job; nothing to wake.
  if (finish.type.toLowerCase() !== "query") return "ignored";
  const state = (await deps.db
    .prepare(`SELECT phase, bulkOperationId FROM "SyncState" WHERE shopId = ?`)
    .get(shopId)) as { phase: string; bulkOperationId: string | null } | undefined;
  if (!state || state.phase !== "backfill" || state.bulkOperationId !== finish.admin_graphql_api_id) return "ignored";
  // Only move a waiting poll forward: queueing a second backfill job while one runs could
  // find the export already ingested and start a new one.
  const pending = isPostgres(deps.db)
    ? await pendingPgBossJobs(deps.db, "backfill", shopId)
    : ((await deps.db
        .prepare(`SELECT count(*) FROM "Job" WHERE shopId = ? AND type = 'backfill' AND key = '' AND status = 'pending'`)
        .pluck()
        .get(shopId)) as number);
  if (pending === 0) return "backfill-running";
  await deps.queue.enqueue("backfill", shopId, { expedite: true });
  return "backfill-woken";
}

/**
 * Delay before the next poll of a running export. The finish webhook usually wakes the job
 * first, so polls back off from `baseMs`, doubling up to `ceilingMs` (default 8 × base, at
 * most a minute), and never stop: the webhook is not guaranteed.
 */
export function bulkPollDelay(polls: number, baseMs: number, ceilingMs = Math.min(60_000, baseMs * 8)): number {
  return Math.min(baseMs * 2 ** Math.max(0, Math.min(polls, 30)), Math.max(baseMs, ceilingMs));
}
