/**
 * Shopify's PersonaWriter: labels are customer tags, fields are metafields in the
 * app-reserved namespace, segments and the Flow "persona changed" trigger are supported.
 * A session sends a change set online (aliased mutations, paced by the cost bucket) or,
 * from `bulkThreshold` customers, as bulk mutations over staged uploads, and resumes a
 * bulk run a crash left behind. The plan and the run records are the neutral core's
 * (app/writeback).
 */
import type { PersonaWriter, ShopRef, PlatformContext, WriteSession, WriteTraffic, WriterCapabilities } from "~/platforms/types";
import {
  removeAllPersonaData as removeAllThrough,
  runWriteback as runThrough,
  type RunOptions,
  type WritebackReport,
} from "~/writeback/run.server";
import { resilient, type AdminGraphql, type AdminStats } from "../admin-graphql.server";
import { shopifyCustomerIds } from "../ids";
import { completePending, findRunOperations, pendingOf, sendFlowsBulk, unfinishedBulkRuns, writeBulk, type BulkDeps } from "./bulk.server";
import { PERSONA_NAMESPACE } from "./metafields";
import { jobsTheBucketHolds, sendFlowsOnline, writeOnline } from "./online.server";
import { createPacer, LEAVE_SECONDS, type BucketMemory } from "./pacer";
import { ensureStoreSetup, removeSegments, setupOutcome, type SetupReport } from "./setup.server";
import { shopSettings } from "~/shops/settings.server";

export const DEFAULT_BULK_THRESHOLD = 1000;

export const SHOPIFY_WRITER_CAPABILITIES: WriterCapabilities = { labels: true, fields: true, segments: true, personaChangedTrigger: true };

