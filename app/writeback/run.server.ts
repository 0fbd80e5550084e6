/**
 * Write-back entry points: `runWriteback` (after each recompute) and
 * `removeAllPersonaData` (a merchant leaving or starting over).
 *
 * A run: finish any bulk write a crash left behind → plan from the database (desired vs
 * what we last wrote) → write online or in bulk (≥ bulkThreshold customers) → send the
 * owed Flow triggers → record a WritebackRun with what it cost.
 * See docs/decisions/006-writeback.md.
 */
import { shopSettings } from "~/shops/settings.server";
import { resilient, type AdminGraphql, type AdminStats } from "~/platforms/shopify/admin-graphql.server";
import type { SqliteDatabase } from "~/sync/sqlite.server";
import { completePending, findRunOperations, pendingOf, sendFlowsBulk, writeBulk, type BulkDeps } from "./bulk.server";
import { personaNamesFor } from "./desired";
import { sendFlowsOnline, writeOnline, type FlowResult, type WriteResult } from "./online.server";
import { createPacer, type Pacer } from "./pacer";
import { heldMetafieldKeys, setupProblems, type SetupReport } from "./setup.server";
import { diffStates, isEmptyPlan } from "./plan";
import { planShop, type FlowJob, type ShopPlanCounts, type WriteJob } from "./shop-plan";
import { EMPTY_STATE, parseWritten, type WrittenState } from "./state";
import {
  finishRun,
  hasFinishedRun,
  loadCustomers,
  outcomeWriter,
  runTotals,
  startRun,
  unfinishedRun,
  type OutcomeWriter,
  type RunRow,
} from "./store.server";

export const DEFAULT_BULK_THRESHOLD = 1000;

export interface WritebackDeps {
  /** The raw SQLite connection. */
  db: SqliteDatabase;
  /**
   * The shop's Admin API client. Pass it unwrapped: write-back wraps it in resilient()
   * itself, to count requests, cost and THROTTLED answers for the run.
   */
  graphql: AdminGraphql;
  /** Also counts into this (e.g. a job-wide tally). */
  stats?: AdminStats;
  now?: () => Date;
  /** Waits for the throttle bucket (and retry backoff). */
  sleep?: (ms: number) => Promise<void>;
  /** Customers with changes at which the bulk path takes over (default 1,000). */
  bulkThreshold?: number;
  /** Downloads bulk result files. */
  fetchFile?: (url: string) => Promise<Response>;
  /** Posts staged uploads. */
  httpFetch?: typeof fetch;
  /** Between bulk operation polls (default 2 s); `pollSleep` waits it (default `sleep`). */
  bulkPollMs?: number;
  pollSleep?: (ms: number) => Promise<void>;
  /** Lines per bulk upload file (default 50,000, well under Shopify's 100 MB per file). */
  bulkLinesPerFile?: number;
  /** Mutation fields per online request (default 100 = 1,000 points). */
  fieldsPerRequest?: number;
  /** Re-send everything wanted, repairing edits made in the admin (and retrying customers that kept failing). */
  full?: boolean;
  /** Consecutive failures after which a customer is left alone until a full run (default 5). */
  maxAttempts?: number;
  /**
   * The store setup that ran before (ensureStoreSetup): keys whose definition conflicts are
   * left alone, and its problems are recorded on the run for the dashboard.
   */
  setup?: SetupReport | null;
}

export interface WritebackReport {
  shopId: string;
  /** null when write-back is disabled in the shop's settings. */
  runId: number | null;
  mode: "online" | "bulk";
  status: "done" | "failed" | "disabled";
  customers: ShopPlanCounts & { written: number; failed: number };
  flowTriggers: { sent: number; failed: number };
  /** Admin API traffic of this run. */
  requests: number;
  costPoints: number;
  throttled: number;
  retries: number;
  /** Time spent waiting for the throttle bucket before sending. */
  throttleWaitMs: number;
  durationMs: number;
  bulkOperations: string[];
  /** A run a crash had left unfinished, completed first. */
  resumedRun: number | null;
  /** First errors, per customer. */
  errors: { customerKey: string; message: string }[];
  /** What the store setup could not do (e.g. a metafield definition of another type); the run still writes the rest. */
  problems: string[];
  error?: string;
}

export class WritebackError extends Error {
  constructor(
    message: string,
    readonly report: WritebackReport,
  ) {
    super(message);
    this.name = "WritebackError";
  }
}

