/**
 * Backfill: every order of a shop through one bulk query operation, then streamed
 * line by line into canonical orders. A resumable state machine kept in SyncState:
 *
 *   start    → bulkOperationRunQuery; remember the operation id
 *   poll     → bulkOperation(id) until COMPLETED (or FAILED/EXPIRED/CANCELED → start again;
 *              ACCESS_DENIED on the protected email fields → start again without them)
 *   ingest   → stream the JSONL; after each committed batch remember how many lines are in,
 *              so a crash resumes at the next line (upserts make a replayed line harmless).
 *              An unreadable line is skipped and counted, and its order re-read by id.
 *   done     → phase idle; sweep anything updated since the operation began; recompute
 *
 * Without read_all_orders Shopify exports only the last 60 days: the state says so
 * (historyFrom) for the dashboard, never silently.
 *
 * Each call does one step and says when to call again, so the job runner never blocks on
 * a long poll and a restart picks up from the database.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { PrismaClient } from "@prisma/client";
import type { JobQueue } from "~/jobs/queue.server";
import { inTransaction, type Db } from "~/db/index.server";
import type { BulkLine, OrderStore, OrderHeader } from "~/sync/order-store.server";
import { AdminApiError, dataOf, type AdminGraphql } from "./admin-graphql.server";
import { bulkOrdersQuery, parseBulkLine } from "./orders";

export const RUN_BULK_QUERY = `#graphql
mutation RunOrdersBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}`;

export const BULK_OPERATION_STATUS = `#graphql
query BulkOperationStatus($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl query
  }
}`;

export const ORDERS_COUNT = `#graphql
query OrdersCount {
  ordersCount(limit: null) { count precision }
}`;

export interface BackfillDeps {
  prisma: PrismaClient;
  db: Db;
  store: OrderStore;
  graphql: AdminGraphql;
  /** Downloads the result file (the bulk URL is a signed storage URL, not the Admin API). */
  fetchFile?: (url: string) => Promise<Response>;
  /** Where re-reads of orders behind unreadable lines are queued (refresh-order jobs). */
  queue?: JobQueue;
  batchLines?: number;
  maxAttempts?: number;
  now?: () => Date;
}

export type BackfillStep =
  | { next: "poll"; delayMs: number }
  | { next: "done"; orders: number }
  | { next: "failed"; error: string }
  | { next: "idle" };

interface BulkOperationNode {
  id: string;
  status: string;
  errorCode: string | null;
  createdAt: string;
  objectCount: string;
  rootObjectCount: string;
  url: string | null;
  query?: string | null;
}

const TERMINAL_FAILURES = new Set(["FAILED", "EXPIRED", "CANCELED"]);

/** Shopify serves orders older than this only with read_all_orders. */
export const RECENT_ORDERS_DAYS = 60;

/**
 * Email is Level 2 protected customer data: without that approval Shopify denies the
 * `email` fields, and a bulk export selecting them ends FAILED with ACCESS_DENIED. The
 * export without them still keys every order with a customer by the customer's id; only
 * guest orders lose their key (and count for nobody).
 */
export function withoutEmailFields(query: string): string {
  return query.replace(PROTECTED_FIELDS, "");
}

/** The Level 2 fields the export selects: email, and the customer's name for the customer list. */
const PROTECTED_FIELDS = /\b(email|firstName|lastName)\b/g;

export interface StartOptions {
  /** Leave out the Level 2 protected email fields (they were denied). */
  withoutEmail?: boolean;
}

/** Granted scopes as stored at install; null when never read (then nothing is assumed). */
async function historyLimit(shopId: string, deps: BackfillDeps, now: Date): Promise<Date | null> {
  const shop = await deps.prisma.shop.findUnique({ where: { id: shopId }, select: { scopes: true } });
  if (shop?.scopes == null) return null;
  const granted = shop.scopes.split(",").map((s) => s.trim());
  if (granted.includes("read_all_orders")) return null;
  return new Date(now.getTime() - RECENT_ORDERS_DAYS * 86_400_000);
}

