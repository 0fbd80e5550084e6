/**
 * WooCommerce's PersonaWriter: personas are customer meta (`rfm_persona`, `rfm_r_score`, …;
 * see meta.ts). No labels, segments or persona-changed trigger: WooCommerce has none a
 * merchant could use. A session sends a change set as `POST customers/batch` updates, at most
 * 100 per call (101 → 413), recording each call's outcomes before sending the next, so a crash
 * never re-sends what succeeded. A per-item error marks only that customer failed; the core
 * plans it again next run. The plan and the run records are the neutral core's (app/writeback).
 *
 * Each batch item makes WooCommerce deliver a `customer.updated` webhook: that echo only
 * refreshes the customer's email (apply-events), so our own write causes no further work.
 */
import type { PersonaWriter, PlatformContext, ShopRef, WriteBatchResult, WriteSession, WriteTraffic, WriterCapabilities } from "~/platforms/types";
import { settleCustomer } from "~/writeback/plan";
import {
  emptyReport,
  removeAllPersonaData as removeAllThrough,
  runWriteback as runThrough,
  type RunOptions,
  type WritebackReport,
} from "~/writeback/run.server";
import type { WriteJob } from "~/writeback/shop-plan";
import { createWooClient } from "../client.server";
import { loadCredentials, type WooCredentials } from "../credentials.server";
import { wooCustomerIds } from "../ids";
import { wooCustomerIdOf } from "../orders";
import { batchResults, META_PLACE, metaChanges, type BatchUpdate } from "./meta";

export const WOO_WRITER_CAPABILITIES: WriterCapabilities = { labels: false, fields: true, segments: false, personaChangedTrigger: false };

/** WooCommerce refuses a batch of more than 100 items (create + update + delete) with 413. */
export const MAX_BATCH = 100;

/**
 * What write-back needs of a wc/v3 client: `post` as the app's WooClient (client.server.ts) or
 * the npm `@woocommerce/woocommerce-rest-api` client has it: resolves the answer, rejects with
 * the status (`error.status`, or `error.response.status` / `.data`) outside 2xx.
 */
export interface WooRestPoster {
  post(endpoint: string, data: unknown): Promise<{ status: number; data: unknown }>;
}

export interface WooWritebackDeps {
  db: RunOptions["db"];
  api: WooRestPoster;
  now?: () => Date;
  /** Backoff between retries of a call the store refused for load (429, 5xx, transport). */
  sleep?: (ms: number) => Promise<void>;
  /** Tries per call before the run fails (default 4). */
  maxTries?: number;
  /** Items per call (≤ 100). */
  batchSize?: number;
  full?: boolean;
  step?: number;
  steps?: number;
  rescoredSince?: number;
  rescoredFrom?: number;
  maxAttempts?: number;
}

/** The store refused a call as a whole (not a per-item error). */
export class WooWriteError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "WooWriteError";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function failureOf(error: unknown): { status: number | null; message: string } {
  const e = error as { response?: { status?: unknown; data?: unknown }; status?: unknown } | null;
  const message = error instanceof Error ? error.message : String(error);
  // The app's client (client.server.ts) rejects with WooApiError carrying the status already.
  if (e && "status" in e && (typeof e.status === "number" || e.status === null)) return { status: e.status, message };
  const response = e?.response;
  if (!response) return { status: null, message };
  const status = typeof response.status === "number" ? response.status : null;
  const body = response.data as { code?: unknown; message?: unknown } | undefined;
  const detail = body && typeof body.message === "string" ? `${String(body.code ?? "")}: ${body.message}` : "no error body";
  return { status, message: `HTTP ${status ?? "?"} ${detail}` };
}

/** Worth another try: the store was busy or unreachable, not refusing what we sent. */
const transient = (status: number | null) => status === null || status === 429 || status >= 500;

