/**
 * Write-back's database side (on the SQL seam, like recompute): reading customers, recording
 * each customer's outcome right after the request that wrote it, and WritebackRun rows.
 * Dates are bound as Dates; rows written by Prisma on SQLite (ISO strings) read too.
 * Outcomes go per row on SQLite (prepared statements on the connection, one transaction) and
 * as one UPDATE … FROM unnest(…) on PostgreSQL, where a statement per customer would cost a
 * round trip each.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { isSqlite, type Db } from "~/db/index.server";
import { inLockOrder } from "~/db/lock-order";
import { scanRows } from "~/db/scan.server";
import type { WriteMode } from "~/platforms/types";
import type { CustomerRow } from "./shop-plan";
import { serializeWritten, type WrittenState } from "./state";

function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  const parsed = Date.parse(String(value));
  if (!Number.isNaN(parsed)) return parsed;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * Some of a shop's customers: these keys, whoever a recompute wrote since a moment (epoch ms),
 * and whoever a write left unsettled (a failed write to retry, a persona-changed trigger owed).
 */
export interface SomeCustomers {
  keys: readonly string[];
  scoredSince: number;
}

/**
 * Customer.written (state.ts) keeps an owed trigger under "flow" and a write in flight under
 * "pending"; inside a JSON string a quote is escaped, so these patterns match only those keys.
 */
const IN_FLIGHT = `written LIKE '%"pending":%' OR written LIKE '%"flow":%'`;
/** A failed write to retry, a trigger owed, a write in flight. */
const UNSETTLED = `writeStatus = 'failed' OR ${IN_FLIGHT}`;

/**
 * The shop's customers in a stable order (customer key), as write-back reads them; or only
 * some (SomeCustomers), or only those a crashed run left in flight (`"in-flight"`).
 */
export async function loadCustomers(db: Db, shopId: string, only?: SomeCustomers | "in-flight"): Promise<CustomerRow[]> {
  const customers: CustomerRow[] = [];
  await scanCustomers(db, shopId, (row) => customers.push(row), only);
  return customers;
}

/**
 * The same customers one at a time, none kept: for a fold over a whole shop (a summary of a
 * plan), whose memory then does not grow with the shop.
 */
export async function scanCustomers(db: Db, shopId: string, onRow: (row: CustomerRow) => void, only?: SomeCustomers | "in-flight"): Promise<void> {
  // The whole shop on SQLite in pages, the event loop turning between them (eachPage): a read
  // of every customer a row at a time held the process for the whole shop. PostgreSQL's cursor
  // awaits the server between batches.
  if (only === undefined && isSqlite(db)) return eachPage(db, shopId, CUSTOMER_COLUMNS, null, (r) => onRow(customerRowOf(r)));
  // Byte order, as SQLite sorts: the plan (and a bulk file) comes out the same on both engines.
  const order = db.dialect === "postgres" ? ` COLLATE "C"` : "";
  const pg = db.dialect === "postgres";
  let where = "";
  let params: unknown[] = [shopId];
  if (only === "in-flight") where = `AND (${IN_FLIGHT})`;
  else if (only) {
    where = pg
      ? `AND (scoredAt >= ?::timestamp(3) OR customerKey = ANY(?::text[]) OR ${UNSETTLED})`
      : `AND (scoredAt >= ? OR customerKey IN (SELECT value FROM json_each(?)) OR ${UNSETTLED})`;
    params = [shopId, pg ? new Date(only.scoredSince) : only.scoredSince, pg ? only.keys : JSON.stringify(only.keys)];
  }
  const sql = `SELECT ${CUSTOMER_COLUMNS} FROM "Customer" WHERE shopId = ? ${where} ORDER BY customerKey${order}`;
  await scanRows(db, sql, params, (r) => onRow(customerRowOf(r)));
}

const CUSTOMER_COLUMNS = "customerKey, guest, persona, previousPersona, personaSince, r, f, m, scoredAt, written, writeStatus, writeAttempts, lastOrderAt";

function customerRowOf(r: unknown[]): CustomerRow {
  return {
    customerKey: r[0] as string,
    guest: Boolean(r[1]),
    persona: (r[2] as string | null) ?? null,
    previousPersona: (r[3] as string | null) ?? null,
    personaSince: toMs(r[4]),
    r: (r[5] as number | null) ?? null,
    f: (r[6] as number | null) ?? null,
    m: (r[7] as number | null) ?? null,
    scoredAt: toMs(r[8]),
    written: (r[9] as string | null) ?? null,
    writeStatus: (r[10] as string | null) ?? null,
    writeAttempts: Number(r[11] ?? 0),
    lastOrderAt: toMs(r[12]),
  };
}