/** Start (or restart) a backfill: resets progress and submits a new bulk operation. */
export async function startBackfill(shopId: string, deps: BackfillDeps, options: StartOptions = {}): Promise<void> {
  const { prisma, graphql } = deps;
  const now = deps.now?.() ?? new Date();
  const historyFrom = await historyLimit(shopId, deps, now);
  const estimate = await graphql<{ ordersCount: { count: number } }>(ORDERS_COUNT).then(
    (r) => r.data?.ordersCount.count ?? null,
    () => null,
  );
  const response = await graphql<{
    bulkOperationRunQuery: {
      bulkOperation: { id: string; status: string; createdAt: string } | null;
      userErrors: { message: string }[];
    };
  }>(RUN_BULK_QUERY, { query: options.withoutEmail ? withoutEmailFields(bulkOrdersQuery()) : bulkOrdersQuery() });
  const result = dataOf(response, "bulkOperationRunQuery").bulkOperationRunQuery;
  if (!result.bulkOperation) {
    throw new AdminApiError(`bulkOperationRunQuery: ${result.userErrors.map((e) => e.message).join("; ")}`);
  }
  const state = await prisma.syncState.findUnique({ where: { shopId } });
  await prisma.syncState.upsert({
    where: { shopId },
    create: {
      shopId,
      phase: "backfill",
      bulkOperationId: result.bulkOperation.id,
      bulkStatus: result.bulkOperation.status,
      bulkAttempts: 1,
      bulkLinesDone: 0,
      ordersDone: 0,
      skippedLines: 0,
      ordersEstimated: estimate,
      backfillStartedAt: now,
      historyFrom,
      lastError: null,
    },
    update: {
      phase: "backfill",
      bulkOperationId: result.bulkOperation.id,
      bulkStatus: result.bulkOperation.status,
      bulkAttempts: (state?.phase === "backfill" ? state.bulkAttempts : 0) + 1,
      bulkLinesDone: 0,
      ordersDone: 0,
      skippedLines: 0,
      ordersEstimated: estimate,
      backfillStartedAt: state?.phase === "backfill" ? state.backfillStartedAt : now,
      backfillFinishedAt: null,
      historyFrom,
      lastError: null,
    },
  });
}

/** One step of the backfill state machine (see the file comment). */
export async function backfillStep(shopId: string, deps: BackfillDeps, { start = false } = {}): Promise<BackfillStep> {
  const { prisma, graphql } = deps;
  const maxAttempts = deps.maxAttempts ?? 3;
  let state = await prisma.syncState.findUnique({ where: { shopId } });
  if (!state || !state.bulkOperationId || state.phase !== "backfill") {
    // Finished and not asked for again: a job queued while it was finishing (its own
    // bulk_operations/finish webhook) must not export the whole shop a second time.
    if (state?.backfillFinishedAt && state.phase !== "failed" && !start) return { next: "idle" };
    await startBackfill(shopId, deps);
    return { next: "poll", delayMs: 0 };
  }

  const op = dataOf(
    await graphql<{ bulkOperation: BulkOperationNode | null }>(BULK_OPERATION_STATUS, { id: state.bulkOperationId }),
    "bulkOperation",
  ).bulkOperation;
  if (op?.status === "FAILED" && op.errorCode === "ACCESS_DENIED" && op.query && new RegExp(PROTECTED_FIELDS.source).test(op.query)) {
    // Protected email fields withheld: export again without them (not a failed attempt).
    await startBackfill(shopId, deps, { withoutEmail: true });
    await prisma.syncState.update({ where: { shopId }, data: { bulkAttempts: state.bulkAttempts } });
    return { next: "poll", delayMs: 0 };
  }
  if (!op || TERMINAL_FAILURES.has(op.status)) {
    const why = op ? `bulk operation ${op.status}${op.errorCode ? ` (${op.errorCode})` : ""}` : "bulk operation not found";
    if (state.bulkAttempts >= maxAttempts) {
      await prisma.syncState.update({ where: { shopId }, data: { phase: "failed", bulkStatus: op?.status, lastError: why } });
      return { next: "failed", error: why };
    }
    await prisma.syncState.update({ where: { shopId }, data: { lastError: `${why}; retrying` } });
    await startBackfill(shopId, deps);
    return { next: "poll", delayMs: 0 };
  }
  if (op.status !== "COMPLETED") {
    await prisma.syncState.update({ where: { shopId }, data: { bulkStatus: op.status } });
    return { next: "poll", delayMs: 1000 };
  }

  state = await prisma.syncState.update({ where: { shopId }, data: { bulkStatus: op.status } });
  const orders = op.url ? await ingestBulkFile(shopId, op.url, state.bulkLinesDone, deps) : 0;
  await prisma.syncState.update({
    where: { shopId },
    data: {
      phase: "idle",
      bulkOperationId: null,
      backfillFinishedAt: deps.now?.() ?? new Date(),
      // Anything updated after the export began is picked up by the next sweep.
      sweepFrom: new Date(Date.parse(op.createdAt) - 60_000),
      lastError: null,
    },
  });
  return { next: "done", orders };
}