/** One run's connection to a WooCommerce store: its own request tally. */
export function wooWriteSession(deps: WooWritebackDeps): WriteSession {
  const sleep = deps.sleep ?? defaultSleep;
  const maxTries = deps.maxTries ?? 4;
  const batchSize = Math.max(1, Math.min(deps.batchSize ?? MAX_BATCH, MAX_BATCH));
  const traffic: WriteTraffic = { requests: 0, costPoints: 0, throttled: 0, retries: 0, waitedMs: 0 };

  async function postBatch(updates: BatchUpdate[]): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      traffic.requests++;
      try {
        return (await deps.api.post("customers/batch", { update: updates })).data;
      } catch (error) {
        const failure = failureOf(error);
        if (failure.status === 429) traffic.throttled++;
        if (!transient(failure.status) || attempt >= maxTries) {
          throw new WooWriteError(`customers/batch: ${failure.message}`, failure.status);
        }
        traffic.retries++;
        const wait = 500 * 2 ** (attempt - 1);
        traffic.waitedMs += wait;
        await sleep(wait);
      }
    }
  }

  async function write(jobs: readonly WriteJob[], record: Parameters<WriteSession["write"]>[2]): Promise<WriteBatchResult> {
    const result: WriteBatchResult = { written: 0, failed: 0, errors: [], triggers: [] };
    const settled = (job: WriteJob) => settleCustomer(job.written, job.target, job.plan, { fieldsSet: true, fieldsDelete: true }, { trigger: false }).next;
    const sendable = jobs.map((job) => ({ job, update: { id: wooCustomerIdOf(job.customerKey)!, meta_data: metaChanges(job.plan) } satisfies BatchUpdate }));

    for (let i = 0; i < sendable.length; i += batchSize) {
      const chunk = sendable.slice(i, i + batchSize);
      const answers = batchResults(await postBatch(chunk.map((c) => c.update)));
      await record(
        chunk.map(({ job, update }) => {
          const answer = answers.get(update.id) ?? { ok: false as const, message: "no result for this customer in the batch answer" };
          if (answer.ok) {
            result.written++;
            return { customerKey: job.customerKey, written: settled(job), status: "ok" as const, error: null };
          }
          result.failed++;
          result.errors.push({ customerKey: job.customerKey, message: answer.message });
          return { customerKey: job.customerKey, written: job.written, status: "failed" as const, error: answer.message, countAttempt: true };
        }),
      );
    }
    return result;
  }

  return {
    capabilities: WOO_WRITER_CAPABILITIES,
    fieldPlace: META_PLACE,
    isWritable: wooCustomerIds.isWritable,
    modeFor: () => "online",
    write: (jobs, _run, record) => write(jobs, record),
    traffic: () => ({ ...traffic }),
  };
}

function runOptions(deps: WooWritebackDeps): RunOptions {
  return { db: deps.db, now: deps.now, full: deps.full, step: deps.step, steps: deps.steps, rescoredSince: deps.rescoredSince, rescoredFrom: deps.rescoredFrom, maxAttempts: deps.maxAttempts };
}

/** Writes the shop's personas to WooCommerce customer meta (see runWriteback in app/writeback). */
export function runWriteback(shopId: string, deps: WooWritebackDeps): Promise<WritebackReport> {
  return runThrough(shopId, wooWriteSession(deps), runOptions(deps));
}

/** Deletes every persona meta key we wrote. */
export function removeAllPersonaData(shopId: string, deps: WooWritebackDeps): Promise<WritebackReport> {
  return removeAllThrough(shopId, wooWriteSession(deps), runOptions(deps));
}

export interface WooWriterDeps {
  /**
   * The shop's wc/v3 client and whether its key may write (default: from the stored
   * credentials). A read-only key (the merchant granted read only) leaves the store
   * untouched: the run reports `disabled` with the reason.
   */
  connectionFor?: (shop: ShopRef, ctx: PlatformContext) => Promise<WooConnection> | WooConnection;
  /** The client for stored credentials (default: the app's client). */
  clientFor?: (credentials: WooCredentials) => WooRestPoster;
  sleep?: (ms: number) => Promise<void>;
}

export interface WooConnection {
  api: WooRestPoster;
  canWrite: boolean;
}

function storedConnection(clientFor: (credentials: WooCredentials) => WooRestPoster) {
  return async (shop: ShopRef, ctx: PlatformContext): Promise<WooConnection> => {
    const credentials = await loadCredentials(ctx.db, shop.id);
    if (!credentials) throw new Error(`WooCommerce store ${shop.domain} has no stored credentials: connect it again`);
    return { api: clientFor(credentials), canWrite: credentials.keyPermissions === "read_write" };
  };
}

export const READ_ONLY_PROBLEM = "The store's API key is read-only: personas are not written to WooCommerce. Reconnect with read/write access to turn write-back on.";

function readOnlyReport(shopId: string): WritebackReport {
  return { ...emptyReport(shopId), status: "disabled", problems: [READ_ONLY_PROBLEM] };
}

export function createWooCommerceWriter(deps: WooWriterDeps = {}): PersonaWriter {
  const connectionFor = deps.connectionFor ?? storedConnection(deps.clientFor ?? ((c) => createWooClient(c)));
  const base = async (shop: ShopRef, ctx: PlatformContext) => {
    const connection = await connectionFor(shop, ctx);
    return { connection, deps: { db: ctx.db, api: connection.api, now: ctx.now, sleep: deps.sleep } satisfies WooWritebackDeps };
  };
  return {
    capabilities: WOO_WRITER_CAPABILITIES,
    async writeback(shop, ctx, { full, step, rescoredSince, rescoredFrom }) {
      const { connection, deps: writeDeps } = await base(shop, ctx);
      if (!connection.canWrite) return readOnlyReport(shop.id);
      return runWriteback(shop.id, { ...writeDeps, full: full === true, step, rescoredSince, rescoredFrom });
    },
    async removeAll(shop, ctx) {
      const { connection, deps: writeDeps } = await base(shop, ctx);
      if (!connection.canWrite) return readOnlyReport(shop.id);
      return removeAllPersonaData(shop.id, writeDeps);
    },
  };
}