export interface ShopifyWritebackDeps {
  /** The raw SQLite connection. */
  db: RunOptions["db"];
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
  /** Customers an online run writes per step, and at most how many steps (RunOptions). */
  step?: number;
  steps?: number;
  rescoredSince?: number;
  rescoredFrom?: number;
  /** Consecutive failures after which a customer is left alone until a full run (default 5). */
  maxAttempts?: number;
  /** The shop's bucket as the last run left it (the writer keeps one per shop). */
  bucket?: BucketMemory;
  /**
   * The store setup that ran before (ensureStoreSetup): keys whose definition conflicts are
   * left alone, and its problems are recorded on the run for the dashboard.
   */
  setup?: SetupReport | null;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One run's connection to a Shopify store: its own request tally and cost-bucket pacer. */
export function shopifyWriteSession(deps: ShopifyWritebackDeps, defaultThreshold = DEFAULT_BULK_THRESHOLD): WriteSession {
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
  const pacer = createPacer(nowMs, sleep, deps.bucket, LEAVE_SECONDS);
  const threshold = deps.bulkThreshold ?? defaultThreshold;
  const bulkDeps = (runId: number, flow: boolean, save: BulkDeps["save"]): BulkDeps => ({
    graphql,
    pacer,
    save,
    flow,
    runId,
    fetchFile: deps.fetchFile ?? ((url) => fetch(url)),
    httpFetch: deps.httpFetch ?? fetch,
    pollMs: deps.bulkPollMs ?? 2000,
    pollSleep: deps.pollSleep ?? deps.sleep ?? defaultSleep,
    maxLinesPerFile: deps.bulkLinesPerFile,
  });
  const online = { graphql, pacer, fieldsPerRequest: deps.fieldsPerRequest };

  return {
    capabilities: SHOPIFY_WRITER_CAPABILITIES,
    fieldPlace: PERSONA_NAMESPACE,
    isWritable: shopifyCustomerIds.isWritable,
    modeFor: (customers) => (customers >= threshold && customers > 0 ? "bulk" : "online"),
    async write(jobs, run, record) {
      return run.mode === "bulk"
        ? writeBulk(jobs, bulkDeps(run.id, run.trigger, record))
        : writeOnline(jobs, { ...online, save: record, flow: run.trigger });
    },
    unfinishedRuns: unfinishedBulkRuns,
    async resume(runId, rows, { startedAt, trigger }, record) {
      const done = { written: 0, failed: 0, triggersSent: 0 };
      const pending = pendingOf(rows, runId);
      const flowMarked = rows.filter((r) => r.written?.trigger?.run === runId);
      if (pending.length === 0 && flowMarked.length === 0) return done;
      const ops = await findRunOperations(graphql, runId, startedAt);
      const deps = bulkDeps(runId, trigger, record);
      if (pending.length > 0) {
        const result = await completePending(pending, deps, ops);
        done.written = result.written;
        done.failed = result.failed;
      }
      if (flowMarked.length > 0) {
        const jobs = flowMarked.map((r) => ({ customerKey: r.customerKey, written: r.written!, trigger: r.written!.trigger! }));
        const flowOps = new Map([...ops].filter(([key]) => key.startsWith("flowTriggerReceive#")));
        if (flowOps.size > 0) done.triggersSent = (await sendFlowsBulk(jobs, deps, flowOps)).sent;
        else {
          // Never submitted: drop the marks; the triggers stay owed for this run's trigger phase.
          await record(
            jobs.map((j) => {
              const { run: _run, line: _line, ...owed } = j.trigger;
              return { customerKey: j.customerKey, written: { ...j.written, trigger: owed } };
            }),
          );
        }
      }
      return done;
    },
    async sendPersonaChanged(jobs, run, record) {
      if (jobs.length >= threshold) return sendFlowsBulk(jobs, bulkDeps(run.id, false, record));
      return { ...(await sendFlowsOnline(jobs, { ...online, save: record })), operations: [] };
    },
    stepSize: (jobs, options) => jobsTheBucketHolds(jobs, pacer.available(), options),
    traffic: (): WriteTraffic => ({ ...stats, waitedMs: pacer.waitedMs }),
  };
}

function runOptions(deps: ShopifyWritebackDeps): RunOptions {
  return { db: deps.db, now: deps.now, full: deps.full, step: deps.step, steps: deps.steps, rescoredSince: deps.rescoredSince, rescoredFrom: deps.rescoredFrom, maxAttempts: deps.maxAttempts, setup: deps.setup ? setupOutcome(deps.setup) : null };
}

/** Writes the shop's personas to Shopify (see runWriteback in app/writeback). */
export function runWriteback(shopId: string, deps: ShopifyWritebackDeps): Promise<WritebackReport> {
  return runThrough(shopId, shopifyWriteSession(deps), runOptions(deps));
}

/** Removes every persona tag and metafield we wrote, in bulk by default. */
export function removeAllPersonaData(shopId: string, deps: ShopifyWritebackDeps): Promise<WritebackReport> {
  return removeAllThrough(shopId, shopifyWriteSession(deps, 0), runOptions(deps));
}

export interface ShopifyWriterDeps {
  /** The shop's Admin API client, unwrapped (write-back paces, retries and counts itself). */
  graphqlFor: (shopId: string) => Promise<AdminGraphql>;
  fetchFile?: (url: string) => Promise<Response>;
}

/**
 * How long a store setup stands for the same settings. A stepped write-back (decision 046)
 * runs every few seconds while orders arrive; checking definitions and segments before each
 * step spent the rate-limit bucket the step needed and waited for it to refill. Segments follow
 * a settings change at once (the settings are part of the key), and a removal forgets the setup.
 */
export const SETUP_REUSE_MS = 60_000;

export function createShopifyWriter(deps: ShopifyWriterDeps): PersonaWriter {
  const setups = new Map<string, { at: number; settings: string; report: SetupReport }>();
  const buckets = new Map<string, BucketMemory>();
  const bucketOf = (shopId: string) => buckets.get(shopId) ?? buckets.set(shopId, { known: null }).get(shopId)!;
  const setupFor = async (shopId: string, writeDeps: ShopifyWritebackDeps, full: boolean): Promise<SetupReport> => {
    const at = (writeDeps.now?.() ?? new Date()).getTime();
    const settings = JSON.stringify(await shopSettings(writeDeps.db, shopId));
    const known = setups.get(shopId);
    if (!full && known && known.settings === settings && at - known.at < SETUP_REUSE_MS) return known.report;
    const report = await ensureStoreSetup(shopId, writeDeps);
    // Only a setup that completed stands in for the next: a skipped or partly failed one is tried again.
    const complete = !report.skipped && report.definitions.failed.length === 0 && report.segments.failed.length === 0;
    if (complete) setups.set(shopId, { at, settings, report });
    else setups.delete(shopId);
    return report;
  };
  const base = async (shop: ShopRef, ctx: PlatformContext) => ({
    db: ctx.db,
    graphql: await deps.graphqlFor(shop.id),
    now: ctx.now,
    fetchFile: deps.fetchFile,
  });
  return {
    capabilities: SHOPIFY_WRITER_CAPABILITIES,
    async writeback(shop, ctx, { full, step, rescoredSince, rescoredFrom }) {
      const writeDeps = await base(shop, ctx);
      // Definitions and segments first (idempotent: a few reads when all exist), so renamed
      // personas and new definitions are in place before customers are written.
      const setup = await setupFor(shop.id, writeDeps, full === true);
      return runWriteback(shop.id, { ...writeDeps, full: full === true, step, rescoredSince, rescoredFrom, setup, bucket: bucketOf(shop.id) });
    },
    async removeAll(shop, ctx, options = {}) {
      setups.delete(shop.id);
      const deps = await base(shop, ctx);
      const report = await removeAllPersonaData(shop.id, deps);
      if (!options.segments) return report;
      const segments = await removeSegments(shop.id, deps);
      const problems = segments.failed.map((f) => `segment for ${f.persona}: ${f.message}`);
      return { ...report, problems: [...report.problems, ...problems] };
    },
  };
}