/** Downloads the JSONL result and streams it into the order store. */
async function ingestBulkFile(shopId: string, url: string, skipLines: number, deps: BackfillDeps): Promise<number> {
  const res = await (deps.fetchFile ?? fetch)(url);
  if (!res.ok || !res.body) throw new Error(`bulk result download failed: HTTP ${res.status}`);
  const lines = createInterface({
    input: Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
    crlfDelay: Infinity,
  });
  return ingestBulkLines(shopId, lines, skipLines, deps);
}

/**
 * Streams bulk JSONL lines into the order store, committing every `batchLines` lines
 * together with the resume point (SyncState.bulkLinesDone), so memory stays flat and a
 * crash resumes at the first uncommitted line. Returns the orders ingested by this call.
 */
export async function ingestBulkLines(
  shopId: string,
  lines: AsyncIterable<string>,
  skipLines: number,
  deps: Pick<BackfillDeps, "db" | "store" | "batchLines" | "queue">,
): Promise<number> {
  const { db, store, queue } = deps;
  const batchLines = deps.batchLines ?? 5000;
  const saveProgress = db.prepare(
    `UPDATE "SyncState" SET bulkLinesDone = ?, ordersDone = ordersDone + ?, skippedLines = skippedLines + ?, updatedAt = ?
     WHERE shopId = ?`,
  );
  // Skipped lines, their re-reads and the resume point commit together: a crash neither
  // loses a re-read nor counts a line twice.
  const commit = inTransaction(db, async (headers: OrderHeader[], items: BulkLine[], linesDone: number, skipped: number, reread: Set<string>) => {
    await store.writeBulkBatch(shopId, headers, items);
    await saveProgress.run(linesDone, headers.length, skipped, new Date(), shopId);
    for (const orderId of reread) await queue?.enqueue("refresh-order", shopId, { key: orderId, payload: { orderId } });
  });

  let lineNo = 0;
  let orders = 0;
  let headers: OrderHeader[] = [];
  let items: BulkLine[] = [];
  let skipped = 0;
  let reread = new Set<string>();
  const flush = async () => {
    await commit(headers, items, lineNo, skipped, reread);
    orders += headers.length;
    headers = [];
    items = [];
    skipped = 0;
    reread = new Set();
  };
  for await (const text of lines) {
    lineNo++;
    if (lineNo <= skipLines || !text) continue;
    let parsed: ReturnType<typeof parseBulkLine>;
    try {
      parsed = parseBulkLine(text);
    } catch {
      // Unreadable (truncated JSON, a value our schema refuses): skip it rather than stall
      // here forever; the order it belongs to is re-read through the Admin API.
      skipped++;
      const orderId = recoverOrderId(text);
      if (orderId) reread.add(orderId);
      continue;
    }
    if (parsed.kind === "order") headers.push(parsed.order);
    else if (parsed.kind === "lineItem") items.push({ orderId: parsed.orderId, lineItem: parsed.lineItem });
    if (headers.length + items.length >= batchLines) await flush();
  }
  await flush();
  // Children may have landed apart from their parents: settle each order's line aggregates.
  await store.refreshLineAggregates(shopId);
  return orders;
}

/**
 * The order an unreadable line belongs to, when its text still names it: a line item's
 * `__parentId`, else the order's own `id`. Read from the raw text (the JSON may not parse).
 */
export function recoverOrderId(text: string): string | null {
  const parent = /"__parentId"\s*:\s*"(gid:\/\/shopify\/Order\/\d+)"/.exec(text);
  if (parent) return parent[1];
  const own = /"id"\s*:\s*"(gid:\/\/shopify\/Order\/\d+)"/.exec(text);
  return own ? own[1] : null;
}
