/**
 * Write-back entry points, platform-neutral: `runWriteback` (after each recompute) and
 * `removeAllPersonaData` (a merchant leaving or starting over), both over a WriteSession
 * the store's PersonaWriter opens.
 *
 * A run: finish any work a crash left in flight (the writer's resume) → plan from the
 * database (desired vs what we last wrote) → the writer writes (online or in bulk, its
 * choice) → send the owed persona-changed triggers when the writer can → record a
 * WritebackRun with what it cost. See docs/decisions/006-writeback.md.
 */
import type { Db } from "~/db/index.server";
import type { WriteBatchResult, WriteSession, WriteTraffic } from "~/platforms/types";
import { shopSettings } from "~/shops/settings.server";
import { shopDayOf } from "~/rfm/zoned-days";
import { writebackGate } from "./consent.server";
import { personaNamesFor } from "./desired";
import { diffStates, isEmptyPlan } from "./plan";
import { ShopPlanner, type ShopPlanCounts, type TriggerJob, type WriteJob } from "./shop-plan";
import { EMPTY_STATE, parseWritten, type WrittenState } from "./state";
import {
  findRun,
  finishRun,
  hasFinishedRun,
  loadCustomers,
  outcomeWriter,
  scanCustomers,
  runTotals,
  startRun,
  unfinishedRun,
  type OutcomeWriter,
  type RunRow,
  type SomeCustomers,
} from "./store.server";

/** What the store setup that ran before could not do; write-back works around it. */
export interface SetupOutcome {
  /** Field keys to leave alone (e.g. the store defines them with another type). */
  heldFieldKeys: string[];
  /** Shown on the run (and the dashboard); the run still writes the rest. */
  problems: string[];
}

export interface RunOptions {
  db: Db;
  now?: () => Date;
  /** Re-send everything wanted, repairing edits made in the admin (and retrying customers that kept failing). */
  full?: boolean;
  /** Consecutive failures after which a customer is left alone until a full run (default 5). */
  maxAttempts?: number;
  setup?: SetupOutcome | null;
  /**
   * Customers an online run writes per step, most urgent first, planning again between steps
   * (the job queue passes ONLINE_STEP); unset, a run writes everything at once.
   */
  step?: number;
  /** At most this many steps (default: as many as STEPS_FOR_MS allows); `more` says what is left. */
  steps?: number;
  stepsForMs?: number;
  /**
   * Everything that needed writing before this moment (epoch ms) has been written, as far as
   * the customers' scoredAt can tell: plan only who was rescored since, and the unsettled, not
   * the whole shop. The job queue knows it for write-backs a recompute asks for.
   */
  rescoredSince?: number;
  /**
   * No recompute that may write during this run stamps its customers (scoredAt) before this
   * moment: the steps after the first plan read who was rescored since. Default: the run's
   * start less RESCORED_MARGIN_MS.
   */
  rescoredFrom?: number;
}

/**
 * An online write-back run from the job queue writes this many customers at a time, most
 * urgent first, planning again between steps. A persona change costs Shopify about 33 points
 * (two tag mutations, a share of a metafieldsSet, the Flow trigger); Standard refills 100
 * points/s, so a step of 8 waits under 3 s for a drained bucket. A persona that an order just
 * changed then waits behind at most one such step, not behind hundreds of customers an edge
 * re-scored; each step re-plans, so it goes first (docs/decisions/046). A shop's first
 * write-back and full runs are not stepped (see runWriteback).
 */
export const ONLINE_STEP = 8;

/**
 * A stepped write-back keeps stepping within one run for this long, then hands the rest to the
 * next job (which plans the whole shop again). Store writes have their own lane, so a long run
 * holds up nothing but the next write-back.
 */
export const STEPS_FOR_MS = 30_000;
/**
 * A recompute stamps the customers it writes with the moment it began (scoredAt), and may write
 * after a plan has read. Without a bound from the job queue (rescoredFrom), a run's later steps
 * look back this far before its start.
 */
const RESCORED_MARGIN_MS = 600_000;