/** Rows per page of the paged reads below. */
const PAGE_ROWS = 2_000;

/**
 * The shop's customers that match `where` (every one when null), a page at a time in customer
 * key order (the engine's own: bytes on SQLite), the event loop turning between pages: for
 * reads of a whole shop in the web process, which then keeps answering requests however many
 * customers the shop has (as the CSV export reads). A statement reads at most PAGE_ROWS
 * customers however few match: a filtered page is the matches among the next PAGE_ROWS
 * customers, found by a walk of the primary key's index first. Asked for "the next PAGE_ROWS
 * that match", a shop where none did (no written state, at install) was read in one statement:
 * 200 ms at 1M customers, the process held (decision 071). Pages are separate statements, so a
 * reader sees each customer once but not one snapshot. `columns` start with customerKey.
 */
async function eachPage(db: Db, shopId: string, columns: string, where: string | null, each: (row: unknown[]) => void): Promise<void> {
  if (where === null) return eachPageOfAll(db, shopId, columns, each);
  const boundary = db.prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ? AND customerKey > ? ORDER BY customerKey LIMIT 1 OFFSET ?`).pluck();
  const upTo = db.prepare(`SELECT ${columns} FROM "Customer" WHERE shopId = ? AND customerKey > ? AND customerKey <= ? AND (${where}) ORDER BY customerKey`).raw();
  const rest = db.prepare(`SELECT ${columns} FROM "Customer" WHERE shopId = ? AND customerKey > ? AND (${where}) ORDER BY customerKey`).raw();
  // Every key sorts after "" (none is empty).
  let after = "";
  for (;;) {
    const last = (await boundary.get(shopId, after, PAGE_ROWS - 1)) as string | undefined;
    const rows = (last === undefined ? await rest.all(shopId, after) : await upTo.all(shopId, after, last)) as unknown[][];
    for (const r of rows) each(r);
    if (last === undefined) return;
    after = last;
    await nextTurn();
  }
}

/** Every customer: the next PAGE_ROWS rows are the next PAGE_ROWS customers, no walk needed. */
async function eachPageOfAll(db: Db, shopId: string, columns: string, each: (row: unknown[]) => void): Promise<void> {
  const next = db.prepare(`SELECT ${columns} FROM "Customer" WHERE shopId = ? AND customerKey > ? ORDER BY customerKey LIMIT ?`).raw();
  let after = ""; // as in eachPage
  for (;;) {
    const rows = (await next.all(shopId, after, PAGE_ROWS)) as unknown[][];
    for (const r of rows) each(r);
    if (rows.length < PAGE_ROWS) return;
    after = rows[rows.length - 1][0] as string;
    await nextTurn();
  }
}

/** Customers with a stored write state, whole rows (eachPage). */
export async function eachWrittenCustomer(db: Db, shopId: string, onRow: (row: CustomerRow) => void): Promise<void> {
  await eachPage(db, shopId, CUSTOMER_COLUMNS, "written IS NOT NULL", (r) => onRow(customerRowOf(r)));
}

/** A customer nothing was written to, as much of it as decides the shape of its plan. */
export interface NeverWrittenCustomer {
  customerKey: string;
  guest: boolean;
  persona: string | null;
  hasScores: boolean;
  hasPreviousPersona: boolean;
  hasPersonaSince: boolean;
  hasScoredAt: boolean;
  /** Failed writes in a row, or null when the last write did not fail. */
  failedAttempts: number | null;
}

/** Customers with no stored write state, read as which of their values are there (eachPage). */
export async function eachNeverWrittenCustomer(db: Db, shopId: string, onRow: (row: NeverWrittenCustomer) => void): Promise<void> {
  const flags = `(CASE WHEN guest THEN 1 ELSE 0 END) + (CASE WHEN r IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL THEN 2 ELSE 0 END)
    + (CASE WHEN previousPersona IS NOT NULL THEN 4 ELSE 0 END) + (CASE WHEN personaSince IS NOT NULL THEN 8 ELSE 0 END)
    + (CASE WHEN scoredAt IS NOT NULL THEN 16 ELSE 0 END)`;
  await eachPage(db, shopId, `customerKey, persona, ${flags}, CASE WHEN writeStatus = 'failed' THEN writeAttempts END`, "written IS NULL", (r) => {
    const f = Number(r[2]);
    onRow({
      customerKey: r[0] as string,
      persona: (r[1] as string | null) ?? null,
      guest: (f & 1) !== 0,
      hasScores: (f & 2) !== 0,
      hasPreviousPersona: (f & 4) !== 0,
      hasPersonaSince: (f & 8) !== 0,
      hasScoredAt: (f & 16) !== 0,
      failedAttempts: r[3] === null || r[3] === undefined ? null : Number(r[3]),
    });
  });
}

/** Each stored write state of the shop (Customer.written, not null), eachPage. */
export async function eachWrittenState(db: Db, shopId: string, onState: (written: string) => void): Promise<void> {
  await eachPage(db, shopId, "customerKey, written", "written IS NOT NULL", (r) => onState(r[1] as string));
}

export type WriteStatus = "ok" | "failed" | "pending";

export interface CustomerOutcome {
  customerKey: string;
  written: WrittenState | null;
  /** Leave undefined to keep the current status (e.g. a persona-changed trigger was sent). */
  status?: WriteStatus;
  error?: string | null;
  /** A failure that counts against the customer (not collateral of another customer's error). */
  countAttempt?: boolean;
}

export interface OutcomeWriter {
  (outcomes: readonly CustomerOutcome[]): Promise<void>;
}

const WITH_STATUS_SQL = `
    UPDATE "Customer" SET written = ?, writeStatus = ?, writeError = ?,
      writtenAt = CASE WHEN ? THEN ? ELSE writtenAt END,
      writeAttempts = CASE WHEN ? THEN writeAttempts + 1 WHEN ? = 'ok' THEN 0 ELSE writeAttempts END
    WHERE shopId = ? AND customerKey = ?`;
const WRITTEN_ONLY_SQL = `UPDATE "Customer" SET written = ? WHERE shopId = ? AND customerKey = ?`;

/** PostgreSQL: a whole batch of outcomes in one statement each (status kept where `s` is null). */
const POSTGRES_OUTCOMES_SQL = `
    UPDATE "Customer" SET written = t.w,
      writeStatus = CASE WHEN t.s IS NULL THEN "Customer".writeStatus ELSE t.s END,
      writeError = CASE WHEN t.s IS NULL THEN "Customer".writeError ELSE t.e END,
      writtenAt = CASE WHEN t.s = 'ok' THEN ?::timestamp(3) ELSE "Customer".writtenAt END,
      writeAttempts = CASE WHEN t.s IS NULL THEN "Customer".writeAttempts WHEN t.ca THEN "Customer".writeAttempts + 1
        WHEN t.s = 'ok' THEN 0 ELSE "Customer".writeAttempts END
    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[]) AS t(k, w, s, e, ca)
    WHERE "Customer".shopId = ?::text AND "Customer".customerKey = t.k`;

/** Records outcomes in one transaction; `at` stamps writtenAt for completed writes. */
export function outcomeWriter(db: Db, shopId: string, now: () => number): OutcomeWriter {
  return async (outcomes) => {
    if (outcomes.length === 0) return;
    const at = now();
    if (isSqlite(db)) {
      await db.withNative((native) => {
        const withStatus = native.prepare(WITH_STATUS_SQL);
        const writtenOnly = native.prepare(WRITTEN_ONLY_SQL);
        native.transaction(() => {
          for (const o of outcomes) {
            const json = serializeWritten(o.written);
            if (o.status === undefined) writtenOnly.run(json, shopId, o.customerKey);
            else withStatus.run(json, o.status, o.error ?? null, o.status === "ok" ? 1 : 0, at, o.countAttempt ? 1 : 0, o.status, shopId, o.customerKey);
          }
        }).immediate();
      }, { atomic: true });
      return;
    }
    // One statement per batch, its rows locked in key order (as a recompute locks them: no
    // deadlock between the two); a customer twice in one batch (rare) is applied in order, row by row.
    const keys = new Set(outcomes.map((o) => o.customerKey));
    const sorted = [...outcomes].sort((a, b) => inLockOrder(a.customerKey, b.customerKey));
    const batches = keys.size === outcomes.length ? [sorted] : outcomes.map((o) => [o]);
    const write = () =>
      db.transaction(async () => {
        const update = db.prepare(POSTGRES_OUTCOMES_SQL);
        for (const batch of batches) {
          await update.run(
            new Date(at),
            batch.map((o) => o.customerKey),
            batch.map((o) => serializeWritten(o.written)),
            batch.map((o) => o.status ?? null),
            batch.map((o) => o.error ?? null),
            batch.map((o) => o.countAttempt ?? false),
            shopId,
          );
        }
      });
    // A large batch may be joined in table order rather than key order: PostgreSQL then breaks a
    // deadlock with a recompute by failing one side, and these outcomes (already in the store) are written again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || (error as { code?: unknown }).code !== "40P01") throw error;
      }
    }
  };
}

/** Attempts at recording a batch of outcomes that PostgreSQL chose as a deadlock's victim. */
const DEADLOCK_ATTEMPTS = 3;

// ---- runs ----

export interface RunRow {
  id: number;
  mode: WriteMode;
  status: string;
  startedAt: number;
}

export interface RunTotals {
  customersPlanned?: number;
  customersWritten?: number;
  customersFailed?: number;
  requests?: number;
  costPoints?: number;
  throttled?: number;
  triggersSent?: number;
}

/** RunTotals → WritebackRun columns (the trigger count keeps its first column name). */
const RUN_COLUMNS: Record<keyof RunTotals, string> = {
  customersPlanned: "customersPlanned",
  customersWritten: "customersWritten",
  customersFailed: "customersFailed",
  requests: "requests",
  costPoints: "costPoints",
  throttled: "throttled",
  triggersSent: "flowTriggers",
};

export async function startRun(db: Db, shopId: string, mode: WriteMode, planned: number, at: number): Promise<number> {
  const id = await db
    .prepare(`INSERT INTO "WritebackRun" (shopId, mode, status, startedAt, customersPlanned) VALUES (?, ?, 'running', ?, ?) RETURNING id`)
    .pluck()
    .get(shopId, mode, new Date(at), planned);
  return Number(id);
}

export async function updateRun(db: Db, runId: number, totals: RunTotals): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(totals)) {
    if (value === undefined) continue;
    sets.push(`${RUN_COLUMNS[key as keyof RunTotals]} = ?`);
    values.push(value);
  }
  if (sets.length) await db.prepare(`UPDATE "WritebackRun" SET ${sets.join(", ")} WHERE id = ?`).run(...values, runId);
}

export async function finishRun(
  db: Db,
  runId: number,
  status: "done" | "failed",
  at: number,
  totals: RunTotals = {},
  error: string | null = null,
): Promise<void> {
  await updateRun(db, runId, totals);
  await db.prepare(`UPDATE "WritebackRun" SET status = ?, finishedAt = ?, error = ? WHERE id = ?`).run(status, new Date(at), error, runId);
}

/** A run left 'running' by a crash (per-shop work is serialised, so none can be in progress). */
export async function unfinishedRun(db: Db, shopId: string): Promise<RunRow | null> {
  const row = (await db
    .prepare(`SELECT id, mode, status, startedAt FROM "WritebackRun" WHERE shopId = ? AND status = 'running' ORDER BY id DESC LIMIT 1`)
    .get(shopId)) as { id: number; mode: WriteMode; status: string; startedAt: unknown } | undefined;
  return row ? { ...row, startedAt: toMs(row.startedAt) ?? 0 } : null;
}

/** A run by id (a crash may have left it in any state). */
export async function findRun(db: Db, runId: number): Promise<RunRow | undefined> {
  const row = (await db.prepare(`SELECT id, mode, status, startedAt FROM "WritebackRun" WHERE id = ?`).get(runId)) as
    | { id: number; mode: WriteMode; status: string; startedAt: unknown }
    | undefined;
  return row ? { ...row, startedAt: toMs(row.startedAt) ?? 0 } : undefined;
}

export async function runTotals(db: Db, runId: number): Promise<Required<RunTotals>> {
  return (await db
    .prepare(
      `SELECT customersPlanned, customersWritten, customersFailed, requests, costPoints, throttled, flowTriggers AS triggersSent FROM "WritebackRun" WHERE id = ?`,
    )
    .get(runId)) as Required<RunTotals>;
}

/** Whether the shop has finished a write-back before: the first one sends no persona-changed triggers. */
export async function hasFinishedRun(db: Db, shopId: string): Promise<boolean> {
  return !!(await db.prepare(`SELECT 1 FROM "WritebackRun" WHERE shopId = ? AND status = 'done' LIMIT 1`).get(shopId));
}
