/**
 * The webhook inbox (docs/decisions/032-webhook-inbox.md, 034-lean-webhook-receipt.md): a
 * verified delivery is stored by ONE small insert (shared with the deliveries that arrive
 * beside it) and acknowledged — no transaction, no job per delivery; the `apply-inbox` job
 * applies stored deliveries in arrival order, in batches, off the request path, woken at most
 * once per short window per process. A stored delivery is never lost: until it is applied it
 * stays pending, and every process that runs jobs looks for pending deliveries when it starts
 * and every INBOX_SWEEP_MS after.
 */
import { isSqlite, type Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/types";
import type { Platform, StoreEvent, VerifiedDelivery } from "~/platforms/types";
import { applyCustomerUpdates, applyDelivery, applyOrderDeliveries, onlyUpdatesCustomers, onlyUpsertsOrders, type ApplyDeps, type WebhookOutcome } from "./apply-events.server";

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
 * PostgreSQL: how long applying a delivery may wait for rows another transaction holds (a
 * large shop's recompute or write-back writing its customers) before the delivery is left for
 * a later run. The applier serves every shop in turn: one shop's long transaction must not
 * hold up the others' webhooks.
 */
export const BUSY_AFTER_MS = 200;
/** A run that left deliveries of busy shops comes back this soon for them. */
export const BUSY_RETRY_MS = 1_000;
/** …and for deliveries that failed, this soon. */
const RETRY_FAILED_MS = 5_000;

/**
 * Stores a verified delivery — committed before this returns — and wakes the applier (at most
 * once per WAKE_DELAY_MS for a burst, never per delivery). Returns its inbox id.
 *
 * Deliveries that arrive while the process's previous insert is on its way go in the next one
 * together (group commit, at most STORE_BATCH rows): under load a receipt costs a share of
 * one round trip and one commit instead of one each; alone, a delivery is inserted at once.
 * Not for use inside a transaction: rows of other receipts may share the insert.
 */
export async function storeDelivery(db: Db, queue: JobQueue, platform: Platform, delivery: VerifiedDelivery, now = new Date()): Promise<number> {
  const id = await inboxWriter(db)([platform, delivery.shopDomain, delivery.eventId, delivery.topic, JSON.stringify(delivery.events), now]);
  wakeApplier(queue);
  return id;
}

/** Rows one insert stores at most; a longer queue goes in several inserts, one after another. */
export const STORE_BATCH = 64;
/**
 * Ids the fast lane looks at again: inserts of several processes commit out of id order, so a
 * row may become visible below ids already seen (each process has at most STORE_BATCH rows on
 * their way).
 */
export const LATE_COMMITS = 4 * STORE_BATCH;

type InboxValues = [platform: Platform, shopDomain: string, eventId: string, topic: string, events: string, receivedAt: Date];
interface Waiting {
  values: InboxValues;
  resolve(id: number): void;
  reject(err: unknown): void;
}

const writers = new WeakMap<Db, (values: InboxValues) => Promise<number>>();

/** Per database: one insert on its way at a time; whoever arrives meanwhile waits for the next. */
function inboxWriter(db: Db): (values: InboxValues) => Promise<number> {
  let write = writers.get(db);
  if (write) return write;
  const waiting: Waiting[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, STORE_BATCH);
      try {
        const ids = await insertRows(db, batch.map((w) => w.values));
        batch.forEach((w, i) => w.resolve(ids[i]));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    writing = false;
  };
  write = (values) =>
    new Promise<number>((resolve, reject) => {
      waiting.push({ values, resolve, reject });
      if (!writing) void drain();
    });
  writers.set(db, write);
  return write;
}

/**
 * One multi-row insert, its own commit. Ids come from the table's sequence in the order the
 * rows are listed, so the returned ids, sorted, are the rows' ids in order (RETURNING itself
 * promises no order).
 */
async function insertRows(db: Db, rows: InboxValues[]): Promise<number[]> {
  const ids = (await db
    .prepare(
      `INSERT INTO "WebhookInbox" (platform, shopDomain, eventId, topic, events, receivedAt, attempts)
       VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?, 0)").join(", ")} RETURNING id`,
    )
    .pluck()
    .all(...rows.flat())) as number[];
  if (ids.length !== rows.length) throw new Error(`the inbox stored ${ids.length} of ${rows.length} deliveries`);
  return ids.sort((a, b) => a - b);
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
        // A retry queued for later (busy rows, a failed delivery) is brought forward: new
        // deliveries never wait for it. One job key, so never two appliers at once.
        queue
          .enqueue("apply-inbox", INBOX_SHOP, { expedite: true })
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
  /** Deliveries that waited too long for rows another transaction held: left pending, no attempt counted. */
  busy: number;
  /** What applying each delivery did, by inbox id (a shop erased by its delivery takes its inbox rows along). */
  outcomes: Map<number, WebhookOutcome>;
}

/** Events whose follow-up jobs may wait for the end of their batch (nothing else in the batch cancels or reorders them). */
const ORDER_EVENTS = new Set<StoreEvent["type"]>(["order.upserted", "order.deleted", "order.refetch", "order.unreadable", "customer.updated", "customer.deleted", "sync.operationFinished"]);

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
 * A delivery that only announces a customer change (`customer.updated`): our own write-back
 * makes the store send one per tag and metafield write, ~2 per customer (100k customers →
 * ~200k of them in minutes). They only refresh an email, so they go last: a delivery that
 * moves a persona is never applied behind them. Matched on the stored JSON's first event
 * (events are stored as JSON.stringify writes them, `type` first) so the inbox index finds
 * the others without reading every pending echo.
 */
const ECHO_PREFIX = `[{"type":"customer.updated",`;
/**
 * Events that may overtake pending customer.updated deliveries of their shop: they touch
 * orders and ask for jobs, nothing a customer.updated reads or writes. A bulk operation's
 * finish notice only wakes the job waiting for it; kept in its place, it held the shop's
 * later orders behind every echo before it (the write-back that the echoes come from ends
 * with one).
 */
const OVERTAKES_ECHOES = new Set<StoreEvent["type"]>(["order.upserted", "order.deleted", "order.refetch", "order.unreadable", "sync.operationFinished"]);

const PENDING_COLUMNS = `id, platform, shopDomain, eventId, topic, events, attempts`;

/**
 * Applies pending deliveries up to `batch` per transaction, until none is left (or `limit`
 * were looked at), in arrival order — except that order deliveries go ahead of pending
 * customer.updated deliveries (the fast lane): before each batch, deliveries stored since the
 * last look that are not customer.updated are applied first. Within a shop nothing else
 * overtakes: a fast-lane delivery is never applied while an earlier delivery of its shop that
 * is not customer.updated is still pending (an uninstall, a redaction, a failed delivery:
 * that shop leaves the fast lane for this run). A delivery that throws is retried on a later
 * run; the same shop's later deliveries wait for it.
 */
export async function applyInbox(deps: ApplyDeps, { batch = INBOX_BATCH, limit = 5_000, holdMs = undefined as number | undefined } = {}): Promise<ApplyReport> {
  const { db } = deps;
  // PostgreSQL's receipts insert beside the batch, they never wait for it: no need to cut it short.
  const hold = holdMs ?? (isSqlite(db) ? BATCH_HOLD_MS : Infinity);
  const report: ApplyReport = { applied: 0, failed: 0, busy: 0, outcomes: new Map() };
  const held = new Set<string>();
  /** Shops whose deliveries stay in arrival order for the rest of this run. */
  const inOrder = new Set<string>();
  /** PostgreSQL: the transaction's lock wait limit from here on (0: none, for the queue's and the inbox's own rows). */
  const lockWait = async (ms: number) => {
    if (!isSqlite(db)) await db.exec(`SET LOCAL lock_timeout = ${ms}`);
  };
  /** Shops whose customer updates met busy rows: their later customer updates wait too (in order); their orders may still go ahead, as they overtake echoes anyway. */
  const echoesHeld = new Set<string>();
  /** A shop whose rows are held by another transaction: its deliveries (only its customer updates, if that is what met them) wait for a later run, in order. */
  const leaveBusy = (shopDomain: string, events: StoreEvent[] | Error) => {
    if (isEcho(events)) echoesHeld.add(shopDomain);
    else {
      held.add(shopDomain);
      inOrder.add(shopDomain);
    }
    report.busy++;
  };
  let after = 0;
  let looked = 0;
  const room = () => report.applied + report.failed < limit;

  /** Applies rows in one transaction (those left when it has been open `hold` ms wait); returns the last id it looked at. */
  const applyRows = async (rows: InboxRow[]): Promise<number> => {
    let last = 0;
    await db.transaction(async () => {
      const opened = Date.now();
      await lockWait(BUSY_AFTER_MS);
      const jobs = batchQueue(deps.queue);
      const applied = new Map<WebhookOutcome, number[]>();
      const record = (row: InboxRow, outcome: WebhookOutcome) => {
        applied.set(outcome, [...(applied.get(outcome) ?? []), row.id]);
        report.applied++;
        report.outcomes.set(row.id, outcome);
      };
      // Each row's events read once, when first needed (a run looks ahead at the next rows).
      const parsed: (StoreEvent[] | Error)[] = [];
      const eventsOf = (i: number) => (parsed[i] ??= readEvents(rows[i].events));
      /** Shops whose run threw in this transaction: their deliveries go one by one from here. */
      const oneByOne = new Set<string>();
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        // Open long enough: the rest waits for the next transaction (and receipts get their turn).
        if (row.id !== rows[0].id && Date.now() - opened > hold) break;
        last = row.id;
        if (held.has(row.shopDomain)) continue;
        const events = eventsOf(r);
        if (echoesHeld.has(row.shopDomain) && !overtakesEchoes(events)) {
          // Its later customer updates wait behind the busy one; anything else of the shop
          // (an erasure, an uninstall) must not overtake it either, nor anything after that.
          if (!isEcho(events)) {
            held.add(row.shopDomain);
            inOrder.add(row.shopDomain);
          }
          continue;
        }
        const now = deps.now?.() ?? new Date();
        // A run of the shop's order upserts (decision 052), or of its customer updates, goes in
        // one set-based step; if it throws, its savepoint undoes it and its deliveries go one
        // by one below.
        const run = oneByOne.has(row.shopDomain) ? null : RUNS.find((k) => sameKind(eventsOf(r), k.only));
        const group = run ? runOf(rows, r, eventsOf, run.only) : [];
        if (run && group.length > 1) {
          try {
            const deliveries = group.map((g) => ({ shopDomain: g.row.shopDomain, eventId: g.row.eventId, topic: g.row.topic, events: g.events, rawBody: "" }));
            const outcomes = await run.apply(deliveries, { ...deps, queue: jobs.queue });
            jobs.keep();
            group.forEach((g, i) => record(g.row, outcomes[i]));
            r += group.length - 1;
            last = rows[r].id;
            continue;
          } catch (err) {
            jobs.drop();
            if (isBusy(err)) {
              leaveBusy(row.shopDomain, events);
              continue;
            }
            oneByOne.add(row.shopDomain);
          }
        }
        if (Array.isArray(events) && !events.every((e) => ORDER_EVENTS.has(e.type))) {
          await lockWait(0);
          await jobs.send();
          await lockWait(BUSY_AFTER_MS);
        }
        try {
          if (!Array.isArray(events)) throw events;
          const delivery: VerifiedDelivery = { shopDomain: row.shopDomain, eventId: row.eventId, topic: row.topic, events, rawBody: "" };
          // Its own savepoint: a delivery that throws leaves nothing behind, the batch goes on.
          const outcome = await applyDelivery(delivery, { ...deps, queue: jobs.queue });
          jobs.keep();
          record(row, outcome);
        } catch (err) {
          jobs.drop();
          if (isBusy(err)) {
            leaveBusy(row.shopDomain, events);
            continue;
          }
          const message = err instanceof Error ? err.message : String(err);
          const attempts = row.attempts + 1;
          const gaveUp = attempts >= INBOX_MAX_ATTEMPTS;
          await db
            .prepare(`UPDATE "WebhookInbox" SET attempts = ?, lastError = ?, outcome = ?, appliedAt = ? WHERE id = ?`)
            .run(attempts, message, gaveUp ? "failed" : null, gaveUp ? now : null, row.id);
          if (!gaveUp) held.add(row.shopDomain);
          inOrder.add(row.shopDomain);
          report.failed++;
        }
      }
      await lockWait(0);
      await jobs.send();
      const now = deps.now?.() ?? new Date();
      for (const [outcome, ids] of applied) await markApplied(db, ids, outcome, now);
    });
    return last;
  };

  /**
   * The fast lane: deliveries stored since the last look that are not customer.updated, those
   * that may go ahead applied now. Each look reads only what was stored since the one before
   * (and the last LATE_COMMITS ids again): reading from the start every time walked past every
   * pending echo before each batch — over a second per look with 160k of them pending.
   */
  const fastLane = async () => {
    while (room()) {
      const newest = Number((await db.prepare(`SELECT max(id) FROM "WebhookInbox"`).pluck().get()) ?? 0);
      const rows = (await db
        .prepare(`SELECT ${PENDING_COLUMNS} FROM "WebhookInbox" WHERE appliedAt IS NULL AND id > ? AND id <= ? AND events NOT LIKE ? ORDER BY id LIMIT ?`)
        .all(looked, newest, `${ECHO_PREFIX}%`, batch)) as InboxRow[];
      if (rows.length === 0) {
        looked = Math.max(looked, newest - LATE_COMMITS);
        return;
      }
      looked = rows.at(-1)!.id;
      const ahead: InboxRow[] = [];
      for (const row of rows) {
        const events = readEvents(row.events);
        if (!inOrder.has(row.shopDomain) && !held.has(row.shopDomain) && overtakesEchoes(events)) ahead.push(row);
        // Anything else keeps its place, and so does every later delivery of its shop.
        else inOrder.add(row.shopDomain);
      }
      while (ahead.length > 0 && room()) {
        const last = await applyRows(ahead);
        ahead.splice(0, ahead.findIndex((r) => r.id === last) + 1);
      }
    }
  };

  while (room()) {
    await fastLane();
    if (!room()) break;
    const rows = (await db
      .prepare(`SELECT ${PENDING_COLUMNS} FROM "WebhookInbox" WHERE appliedAt IS NULL AND id > ? ORDER BY id LIMIT ?`)
      .all(after, batch)) as InboxRow[];
    if (rows.length === 0) break;
    after = await applyRows(rows);
  }
  return report;
}

/** Kinds of delivery applied a run at a time: what a delivery of the kind holds, and how a run of them is applied. */
const RUNS = [
  { only: onlyUpsertsOrders, apply: applyOrderDeliveries },
  { only: onlyUpdatesCustomers, apply: applyCustomerUpdates },
];

const sameKind = (events: StoreEvent[] | Error, only: (events: StoreEvent[]) => boolean) => Array.isArray(events) && only(events);

/** The rows from `from` on, of the same shop, whose deliveries are all of one kind (none if that row's is not). */
function runOf(rows: InboxRow[], from: number, eventsOf: (i: number) => StoreEvent[] | Error, only: (events: StoreEvent[]) => boolean): { row: InboxRow; events: StoreEvent[] }[] {
  const run: { row: InboxRow; events: StoreEvent[] }[] = [];
  for (let i = from; i < rows.length && rows[i].shopDomain === rows[from].shopDomain; i++) {
    const events = eventsOf(i);
    if (!Array.isArray(events) || !only(events)) break;
    run.push({ row: rows[i], events });
  }
  return run;
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

/** A delivery of order events only, which may go ahead of the shop's pending customer updates. */
function overtakesEchoes(events: StoreEvent[] | Error): boolean {
  return Array.isArray(events) && events.every((e) => OVERTAKES_ECHOES.has(e.type));
}

/** A delivery that only announces customer changes (mostly the echo of our own write-back). */
function isEcho(events: StoreEvent[] | Error): boolean {
  return Array.isArray(events) && onlyUpdatesCustomers(events);
}

/** PostgreSQL gave up waiting for a lock (lock_timeout) or broke a deadlock: the rows were busy, the delivery is fine. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "55P03" || code === "40P01";
}

/** The `apply-inbox` job: apply what is pending; come back soon for deliveries that failed or met busy rows. */
export async function runApplyInbox(deps: ApplyDeps & { queue: JobQueue }): Promise<{ applied: number; failed: number; busy: number }> {
  const { applied, failed, busy } = await applyInbox(deps);
  if (failed > 0 || busy > 0) await deps.queue.enqueue("apply-inbox", INBOX_SHOP, { delayMs: busy > 0 ? BUSY_RETRY_MS : RETRY_FAILED_MS });
  else if (await pendingCount(deps.db)) await deps.queue.enqueue("apply-inbox", INBOX_SHOP);
  return { applied, failed, busy };
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
