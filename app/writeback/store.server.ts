/**
 * Write-back's database side (raw SQLite, like recompute): reading customers, recording
 * each customer's outcome right after the request that wrote it, and WritebackRun rows.
 * Dates are written as epoch milliseconds; rows written by Prisma (ISO strings) read too.
 */
import type { WriteMode } from "~/platforms/types";
import { writeTransaction, type SqliteDatabase } from "~/sync/sqlite.server";
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

/** The shop's customers in a stable order (customer key), as write-back reads them. */
export function loadCustomers(db: SqliteDatabase, shopId: string): CustomerRow[] {
  const rows = db
    .prepare(
      `SELECT customerKey, guest, persona, previousPersona, personaSince, r, f, m, scoredAt, written, writeStatus, writeAttempts
       FROM "Customer" WHERE shopId = ? ORDER BY customerKey`,
    )
    .raw()
    .all(shopId) as unknown[][];
  return rows.map((r) => ({
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
  }));
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
  (outcomes: readonly CustomerOutcome[]): void;
}

/** Records outcomes in one transaction; `at` stamps writtenAt for completed writes. */
export function outcomeWriter(db: SqliteDatabase, shopId: string, now: () => number): OutcomeWriter {
  const withStatus = db.prepare(`
    UPDATE "Customer" SET written = ?, writeStatus = ?, writeError = ?,
      writtenAt = CASE WHEN ? THEN ? ELSE writtenAt END,
      writeAttempts = CASE WHEN ? THEN writeAttempts + 1 WHEN ? = 'ok' THEN 0 ELSE writeAttempts END
    WHERE shopId = ? AND customerKey = ?`);
  const writtenOnly = db.prepare(`UPDATE "Customer" SET written = ? WHERE shopId = ? AND customerKey = ?`);
  const tx = writeTransaction(db, (outcomes: readonly CustomerOutcome[]) => {
    const at = now();
    for (const o of outcomes) {
      const json = serializeWritten(o.written);
      if (o.status === undefined) {
        writtenOnly.run(json, shopId, o.customerKey);
        continue;
      }
      withStatus.run(
        json,
        o.status,
        o.error ?? null,
        o.status === "ok" ? 1 : 0,
        at,
        o.countAttempt ? 1 : 0,
        o.status,
        shopId,
        o.customerKey,
      );
    }
  });
  return (outcomes) => {
    if (outcomes.length > 0) tx(outcomes);
  };
}

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

export function startRun(db: SqliteDatabase, shopId: string, mode: WriteMode, planned: number, at: number): number {
  const result = db
    .prepare(`INSERT INTO "WritebackRun" (shopId, mode, status, startedAt, customersPlanned) VALUES (?, ?, 'running', ?, ?)`)
    .run(shopId, mode, at, planned);
  return Number(result.lastInsertRowid);
}

export function updateRun(db: SqliteDatabase, runId: number, totals: RunTotals): void {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(totals)) {
    if (value === undefined) continue;
    sets.push(`${RUN_COLUMNS[key as keyof RunTotals]} = ?`);
    values.push(value);
  }
  if (sets.length) db.prepare(`UPDATE "WritebackRun" SET ${sets.join(", ")} WHERE id = ?`).run(...values, runId);
}

export function finishRun(
  db: SqliteDatabase,
  runId: number,
  status: "done" | "failed",
  at: number,
  totals: RunTotals = {},
  error: string | null = null,
): void {
  updateRun(db, runId, totals);
  db.prepare(`UPDATE "WritebackRun" SET status = ?, finishedAt = ?, error = ? WHERE id = ?`).run(status, at, error, runId);
}

/** A run left 'running' by a crash (per-shop work is serialised, so none can be in progress). */
export function unfinishedRun(db: SqliteDatabase, shopId: string): RunRow | null {
  const row = db
    .prepare(`SELECT id, mode, status, startedAt FROM "WritebackRun" WHERE shopId = ? AND status = 'running' ORDER BY id DESC LIMIT 1`)
    .get(shopId) as { id: number; mode: WriteMode; status: string; startedAt: unknown } | undefined;
  return row ? { ...row, startedAt: toMs(row.startedAt) ?? 0 } : null;
}

export function runTotals(db: SqliteDatabase, runId: number): Required<RunTotals> {
  return db
    .prepare(
      `SELECT customersPlanned, customersWritten, customersFailed, requests, costPoints, throttled, flowTriggers AS triggersSent FROM "WritebackRun" WHERE id = ?`,
    )
    .get(runId) as Required<RunTotals>;
}

/** Whether the shop has finished a write-back before: the first one sends no persona-changed triggers. */
export function hasFinishedRun(db: SqliteDatabase, shopId: string): boolean {
  return !!db.prepare(`SELECT 1 FROM "WritebackRun" WHERE shopId = ? AND status = 'done' LIMIT 1`).get(shopId);
}