export interface WritebackReport {
  shopId: string;
  /** null when nothing ran (write-back off, or not approved by the merchant). */
  runId: number | null;
  mode: "online" | "bulk";
  /** awaiting-consent: the merchant has not approved writing (or paused it); nothing was sent. */
  status: "done" | "failed" | "disabled" | "awaiting-consent";
  customers: ShopPlanCounts & { written: number; failed: number };
  /** Customers left for the next run (a stepping run out of time). */
  more: number;
  /** The run wrote everything its plans found (nothing left for a next run). */
  settled?: boolean;
  /** Persona-changed triggers (reported under their first name). */
  flowTriggers: { sent: number; failed: number };
  /** Store API traffic of this run. */
  requests: number;
  costPoints: number;
  throttled: number;
  retries: number;
  /** Time spent waiting for the store's rate limit before sending. */
  throttleWaitMs: number;
  durationMs: number;
  bulkOperations: string[];
  /** A run a crash had left unfinished, completed first. */
  resumedRun: number | null;
  /** First errors, per customer. */
  errors: { customerKey: string; message: string }[];
  /** What the store setup could not do (e.g. a field defined with another type); the run still writes the rest. */
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

interface Context {
  db: Db;
  shopId: string;
  session: WriteSession;
  save: OutcomeWriter;
  nowMs: () => number;
}

function context(shopId: string, session: WriteSession, options: RunOptions): Context {
  const nowMs = () => (options.now?.() ?? new Date()).getTime();
  return { db: options.db, shopId, session, save: outcomeWriter(options.db, shopId, nowMs), nowMs };
}

function delta(after: WriteTraffic, before: WriteTraffic) {
  return {
    requests: after.requests - before.requests,
    costPoints: after.costPoints - before.costPoints,
    throttled: after.throttled - before.throttled,
  };
}

const canTrigger = (session: WriteSession) => session.capabilities.personaChangedTrigger && session.sendPersonaChanged !== undefined;

/**
 * Completes work a crash left in flight (customers whose transport part names a run),
 * through the writer's resume, then closes the unfinished run. Returns the id of the run
 * it finished, if any.
 */
async function resumeUnfinished(ctx: Context, trigger: boolean): Promise<number | null> {
  const { session } = ctx;
  const run = await unfinishedRun(ctx.db, ctx.shopId);
  // Only what a crashed run can have left: a write or a trigger in flight (not the whole shop, per run).
  const rows = (await loadCustomers(ctx.db, ctx.shopId, "in-flight")).map((r) => ({ customerKey: r.customerKey, written: parseWritten(r.written) }));
  const runIds = new Set<number>(session.resume ? (session.unfinishedRuns?.(rows) ?? []) : []);
  if (run) runIds.add(run.id);
  let resumed: number | null = null;
  for (const runId of [...runIds].sort((a, b) => a - b)) {
    const row: RunRow | undefined = run?.id === runId ? run : await findRun(ctx.db, runId);
    const before = session.traffic();
    const startedAt = Number(row?.startedAt ?? ctx.nowMs() - 86_400_000);
    let done = { written: 0, failed: 0, triggersSent: 0 };
    try {
      if (session.resume) done = await session.resume(runId, rows, { startedAt, trigger }, ctx.save);
    } catch (error) {
      if (row && row.status !== "done") {
        await finishRun(ctx.db, runId, "failed", ctx.nowMs(), {}, `resume failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      throw error;
    }
    if (row && row.status !== "done") {
      // The run's work is now complete: the run is done after all.
      const totals = await runTotals(ctx.db, runId);
      const spent = delta(session.traffic(), before);
      await finishRun(
        ctx.db,
        runId,
        "done",
        ctx.nowMs(),
        {
          customersWritten: totals.customersWritten + done.written,
          customersFailed: totals.customersFailed + done.failed,
          requests: totals.requests + spent.requests,
          costPoints: totals.costPoints + spent.costPoints,
          throttled: totals.throttled + spent.throttled,
          triggersSent: totals.triggersSent + done.triggersSent,
        },
        row.status === "failed" ? "completed by a later run after an interruption" : null,
      );
    }
    resumed = Math.max(resumed ?? 0, runId);
  }
  // An online run interrupted by a crash: what it wrote is recorded per customer; the new plan does the rest.
  if (run && run.mode === "online") {
    const still = await unfinishedRun(ctx.db, ctx.shopId);
    if (still?.id === run.id) await finishRun(ctx.db, run.id, "failed", ctx.nowMs(), {}, "interrupted; the next run wrote the rest");
    resumed ??= run.id;
  }
  return resumed;
}

/** A report of a run that sent nothing (also what a writer reports when it does not write). */
export function emptyReport(shopId: string): WritebackReport {
  return {
    shopId,
    runId: null,
    mode: "online",
    status: "done",
    customers: { customers: 0, guests: 0, notWritable: 0, unchanged: 0, toWrite: 0, skippedFailing: 0, pending: 0, written: 0, failed: 0 },
    more: 0,
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
  jobs: WriteJob[],
  owedTriggers: readonly TriggerJob[],
  trigger: boolean,
  started: number,
  before: WriteTraffic,
): Promise<WritebackReport> {
  const { session } = ctx;
  const mode = session.modeFor(jobs.length);
  const runId = await startRun(ctx.db, ctx.shopId, mode, jobs.length, ctx.nowMs());
  report.runId = runId;
  report.mode = mode;
  const finish = async (status: "done" | "failed", error: string | null) => {
    const now = session.traffic();
    const spent = delta(now, before);
    Object.assign(report, spent, {
      status,
      retries: now.retries - before.retries,
      throttleWaitMs: now.waitedMs,
      durationMs: ctx.nowMs() - started,
      ...(error && status === "failed" ? { error } : {}),
    });
    report.errors = report.errors.slice(0, MAX_REPORTED_ERRORS);
    await finishRun(
      ctx.db,
      runId,
      status,
      ctx.nowMs(),
      {
        customersWritten: report.customers.written,
        customersFailed: report.customers.failed,
        triggersSent: report.flowTriggers.sent,
        ...spent,
      },
      error,
    );
  };
  try {
    let result: WriteBatchResult = { written: 0, failed: 0, errors: [], triggers: [] };
    if (jobs.length > 0) result = await session.write(jobs, { id: runId, mode, trigger }, ctx.save);
    report.customers.written = result.written;
    report.customers.failed = result.failed;
    report.errors.push(...result.errors);
    report.bulkOperations.push(...(result.operations ?? []));
    const owed = [...owedTriggers, ...result.triggers];
    if (owed.length > 0 && canTrigger(session)) {
      const sent = await session.sendPersonaChanged!(owed, { id: runId }, ctx.save);
      report.flowTriggers = { sent: sent.sent, failed: sent.failed };
      report.errors.push(...sent.errors);
      report.bulkOperations.push(...(sent.operations ?? []));
    }
    // A run that wrote what it could: its problems stay visible on the run (and the dashboard).
    await finish("done", report.problems.length > 0 ? report.problems.join("; ") : null);
    return report;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await finish("failed", message);
    throw new WritebackError(`write-back failed for shop ${ctx.shopId}: ${message}`, report);
  }
}

/**
 * Writes the shop's personas to its store: what changed since the last write-back.
 * Throws WritebackError (with the report) when the run fails as a whole; per-customer
 * errors are recorded on the customers and in the report.
 */
export async function runWriteback(shopId: string, session: WriteSession, options: RunOptions): Promise<WritebackReport> {
  const ctx = context(shopId, session, options);
  let started = ctx.nowMs();
  const report = emptyReport(shopId);
  // Nothing reaches the store before the merchant's go-ahead, nor while write-back is off or paused.
  const gate = await writebackGate(options.db, shopId);
  if (!gate.allowed) return { ...report, status: gate.reason === "disabled" ? "disabled" : "awaiting-consent" };
  const settings = await shopSettings(options.db, shopId);

  // A shop's first write-back labels every customer at once: that is not a change worth a triggered workflow each.
  const labelled = await hasFinishedRun(options.db, shopId);
  const trigger = canTrigger(session) && labelled;
  let before = session.traffic();
  report.resumedRun = await resumeUnfinished(ctx, trigger);

  const timeZone = (await options.db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null;
  /** The plan of these customers (or of the whole shop, planned a page at a time as it is read). */
  const planOf = async (only?: SomeCustomers) => {
    const planner = new ShopPlanner(
      {
        writeback: settings.writeback,
        personaName: personaNamesFor(settings.personas),
        fieldPlace: session.fieldPlace,
        isWritable: (key) => session.isWritable(key),
        carries: session.capabilities,
        dayOf: shopDayOf(timeZone),
        nowMs: ctx.nowMs(),
      },
      { full: options.full, maxAttempts: options.maxAttempts, heldFieldKeys: options.setup?.heldFieldKeys ?? [] },
    );
    await scanCustomers(options.db, shopId, (row) => planner.add(row), only);
    return planner.plan();
  };
  const rescoredFrom = options.rescoredFrom ?? started - RESCORED_MARGIN_MS;
  const targeted = options.rescoredSince !== undefined && !options.full;
  let plan = await planOf(targeted ? { keys: [], scoredSince: options.rescoredSince! } : undefined);
  report.customers = { ...plan.counts, written: 0, failed: 0 };
  report.problems = options.setup?.problems ?? [];
  // Steps only once the shop is labelled (its first run sends no triggers, and must finish as
  // one run to mean that), and never for a full run (each step would re-send everything).
  // A step is at most `step` customers, fewer when the store's rate limit holds fewer now: an
  // urgent customer then waits for its own writes, not for a whole step's (decision 056).
  const step = options.step ?? Infinity;
  const stepOf = (p: typeof plan) =>
    options.step === undefined ? Infinity : (session.stepSize?.(p.jobs, { max: step, trigger, owedTriggers: p.triggers.length }) ?? step);
  let size = stepOf(plan);
  const stepped = labelled && !options.full && session.modeFor(plan.jobs.length) === "online" && plan.jobs.length > size;
  if (!stepped) return { ...(await execute(ctx, report, plan.jobs, plan.triggers, trigger, started, before)), settled: true };

  const until = started + (options.stepsForMs ?? STEPS_FOR_MS);
  for (let steps = 1; ; steps++) {
    const rest = plan.jobs.slice(size);
    report.more = rest.length;
    const done = await execute(ctx, report, plan.jobs.slice(0, size), plan.triggers, trigger, started, before);
    if (rest.length === 0) return { ...done, settled: true };
    if (steps >= (options.steps ?? Infinity) || ctx.nowMs() >= until) return done;
    // The next step plans only what this plan left and whoever a recompute rescored since the
    // run began (rescoredFrom): a whole-shop read per step cost 1.2 s at 100k customers.
    // A settings or consent change meanwhile is the next write-back's: its basis differs, so
    // it plans the whole shop (jobs/handlers.server.ts).
    plan = await planOf({ keys: rest.map((j) => j.customerKey), scoredSince: rescoredFrom });
    if (plan.jobs.length === 0) return { ...done, more: 0, settled: true };
    Object.assign(report, emptyReport(shopId), { customers: { ...plan.counts, written: 0, failed: 0 }, problems: options.setup?.problems ?? [] });
    started = ctx.nowMs();
    before = session.traffic();
    size = stepOf(plan);
  }
}

/**
 * Removes every persona label and field we wrote, for merchants who leave or start over.
 * Owed persona-changed triggers are dropped. Turn write-back off in the settings first,
 * or the next run writes everything again.
 */
export async function removeAllPersonaData(shopId: string, session: WriteSession, options: RunOptions): Promise<WritebackReport> {
  const ctx = context(shopId, session, options);
  const started = ctx.nowMs();
  const report = emptyReport(shopId);
  const before = session.traffic();
  report.resumedRun = await resumeUnfinished(ctx, false);

  const jobs: WriteJob[] = [];
  const dropTriggers: { customerKey: string; written: WrittenState }[] = [];
  for (const row of await loadCustomers(options.db, shopId)) {
    report.customers.customers++;
    const written = parseWritten(row.written);
    if (!written) continue;
    const { trigger: _owed, ...current } = written;
    const plan = diffStates(current, EMPTY_STATE);
    if (isEmptyPlan(plan)) {
      if (written.trigger) dropTriggers.push({ customerKey: row.customerKey, written: current });
      report.customers.unchanged++;
      continue;
    }
    report.customers.toWrite++;
    // Nothing of ours stays in the store, but the record keeps the persona it last described:
    // writing again after the merchant approves is then no persona change (no trigger per customer).
    jobs.push({ customerKey: row.customerKey, written: current, target: { ...EMPTY_STATE, persona: current.persona }, plan });
  }
  await ctx.save(dropTriggers);
  return execute(ctx, report, jobs, [], false, started, before);
}
