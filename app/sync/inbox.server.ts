/**
 * The webhook inbox (docs/decisions/032-webhook-inbox.md): a verified delivery is stored in
 * one small write and acknowledged; the `apply-inbox` job applies stored deliveries in
 * arrival order, in batches, off the request path. A stored delivery is never lost: until it
 * is applied it stays pending, and a process that starts applies what a crashed one left.
 */
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/types";
import type { Platform, StoreEvent, VerifiedDelivery } from "~/platforms/types";
import { applyDelivery, type ApplyDeps, type WebhookOutcome } from "./apply-events.server";

/** The job queue's shop id for the inbox: one applier for all shops keeps arrival order. */
export const INBOX_SHOP = "inbox";
/** Deliveries applied per transaction: few commits under load, short holds on SQLite's one writer. */
export const INBOX_BATCH = 25;
/** A burst of deliveries waits this long to be applied together… */
const APPLY_DELAY_MS = 20;
/** …but never longer than this after the first. */
const APPLY_MAX_WAIT_MS = 200;
/** A delivery that fails this many times is set aside as `failed` (kept, with its error). */
export const INBOX_MAX_ATTEMPTS = 5;

/** Stores a verified delivery and queues its application, in one transaction. Returns its inbox id. */
export async function storeDelivery(db: Db, queue: JobQueue, platform: Platform, delivery: VerifiedDelivery, now = new Date()): Promise<number> {
  return db.transaction(async () => {
    const id = (await db
      .prepare(
        `INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts)
         VALUES (?, ?, ?, ?, ?, ?, 0) RETURNING id`,
      )
      .pluck()
      .get(platform, delivery.shopDomain, delivery.eventId, delivery.topic, JSON.stringify(delivery.events), now)) as number;
    await queue.enqueue("apply-inbox", INBOX_SHOP, { delayMs: APPLY_DELAY_MS, maxWaitMs: APPLY_MAX_WAIT_MS });
    return id;
  });
}

interface InboxRow {
  id: number;
  platform: Platform;
  shopDomain: string;
  eventId: string;
  topic: string;
  events: string;
  attempts: number;
}

export interface ApplyReport {
  applied: number;
  /** Deliveries that threw this time (kept pending, or set aside after INBOX_MAX_ATTEMPTS). */
  failed: number;
  /** What applying each delivery did, by inbox id (a shop erased by its delivery takes its inbox rows along). */
  outcomes: Map<number, WebhookOutcome>;
}

/**
 * Applies pending deliveries in arrival order, `batch` per transaction, until none is left
 * (or `limit` were looked at). A delivery that throws is retried on a later run; the same
 * shop's later deliveries wait for it, so a shop's deliveries never overtake each other.
 */
export async function applyInbox(deps: ApplyDeps, { batch = INBOX_BATCH, limit = 5_000 } = {}): Promise<ApplyReport> {
  const { db } = deps;
  const report: ApplyReport = { applied: 0, failed: 0, outcomes: new Map() };
  const held = new Set<string>();
  let after = 0;
  while (report.applied + report.failed < limit) {
    const rows = (await db
      .prepare(
        `SELECT id, platform, shopDomain, eventId, topic, events, attempts FROM "WebhookInbox"
         WHERE appliedAt IS NULL AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(after, batch)) as InboxRow[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    await db.transaction(async () => {
      for (const row of rows) {
        if (held.has(row.shopDomain)) continue;
        const now = deps.now?.() ?? new Date();
        try {
          const delivery: VerifiedDelivery = {
            shopDomain: row.shopDomain,
            eventId: row.eventId,
            topic: row.topic,
            events: JSON.parse(row.events) as StoreEvent[],
            rawBody: "",
          };
          // A savepoint: a delivery that throws leaves nothing behind, the batch goes on.
          const outcome = await db.transaction(() => applyDelivery(delivery, deps));
          await markApplied(db, row.id, outcome, now);
          report.applied++;
          report.outcomes.set(row.id, outcome);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const attempts = row.attempts + 1;
          const gaveUp = attempts >= INBOX_MAX_ATTEMPTS;
          await db
            .prepare(`UPDATE "WebhookInbox" SET attempts = ?, lastError = ?, outcome = ?, appliedAt = ? WHERE id = ?`)
            .run(attempts, message, gaveUp ? "failed" : null, gaveUp ? now : null, row.id);
          if (!gaveUp) held.add(row.shopDomain);
          report.failed++;
        }
      }
    });
  }
  return report;
}

/** Applied: the outcome stays, the events go — the inbox keeps no customer data once it is applied. */
async function markApplied(db: Db, id: number, outcome: WebhookOutcome, now: Date) {
  await db.prepare(`UPDATE "WebhookInbox" SET outcome = ?, appliedAt = ?, lastError = NULL, events = '[]' WHERE id = ?`).run(outcome, now, id);
}

/** The `apply-inbox` job: apply what is pending; come back soon for deliveries that failed. */
export async function runApplyInbox(deps: ApplyDeps & { queue: JobQueue }): Promise<void> {
  const { failed } = await applyInbox(deps);
  if (failed > 0) await deps.queue.enqueue("apply-inbox", INBOX_SHOP, { key: "retry", delayMs: 5_000 });
  else if (await pendingCount(deps.db)) await deps.queue.enqueue("apply-inbox", INBOX_SHOP);
}

export async function pendingCount(db: Db): Promise<number> {
  return (await db.prepare(`SELECT count(*) FROM "WebhookInbox" WHERE appliedAt IS NULL`).pluck().get()) as number;
}

/** At start: deliveries stored before a crash, or while no process ran jobs, get applied. */
export async function resumeInbox(db: Db, queue: JobQueue): Promise<void> {
  if ((await db.prepare(`SELECT 1 FROM "WebhookInbox" WHERE appliedAt IS NULL LIMIT 1`).get()) !== undefined) {
    await queue.enqueue("apply-inbox", INBOX_SHOP);
  }
}

/** What applying a stored delivery did, or null while it is pending. */
export async function inboxOutcome(db: Db, id: number): Promise<string | null> {
  return ((await db.prepare(`SELECT outcome FROM "WebhookInbox" WHERE id = ?`).pluck().get(id)) as string | null | undefined) ?? null;
}