const MAX_REPORTED_ERRORS = 50;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Context {
  db: SqliteDatabase;
  shopId: string;
  graphql: AdminGraphql;
  stats: AdminStats;
  pacer: Pacer;
  save: OutcomeWriter;
  nowMs: () => number;
  deps: WritebackDeps;
  threshold: number;
}

function context(shopId: string, deps: WritebackDeps, defaultThreshold: number): Context {
  const sleep = deps.sleep ?? defaultSleep;
  const nowMs = () => (deps.now?.() ?? new Date()).getTime();
  const stats: AdminStats = { requests: 0, costPoints: 0, throttled: 0, retries: 0 };
  const counted = resilient(deps.graphql, { stats, sleep });
  // The run's own tally, mirrored into the caller's.
  const graphql: AdminGraphql = async (query, variables) => {
    const before = { ...stats };
    try {
      return await counted(query, variables);
    } finally {
      if (deps.stats) {
        deps.stats.requests += stats.requests - before.requests;
        deps.stats.costPoints += stats.costPoints - before.costPoints;
        deps.stats.throttled += stats.throttled - before.throttled;
        deps.stats.retries += stats.retries - before.retries;
      }
    }
  };
  return {
    db: deps.db,
    shopId,
    graphql,
    stats,
    pacer: createPacer(nowMs, sleep),
    save: outcomeWriter(deps.db, shopId, nowMs),
    nowMs,
    deps,
    threshold: deps.bulkThreshold ?? defaultThreshold,
  };
}

function bulkDeps(ctx: Context, runId: number, flow: boolean): BulkDeps {
  const { deps } = ctx;
  return {
    graphql: ctx.graphql,
    pacer: ctx.pacer,
    save: ctx.save,
    flow,
    runId,
    fetchFile: deps.fetchFile ?? ((url) => fetch(url)),
    httpFetch: deps.httpFetch ?? fetch,
    pollMs: deps.bulkPollMs ?? 2000,
    pollSleep: deps.pollSleep ?? deps.sleep ?? defaultSleep,
    maxLinesPerFile: deps.bulkLinesPerFile,
  };
}

function snapshot(stats: AdminStats): AdminStats {
  return { ...stats };
}

function delta(after: AdminStats, before: AdminStats) {
  return {
    requests: after.requests - before.requests,
    costPoints: after.costPoints - before.costPoints,
    throttled: after.throttled - before.throttled,
  };
}

async function sendFlows(ctx: Context, runId: number, flows: readonly FlowJob[]): Promise<FlowResult & { operations: string[] }> {
  if (flows.length === 0) return { sent: 0, failed: 0, requests: 0, errors: [], operations: [] };
  if (flows.length >= ctx.threshold) return sendFlowsBulk(flows, bulkDeps(ctx, runId, false));
  return { ...(await sendFlowsOnline(flows, { ...ctx, fieldsPerRequest: ctx.deps.fieldsPerRequest })), operations: [] };
}

/**
 * Completes bulk writes a crash left behind (customers still marked pending), polling the
 * run's operations when Shopify has them and sending only what never left, then closes
 * the unfinished run. Returns the id of the run it finished, if any.
 */
