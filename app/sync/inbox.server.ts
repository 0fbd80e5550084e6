/**
 * The webhook inbox (docs/decisions/032-webhook-inbox.md, 034-lean-webhook-receipt.md): a
 * verified delivery is stored in ONE small insert and acknowledged — no transaction, no job
 * per delivery; the `apply-inbox` job applies stored deliveries in arrival order, in batches,
 * off the request path, woken at most once per short window per process. A stored delivery is
 * never lost: until it is applied it stays pending, and every process that runs jobs looks
 * for pending deliveries when it starts and every INBOX_SWEEP_MS after.
 */
import { isSqlite, type Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/types";
import type { Platform, StoreEvent, VerifiedDelivery } from "~/platforms/types";
import { applyDelivery, type ApplyDeps, type WebhookOutcome } from "./apply-events.server";

/** The job queue's shop id for the inbox: one applier for all shops keeps arrival order. */
export const INBOX_SHOP = "inbox";
/** Deliveries applied per transaction: few commits under load… */
export const INBOX_BATCH = 25;
/** …and a transaction takes no more deliveries once it has been open this long: on SQLite, receipts wait for it. */
const BATCH_HOLD_MS = 10;
/** A burst of deliveries wakes the applier once, this long after the first of the burst. */
export const WAKE_DELAY_MS = 20;
/** How often a process running jobs looks for deliveries nobody woke it for (a web process that died within WAKE_DELAY_MS). */
export const INBOX_SWEEP_MS = 10_000;
/** A delivery that fails this many times is set aside as `failed` (kept, with its error). */
export const INBOX_MAX_ATTEMPTS = 5;

/**
 * Stores a verified delivery — one insert, its own commit — and wakes the applier (at most
 * once per WAKE_DELAY_MS for a burst, never per delivery). Returns its inbox id.
 */
export async function storeDelivery(db: Db, queue: JobQueue, platform: Platform, delivery: VerifiedDelivery, now = new Date()): Promise<number> {
  const id = (await db
    .prepare(
      `INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts)
       VALUES (?, ?, ?, ?, ?, ?, 0) RETURNING id`,
    )
    .pluck()
    .get(platform, delivery.shopDomain, delivery.eventId, delivery.topic, JSON.stringify(delivery.events), now)) as number;
  wakeApplier(queue);
  return id;
}

/** Per queue: the wake-up waiting to be sent, if any. */
const wakes = new WeakMap<JobQueue, Promise<void>>();

/**
 * Queues the `apply-inbox` job once for every delivery stored in the next WAKE_DELAY_MS (not
 * on the request path: the answer never waits for it). A failed wake loses nothing: the
 * delivery is stored and the next wake or the periodic sweep (resumeInbox) applies it.
 */
export function wakeApplier(queue: JobQueue): Promise<void> {
  let wake = wakes.get(queue);
  if (!wake) {
    wake = new Promise<void>((resolve) => {
      setTimeout(() => {
        wakes.delete(queue);
        queue
          .enqueue("apply-inbox", INBOX_SHOP)
          .catch((err: unknown) => console.warn("[inbox] could not wake the applier (the sweep will):", err instanceof Error ? err.message : err))
          .finally(resolve);
      }, WAKE_DELAY_MS).unref();
    });
    wakes.set(queue, wake);
  }
  return wake;
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

/** Events whose follow-up jobs may wait for the end of their batch (nothing else in the batch cancels or reorders them). */
const ORDER_EVENTS = new Set<StoreEvent["type"]>(["order.upserted", "order.deleted", "order.refetch", "order.unreadable", "customer.updated", "customer.deleted"]);

/**
 * The batch's queue: the jobs its deliveries ask for are sent when the batch commits (in its
 * transaction), each distinct request once — 25 order deliveries of a shop ask for one
 * recompute, not 25. A delivery that throws asks for nothing; a delivery that is not about
 * orders (an uninstall cancels the shop's jobs) first sends what the batch asked for before it.
 */
function batchQueue(queue: JobQueue) {
  const asked = new Map<string, Parameters<JobQueue["enqueue"]>>();
  let staged: Parameters<JobQueue["enqueue"]>[] = [];
  return {
    queue: {
      async enqueue(...request) {
        staged.push(request);
      },
    } satisfies JobQueue,
    keep() {
      for (const request of staged) asked.set(JSON.stringify(request), request);
      staged = [];
    },
    drop() {
      staged = [];
    },
    async send() {
      for (const request of asked.values()) await queue.enqueue(...request);
      asked.clear();
    },
  };
}

/**
 * Applies pending deliveries in arrival order, up to `batch` per transaction, until none is
 * left (or `limit` were looked at). A delivery that throws is retried on a later run; the same
 * shop's later deliveries wait for it, so a shop's deliveries never overtake each other.
 */
export async function applyInbox(deps: ApplyDeps, { batch = INBOX_BATCH, limit = 5_000, holdMs = undefined as number | undefined } = {}): Promise<ApplyReport> {
  const { db } = deps;
  // PostgreSQL's receipts insert beside the batch, they never wait for it: no need to cut it short.
  const hold = holdMs ?? (isSqlite(db) ? BATCH_HOLD_MS : Infinity);
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
    await db.transaction(async () => {
      const opened = Date.now();
      const jobs = batchQueue(deps.queue);
      const applied = new Map<WebhookOutcome, number[]>();
      for (const row of rows) {
        // Open long enough: the rest waits for the next transaction (and receipts get their turn).
        if (row.id !== rows[0].id && Date.now() - opened > hold) break;
        after = row.id;
        if (held.has(row.shopDomain)) continue;
        const now = deps.now?.() ?? new Date();
        const events = readEvents(row.events);
        if (Array.isArray(events) && !events.every((e) => ORDER_EVENTS.has(e.type))) await jobs.send();
        try {
          if (!Array.isArray(events)) throw events;
          const delivery: VerifiedDelivery = { shopDomain: row.shopDomain, eventId: row.eventId, topic: row.topic, events, rawBody: "" };
          // Its own savepoint: a delivery that throws leaves nothing behind, the batch goes on.
          const outcome = await applyDelivery(delivery, { ...deps, queue: jobs.queue });
          jobs.keep();
          applied.set(outcome, [...(applied.get(outcome) ?? []), row.id]);
          report.applied++;
          report.outcomes.set(row.id, outcome);
        } catch (err) {
          jobs.drop();
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
      await jobs.send();
      const now = deps.now?.() ?? new Date();
      for (const [outcome, ids] of applied) await markApplied(db, ids, outcome, now);
    });
  }
  return report;
}

/** The stored events, or why they cannot be read (e.g. stored by an older version of the app). */
function readEvents(text: string): StoreEvent[] | Error {
  try {
    return JSON.parse(text) as StoreEvent[];
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Applied: the outcome stays, the events go — the inbox keeps no customer data once it is applied. */
async function markApplied(db: Db, ids: number[], outcome: WebhookOutcome, now: Date) {
  await db
    .prepare(`UPDATE "WebhookInbox" SET outcome = ?, appliedAt = ?, lastError = NULL, events = '[]' WHERE id IN (${ids.map(() => "?").join(", ")})`)
    .run(outcome, now, ...ids);
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

/**
 * At start, then every INBOX_SWEEP_MS: deliveries stored before a crash, while no process ran
 * jobs, or whose wake-up was lost, get applied.
 */
export async function resumeInbox(db: Db, queue: JobQueue): Promise<void> {
  if ((await db.prepare(`SELECT 1 FROM "WebhookInbox" WHERE appliedAt IS NULL LIMIT 1`).get()) !== undefined) {
    await queue.enqueue("apply-inbox", INBOX_SHOP);
  }
}

/** What applying a stored delivery did, or null while it is pending. */
export async function inboxOutcome(db: Db, id: number): Promise<string | null> {
  return ((await db.prepare(`SELECT outcome FROM "WebhookInbox" WHERE id = ?`).pluck().get(id)) as string | null | undefined) ?? null;
}