async function resumeUnfinished(ctx: Context, flow: boolean): Promise<number | null> {
  const run = unfinishedRun(ctx.db, ctx.shopId);
  const rows = loadCustomers(ctx.db, ctx.shopId).map((r) => ({ customerKey: r.customerKey, written: parseWritten(r.written) }));
  const runIds = new Set<number>();
  for (const r of rows) {
    if (r.written?.pending) runIds.add(r.written.pending.run);
    if (r.written?.flow?.run !== undefined) runIds.add(r.written.flow.run);
  }
  if (run) runIds.add(run.id);
  let resumed: number | null = null;
  for (const runId of [...runIds].sort((a, b) => a - b)) {
    const row: RunRow | undefined =
      run?.id === runId
        ? run
        : (ctx.db.prepare(`SELECT id, mode, status, startedAt FROM "WritebackRun" WHERE id = ?`).get(runId) as RunRow | undefined);
    const before = snapshot(ctx.stats);
    const startedAt = Number(row?.startedAt ?? ctx.nowMs() - 86_400_000);
    let written = 0;
    let failed = 0;
    let flowsSent = 0;
    try {
      const pending = pendingOf(rows, runId);
      const flowMarked = rows.filter((r) => r.written?.flow?.run === runId);
      const ops = pending.length > 0 || flowMarked.length > 0 ? await findRunOperations(ctx.graphql, runId, startedAt) : new Map();
      const deps = bulkDeps(ctx, runId, flow);
      if (pending.length > 0) {
        const result = await completePending(pending, deps, ops);
        written = result.written;
        failed = result.failed;
      }
      if (flowMarked.length > 0) {
        const jobs = flowMarked.map((r) => ({ customerKey: r.customerKey, written: r.written!, flow: r.written!.flow! }));
        const flowOps = new Map([...ops].filter(([key]) => key.startsWith("flowTriggerReceive#")));
        if (flowOps.size > 0) flowsSent = (await sendFlowsBulk(jobs, deps, flowOps)).sent;
        else {
          // Never submitted: drop the marks; the triggers stay owed for this run's flow phase.
          ctx.save(
            jobs.map((j) => {
              const { run: _run, line: _line, ...owed } = j.flow;
              return { customerKey: j.customerKey, written: { ...j.written, flow: owed } };
            }),
          );
        }
      }
    } catch (error) {
      if (row && row.status !== "done") {
        finishRun(ctx.db, runId, "failed", ctx.nowMs(), {}, `resume failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      throw error;
    }
    if (row && row.status !== "done") {
      // The run's bulk work is now complete: the run is done after all.
      const totals = runTotals(ctx.db, runId);
      const spent = delta(ctx.stats, before);
      finishRun(
        ctx.db,
        runId,
        "done",
        ctx.nowMs(),
        {
          customersWritten: totals.customersWritten + written,
          customersFailed: totals.customersFailed + failed,
          requests: totals.requests + spent.requests,
          costPoints: totals.costPoints + spent.costPoints,
          throttled: totals.throttled + spent.throttled,
          flowTriggers: totals.flowTriggers + flowsSent,
        },
        row.status === "failed" ? "completed by a later run after an interruption" : null,
      );
    }
    resumed = Math.max(resumed ?? 0, runId);
  }
  // An online run interrupted by a crash: what it wrote is recorded per customer; the new plan does the rest.
  if (run && run.mode === "online") {
    const still = unfinishedRun(ctx.db, ctx.shopId);
    if (still?.id === run.id) finishRun(ctx.db, run.id, "failed", ctx.nowMs(), {}, "interrupted; the next run wrote the rest");
    resumed ??= run.id;
  }
  return resumed;
}

function isShopifyShop(db: SqliteDatabase, shopId: string): boolean {
  const row = db.prepare(`SELECT platform FROM "Shop" WHERE id = ?`).get(shopId) as { platform: string } | undefined;
  return row?.platform === "shopify";
}

function emptyReport(shopId: string): WritebackReport {
  return {
    shopId,
    runId: null,
    mode: "online",
    status: "done",
    customers: { customers: 0, guests: 0, notWritable: 0, unchanged: 0, toWrite: 0, skippedFailing: 0, pending: 0, written: 0, failed: 0 },
    flowTriggers: { sent: 0, failed: 0 },
    requests: 0,
    costPoints: 0,
    throttled: 0,
    retries: 0,
    throttleWaitMs: 0,
    durationMs: 0,
    bulkOperations: [],
    resumedRun: null,
    errors: [],
    problems: [],
  };
}

/** Executes a planned change set as one WritebackRun and fills the report. */
async function execute(
  ctx: Context,
  report: WritebackReport,
  jobs: readonly WriteJob[],
  owedFlows: readonly FlowJob[],
  flow: boolean,
  started: number,
  before: AdminStats,
): Promise<WritebackReport> {
  const mode = jobs.length >= ctx.threshold && jobs.length > 0 ? "bulk" : "online";
  const runId = startRun(ctx.db, ctx.shopId, mode, jobs.length, ctx.nowMs());
  report.runId = runId;
  report.mode = mode;
  const finish = (status: "done" | "failed", error: string | null) => {
    const spent = delta(ctx.stats, before);
    Object.assign(report, spent, {
      status,
      retries: ctx.stats.retries - before.retries,
      throttleWaitMs: ctx.pacer.waitedMs,
      durationMs: ctx.nowMs() - started,
      ...(error && status === "failed" ? { error } : {}),
    });
    report.errors = report.errors.slice(0, MAX_REPORTED_ERRORS);
    finishRun(
      ctx.db,
      runId,
      status,
      ctx.nowMs(),
      {
        customersWritten: report.customers.written,
        customersFailed: report.customers.failed,
        flowTriggers: report.flowTriggers.sent,
        ...spent,
      },
      error,
    );
  };
  try {
    let result: WriteResult & { operations?: string[] } = { written: 0, failed: 0, requests: 0, errors: [], flows: [] };
    if (jobs.length > 0) {
      result =
        mode === "bulk"
          ? await writeBulk(jobs, bulkDeps(ctx, runId, flow))
          : await writeOnline(jobs, { ...ctx, flow, fieldsPerRequest: ctx.deps.fieldsPerRequest });
    }
    report.customers.written = result.written;
    report.customers.failed = result.failed;
    report.errors.push(...result.errors);
    report.bulkOperations.push(...(result.operations ?? []));
    const flows = await sendFlows(ctx, runId, [...owedFlows, ...result.flows]);
    report.flowTriggers = { sent: flows.sent, failed: flows.failed };
    report.errors.push(...flows.errors);
    report.bulkOperations.push(...flows.operations);
    // A run that wrote what it could: its problems stay visible on the run (and the dashboard).
    finish("done", report.problems.length > 0 ? report.problems.join("; ") : null);
    return report;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    finish("failed", message);
    throw new WritebackError(`write-back failed for shop ${ctx.shopId}: ${message}`, report);
  }
}

/**
 * Writes the shop's personas to Shopify: what changed since the last write-back, online
 * or in bulk. Throws WritebackError (with the report) when the run fails as a whole;
 * per-customer errors are recorded on the customers and in the report.
 */
export async function runWriteback(shopId: string, deps: WritebackDeps): Promise<WritebackReport> {
  const ctx = context(shopId, deps, DEFAULT_BULK_THRESHOLD);
  const started = ctx.nowMs();
  const report = emptyReport(shopId);
  const settings = shopSettings(deps.db, shopId);
  if (!settings.writeback.enabled) return { ...report, status: "disabled" };
  if (!isShopifyShop(deps.db, shopId)) return { ...report, status: "disabled", error: "write-back to Shopify needs a Shopify shop" };

  // A shop's first write-back labels every customer at once: that is not a change worth a Flow run each.
  const flow = hasFinishedRun(deps.db, shopId);
  const before = snapshot(ctx.stats);
  report.resumedRun = await resumeUnfinished(ctx, flow);

  const plan = planShop(
    loadCustomers(deps.db, shopId),
    { writeback: settings.writeback, personaName: personaNamesFor(settings.personas) },
    { full: deps.full, maxAttempts: deps.maxAttempts, heldMetafieldKeys: heldMetafieldKeys(deps.setup) },
  );
  report.customers = { ...plan.counts, written: 0, failed: 0 };
  report.problems = setupProblems(deps.setup);
  return execute(ctx, report, plan.jobs, plan.flows, flow, started, before);
}

/**
 * Removes every persona tag and metafield we wrote (in bulk by default), for merchants
 * who leave or start over. Owed Flow triggers are dropped. Turn write-back off in the
 * settings first, or the next run writes everything again.
 */
export async function removeAllPersonaData(shopId: string, deps: WritebackDeps): Promise<WritebackReport> {
  const ctx = context(shopId, deps, 0);
  const started = ctx.nowMs();
  const report = emptyReport(shopId);
  if (!isShopifyShop(deps.db, shopId)) return { ...report, status: "disabled", error: "write-back to Shopify needs a Shopify shop" };
  const before = snapshot(ctx.stats);
  report.resumedRun = await resumeUnfinished(ctx, false);

  const jobs: WriteJob[] = [];
  const dropFlows: { customerKey: string; written: WrittenState }[] = [];
  for (const row of loadCustomers(deps.db, shopId)) {
    report.customers.customers++;
    const written = parseWritten(row.written);
    if (!written) continue;
    const { flow: _owed, ...current } = written;
    const plan = diffStates(current, EMPTY_STATE);
    if (isEmptyPlan(plan)) {
      if (written.flow) dropFlows.push({ customerKey: row.customerKey, written: current });
      report.customers.unchanged++;
      continue;
    }
    report.customers.toWrite++;
    jobs.push({ customerKey: row.customerKey, written: current, target: EMPTY_STATE, plan });
  }
  ctx.save(dropFlows);
  return execute(ctx, report, jobs, [], false, started, before);
}
