/**
 * Bulk write-back, for large change sets: one JSONL line per customer per kind of
 * operation (tagsAdd, tagsRemove, metafieldsSet, metafieldsDelete), uploaded with
 * stagedUploadsCreate and run with bulkOperationRunMutation — the kinds concurrently
 * (≤ 5 bulk operations per shop) since they touch disjoint tags and keys. Results come
 * back per line (`__lineNumber`), so each customer's success or error is recorded.
 * https://shopify.dev/docs/api/usage/bulk-operations/imports
 *
 * Resumable: before anything is uploaded each customer records which line of which run
 * carries it (the transport part of Customer.written); the run id is in the operation name, so after a
 * crash the run's operations are found again and polled instead of re-sent.
 */
import { openAsBlob } from "node:fs";
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AdminApiError, dataOf, type AdminGraphql } from "~/platforms/shopify/admin-graphql.server";
import {
  BULK_OPERATION_RUN_MUTATION,
  BULK_OPERATIONS_BY_ID,
  bulkMutationFor,
  parseBulkMutationName,
  RECENT_BULK_MUTATIONS,
  STAGED_UPLOADS_CREATE,
  type BulkKind,
} from "./documents";
import type { RecordOutcomes, ResumeRow } from "~/platforms/types";
import { kindsOf, operationsFor, settleCustomer, type CustomerPlan, type Done } from "~/writeback/plan";
import type { TriggerJob, WriteJob } from "~/writeback/shop-plan";
import { readStoredState, storedState, WRITE_KINDS, type StoreState, type WriteKind, type WrittenState } from "~/writeback/state";
import type { CustomerOutcome } from "~/writeback/store.server";
import { MUTATION_OF } from "./documents";
import { flowPayload, FLOW_TRIGGER_HANDLE } from "./flow";
import { metafieldWrite } from "./metafields";
import { sendFlowsOnline, type FlowResult, type WriteResult } from "./online.server";
import type { Pacer } from "./pacer";

export interface BulkDeps {
  /** A resilient() client. */
  graphql: AdminGraphql;
  pacer: Pacer;
  save: RecordOutcomes;
  flow: boolean;
  runId: number;
  /** Downloads a result file (a signed storage URL, not the Admin API). */
  fetchFile: (url: string) => Promise<Response>;
  /** Posts the staged upload form. */
  httpFetch: typeof fetch;
  pollMs: number;
  pollSleep: (ms: number) => Promise<void>;
  /** Give up waiting for operations after this many polls (they keep running; a later run resumes). */
  maxPolls?: number;
  /** Lines per uploaded file; keeps each file well under Shopify's 100 MB (default 50,000). */
  maxLinesPerFile?: number;
}

export const DEFAULT_LINES_PER_FILE = 50_000;

export interface BulkWriteResult extends WriteResult {
  operations: string[];
}

type LineKind = (typeof MUTATION_OF)[WriteKind];

/** A bulk write in flight: which lines of which run carry this customer, and what they set. */
export interface PendingBulk {
  run: number;
  target: StoreState;
  full?: boolean;
  /** Line number per bulk mutation kind (one line per customer per kind). */
  lines: Partial<Record<LineKind, number>>;
}

/** PendingBulk as the customer's transport part stores it (the target in stored form). */
function storedPending(p: PendingBulk): unknown {
  return { run: p.run, target: storedState(p.target), ...(p.full ? { full: true } : {}), lines: p.lines };
}

function readPending(transport: unknown): PendingBulk | null {
  const raw = transport as { run?: unknown; target?: unknown; full?: unknown; lines?: unknown } | null | undefined;
  if (!raw || typeof raw !== "object" || typeof raw.run !== "number") return null;
  return {
    run: raw.run,
    target: readStoredState(raw.target),
    ...(raw.full === true ? { full: true } : {}),
    lines: raw.lines && typeof raw.lines === "object" ? (raw.lines as PendingBulk["lines"]) : {},
  };
}

/** Runs whose bulk work a crash left in flight: customers' pending lines and marked triggers. */
export function unfinishedBulkRuns(rows: readonly ResumeRow[]): number[] {
  const runIds = new Set<number>();
  for (const r of rows) {
    const pending = readPending(r.written?.transport);
    if (pending) runIds.add(pending.run);
    if (r.written?.trigger?.run !== undefined) runIds.add(r.written.trigger.run);
  }
  return [...runIds];
}

/** A customer whose operations are on lines of a bulk run. */
export interface PendingCustomer {
  customerKey: string;
  /** What the store carries as last confirmed (before this run's lines). */
  current: WrittenState | null;
  pending: PendingBulk;
}

interface Operation {
  id: string;
  kind: BulkKind;
  part: number;
  status: string;
  errorCode: string | null;
  url: string | null;
  partialDataUrl: string | null;
}

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

function withoutPending(written: WrittenState): WrittenState {
  const { transport: _pending, ...rest } = written;
  return rest;
}

/** One JSONL line of variables for a customer's operations of one kind. */
function variablesFor(kind: WriteKind, customerKey: string, plan: CustomerPlan): Record<string, unknown> {
  switch (kind) {
    case "labelsAdd":
      return { id: customerKey, tags: plan.labelsAdd };
    case "labelsRemove":
      return { id: customerKey, tags: plan.labelsRemove };
    case "fieldsSet":
      return { metafields: plan.fieldsSet.map((m) => ({ ownerId: customerKey, ...metafieldWrite(m) })) };
    case "fieldsDelete":
      return { metafields: plan.fieldsDelete.map((m) => ({ ownerId: customerKey, namespace: m.place, key: m.key })) };
  }
}

// ---- staged upload → bulkOperationRunMutation ----

/** One file of a run: a kind's lines from `offset`, at most maxLinesPerFile of them, on disk until uploaded. */
interface Unit {
  kind: BulkKind;
  part: number;
  offset: number;
  /** The JSONL file (null once uploaded, or when Shopify already has the part). */
  path: string | null;
  /**
   * The line number at each position of the file this process wrote; null for a part Shopify
   * already has, whose file a first attempt wrote with every number from `offset` on.
   */
  lines: Int32Array | null;
}

/** Bytes of lines gathered before they are appended to their file. */
const WRITE_CHUNK = 1 << 20;

/** A kind's lines: how many, and the i-th one's number (in any order) and text. */
interface KindLines {
  kind: BulkKind;
  count: number;
  lineOf(i: number): number;
  textOf(i: number): string;
}

/**
 * Writes each kind's lines to a file per part in `dir`, in line order, and records which line
 * is at each position: a resumed run may lack some of a part's numbers (a customer erased
 * meanwhile), and a file has no blank lines for them (how Shopify would number around one is
 * not documented). Parts `skip` names (Shopify already has them) are not written. Nothing is
 * held but the text of the chunk being appended and the numbers: a first write-back's files
 * are a line per customer and kind.
 */
async function writeUnits(dir: string, kinds: readonly KindLines[], perFile: number, skip: (kind: BulkKind, part: number) => boolean): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const lines of kinds) {
    // In line order: a resumed run reads its customers in key order, not in the order they were numbered.
    const order = Array.from({ length: lines.count }, (_, i) => i).filter((i) => lines.lineOf(i) >= 0);
    order.sort((a, b) => lines.lineOf(a) - lines.lineOf(b));
    let unit: Unit | null = null;
    let file: FileHandle | null = null;
    let numbers: number[] = [];
    let text = "";
    const close = async () => {
      if (text.length > 0) await file!.write(text);
      text = "";
      await file?.close();
      file = null;
      if (unit) unit.lines = Int32Array.from(numbers);
      numbers = [];
    };
    try {
      for (const i of order) {
        const line = lines.lineOf(i);
        const part = Math.floor(line / perFile);
        if (skip(lines.kind, part)) continue;
        if (unit === null || unit.part !== part) {
          await close();
          unit = { kind: lines.kind, part, offset: part * perFile, path: path.join(dir, `${lines.kind}-${part}.jsonl`), lines: null };
          units.push(unit);
          file = await open(unit.path!, "w");
        }
        numbers.push(line);
        text += lines.textOf(i) + "\n";
        if (text.length >= WRITE_CHUNK) {
          await file!.write(text);
          text = "";
        }
      }
      await close();
    } finally {
      await file?.close();
    }
  }
  return units;
}

const unitKey = (kind: BulkKind, part: number) => `${kind}#${part}`;

/** Uploads each unit's file, read from disk as it is sent; each file is removed once posted. */
async function uploadJsonl(deps: BulkDeps, files: Unit[]): Promise<string[]> {
  const response = await deps.graphql<{
    stagedUploadsCreate: {
      stagedTargets: { url: string; resourceUrl: string | null; parameters: { name: string; value: string }[] }[];
      userErrors: { message: string }[];
    };
  }>(STAGED_UPLOADS_CREATE, {
    input: files.map((f) => ({
      resource: "BULK_MUTATION_VARIABLES",
      filename: `rfm-writeback-${deps.runId}-${f.kind}-${f.part}.jsonl`,
      mimeType: "text/jsonl",
      httpMethod: "POST",
    })),
  });
  deps.pacer.observe(response.extensions?.cost);
  const result = dataOf(response, "stagedUploadsCreate").stagedUploadsCreate;
  if (result.userErrors.length > 0 || result.stagedTargets.length !== files.length) {
    throw new AdminApiError(`stagedUploadsCreate: ${result.userErrors.map((e) => e.message).join("; ") || "missing targets"}`);
  }
  const paths: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const target = result.stagedTargets[i];
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.value);
    // The file goes last: the storage policy checks the fields before it.
    const file = files[i].path!;
    form.append("file", await openAsBlob(file, { type: "text/jsonl" }), `rfm-writeback-${deps.runId}-${files[i].kind}-${files[i].part}.jsonl`);
    const upload = await postUpload(deps, target.url, form);
    await rm(file, { force: true });
    files[i].path = null;
    if (!upload.ok) throw new Error(`staged upload failed: HTTP ${upload.status} ${await upload.text()}`);
    const key = target.parameters.find((p) => p.name === "key")?.value;
    if (!key) throw new Error("staged upload target has no key");
    paths.push(key);
  }
  return paths;
}

/**
 * Attempts at posting one staged upload. The storage behind the signed target may drop a
 * connection or answer 5xx now and then; without a retry one such answer failed a whole first
 * write-back (a 1M-order shop's, after minutes of planning) and left it to the job queue's retry.
 */
export const UPLOAD_ATTEMPTS = 4;

async function postUpload(deps: BulkDeps, url: string, form: FormData): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    // Each retry is logged: storage that drops uploads is something an operator should see.
    const backoff = (why: string) => {
      console.warn(`[writeback] staged upload attempt ${attempt} of ${UPLOAD_ATTEMPTS} failed (${why}); trying again`);
      return deps.pollSleep(500 * 2 ** (attempt - 1));
    };
    let res: Response;
    try {
      res = await deps.httpFetch(url, { method: "POST", body: form });
    } catch (err) {
      if (attempt >= UPLOAD_ATTEMPTS) throw err;
      await backoff(err instanceof Error ? err.message : String(err));
      continue;
    }
    if ((res.status >= 500 || res.status === 429) && attempt < UPLOAD_ATTEMPTS) {
      await res.body?.cancel();
      await backoff(`HTTP ${res.status}`);
      continue;
    }
    return res;
  }
}

async function runMutation(deps: BulkDeps, kind: BulkKind, part: number, stagedUploadPath: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const response = await deps.graphql<{
      bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: { message: string; code?: string | null }[] };
    }>(BULK_OPERATION_RUN_MUTATION, {
      mutation: bulkMutationFor(kind, deps.runId, part),
      stagedUploadPath,
      clientIdentifier: `rfm-writeback-run-${deps.runId}-${kind}-${part}`,
    });
    deps.pacer.observe(response.extensions?.cost);
    const result = dataOf(response, "bulkOperationRunMutation").bulkOperationRunMutation;
    if (result.bulkOperation) return result.bulkOperation.id;
    // Other bulk work of the shop (a backfill) may hold the slots: wait for one.
    if (result.userErrors.some((e) => e.code === "LIMIT_REACHED") && attempt < (deps.maxPolls ?? 3600)) {
      await deps.pollSleep(deps.pollMs);
      continue;
    }
    throw new BulkMutationRejected(kind, result.userErrors.map((e) => `${e.code ?? ""} ${e.message}`.trim()).join("; "));
  }
}

export class BulkMutationRejected extends Error {
  constructor(
    readonly kind: BulkKind,
    message: string,
  ) {
    super(`bulkOperationRunMutation (${kind}): ${message}`);
    this.name = "BulkMutationRejected";
  }
}

async function waitForOperations(deps: BulkDeps, ops: Operation[]): Promise<void> {
  const maxPolls = deps.maxPolls ?? 3600;
  for (let poll = 0; ; poll++) {
    const open = ops.filter((op) => !TERMINAL.has(op.status));
    if (open.length === 0) return;
    if (poll >= maxPolls) throw new Error(`bulk operations still running after ${maxPolls} polls: ${open.map((o) => o.id).join(", ")}`);
    if (poll > 0) await deps.pollSleep(deps.pollMs);
    const response = await deps.graphql<{ nodes: (Omit<Operation, "kind" | "part"> | null)[] }>(BULK_OPERATIONS_BY_ID, {
      ids: open.map((o) => o.id),
    });
    deps.pacer.observe(response.extensions?.cost);
    const nodes = dataOf(response, "bulkOperation").nodes;
    open.forEach((op, i) => {
      const node = nodes[i];
      if (!node) {
        op.status = "EXPIRED";
        return;
      }
      Object.assign(op, { status: node.status, errorCode: node.errorCode, url: node.url, partialDataUrl: node.partialDataUrl });
    });
  }
}

/** Per result line (numbered across the kind's files): null when it succeeded, else why not. */
async function readResults(deps: BulkDeps, op: Operation, unit: Unit, results: Map<number, string | null>): Promise<boolean> {
  const url = op.url ?? op.partialDataUrl;
  if (!url) return true;
  const res = await deps.fetchFile(url);
  // Result links expire (7 days): those lines count as not run and are planned again (the writes are idempotent).
  if (res.status === 403 || res.status === 404) return false;
  if (!res.ok || !res.body) throw new Error(`bulk result download failed: HTTP ${res.status}`);
  const lines = createInterface({ input: Readable.fromWeb(res.body as WebReadableStream), crlfDelay: Infinity });
  for await (const text of lines) {
    if (!text.trim()) continue;
    const line = JSON.parse(text) as { __lineNumber?: number; data?: Record<string, { userErrors?: { message: string }[] } | null>; errors?: { message: string }[] };
    if (typeof line.__lineNumber !== "number") continue;
    const messages = (line.errors ?? []).map((e) => e.message);
    const payload = line.data ? Object.values(line.data)[0] : null;
    if (!payload && messages.length === 0) messages.push("no result");
    for (const e of payload?.userErrors ?? []) messages.push(e.message);
    // The file's position back to the customer's line number.
    const position = line.__lineNumber;
    if (unit.lines !== null && position >= unit.lines.length) continue;
    results.set(unit.lines === null ? unit.offset + position : unit.lines[position], messages.length ? messages.join("; ") : null);
  }
  return true;
}

interface KindOutcome {
  /** Result per line; a line without one was not run. */
  results: Map<number, string | null>;
  /** Why the lines of a part were not (all) run, by part. */
  failures: Map<number, string>;
  operations: string[];
}

/**
 * Splits each kind's lines into files, submits the files that have no operation yet
 * (a resumed run passes the ones Shopify already has), waits for all, and reads back
 * every line's result.
 */
async function runKinds(deps: BulkDeps, kinds: readonly KindLines[], existing: Map<string, string>): Promise<Map<BulkKind, KindOutcome>> {
  const perFile = Math.max(1, deps.maxLinesPerFile ?? DEFAULT_LINES_PER_FILE);
  const dir = await mkdtemp(path.join(tmpdir(), `rfm-writeback-${deps.runId}-`));
  try {
    return await runUnits(deps, kinds, existing, perFile, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runUnits(
  deps: BulkDeps,
  kinds: readonly KindLines[],
  existing: Map<string, string>,
  perFile: number,
  dir: string,
): Promise<Map<BulkKind, KindOutcome>> {
  const ops = new Map<string, Operation>();
  const units: Unit[] = [];
  // The parts Shopify already has (a resumed run) that lines are on: polled, not sent again.
  const parts = new Set<string>();
  for (const lines of kinds) {
    for (let i = 0; i < lines.count; i++) if (lines.lineOf(i) >= 0) parts.add(unitKey(lines.kind, Math.floor(lines.lineOf(i) / perFile)));
  }
  for (const [key, id] of existing) {
    if (!parts.has(key)) continue;
    const [kind, part] = key.split("#") as [BulkKind, string];
    units.push({ kind, part: Number(part), offset: Number(part) * perFile, path: null, lines: null });
    ops.set(key, { id, kind, part: Number(part), status: "RUNNING", errorCode: null, url: null, partialDataUrl: null });
  }
  const toSend = await writeUnits(dir, kinds, perFile, (kind, part) => existing.has(unitKey(kind, part)));
  units.push(...toSend);
  if (toSend.length > 0) {
    const paths = await uploadJsonl(deps, toSend);
    // Shopify runs ≤ 5 bulk operations per shop at once; runMutation waits for a free slot.
    for (let i = 0; i < toSend.length; i++) {
      const u = toSend[i];
      const id = await runMutation(deps, u.kind, u.part, paths[i]);
      ops.set(unitKey(u.kind, u.part), { id, kind: u.kind, part: u.part, status: "CREATED", errorCode: null, url: null, partialDataUrl: null });
    }
  }
  await waitForOperations(deps, [...ops.values()]);

  const outcomes = new Map<BulkKind, KindOutcome>();
  for (const unit of units) {
    const op = ops.get(unitKey(unit.kind, unit.part))!;
    let outcome = outcomes.get(unit.kind);
    if (!outcome) outcomes.set(unit.kind, (outcome = { results: new Map(), failures: new Map(), operations: [] }));
    outcome.operations.push(op.id);
    const readable = await readResults(deps, op, unit, outcome.results);
    if (op.status !== "COMPLETED") {
      outcome.failures.set(unit.part, `bulk operation ${op.status.toLowerCase()}${op.errorCode ? ` (${op.errorCode})` : ""}`);
    } else if (!readable) outcome.failures.set(unit.part, "bulk operation results are no longer available");
  }
  return outcomes;
}

/** Operations of a run ("kind#part" → id), found by name among the shop's recent bulk mutations. */
export async function findRunOperations(graphql: AdminGraphql, runId: number, startedAt: number): Promise<Map<string, string>> {
  const since = new Date(startedAt - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const response = await graphql<{ bulkOperations: { nodes: { id: string; query: string }[] } }>(RECENT_BULK_MUTATIONS, {
    query: `operation_type:mutation created_at:>='${since}'`,
  });
  const found = new Map<string, string>();
  for (const node of dataOf(response, "bulkOperations").bulkOperations.nodes) {
    const parsed = parseBulkMutationName(node.query);
    const key = parsed ? unitKey(parsed.kind, parsed.part) : null;
    if (parsed && key && parsed.runId === runId && !found.has(key)) found.set(key, node.id);
  }
  return found;
}

/** Marks customers as pending on lines of this run (before anything is uploaded). */
export async function markPending(jobs: readonly WriteJob[], deps: Pick<BulkDeps, "runId" | "save">): Promise<PendingCustomer[]> {
  const next: Record<LineKind, number> = { tagsAdd: 0, tagsRemove: 0, metafieldsSet: 0, metafieldsDelete: 0 };
  const pending = jobs.map((job) => {
    const lines: PendingBulk["lines"] = {};
    for (const kind of kindsOf(job.plan)) lines[MUTATION_OF[kind]] = next[MUTATION_OF[kind]]++;
    return {
      customerKey: job.customerKey,
      current: job.written,
      pending: { run: deps.runId, target: job.target, lines, ...(job.full ? { full: true } : {}) },
    };
  });
  await deps.save(
    pending.map((p) => ({
      customerKey: p.customerKey,
      written: { ...(p.current ?? { labels: [], fields: {}, persona: null }), transport: storedPending(p.pending) },
      status: "pending",
    })),
  );
  return pending;
}

/**
 * Runs (or, after a crash, finds and polls) the bulk operations carrying these customers,
 * then records every customer's outcome from the result lines.
 */
export async function completePending(
  customers: readonly PendingCustomer[],
  deps: BulkDeps,
  existing: Map<string, string> = new Map(),
): Promise<BulkWriteResult> {
  const result: BulkWriteResult = { written: 0, failed: 0, requests: 0, errors: [], triggers: [], operations: [] };
  if (customers.length === 0) return result;
  const outcomes = await runKinds(
    deps,
    WRITE_KINDS.map((kind) => {
      const mutation = MUTATION_OF[kind];
      const carrying = customers.filter((c) => c.pending.lines[mutation] !== undefined);
      return {
        kind: mutation,
        count: carrying.length,
        lineOf: (i: number) => carrying[i].pending.lines[mutation]!,
        // Derived again here and when the results are in, rather than held between: the run waits minutes.
        textOf: (i: number) => {
          const c = carrying[i];
          return JSON.stringify(variablesFor(kind, c.customerKey, operationsFor(c.current, c.pending.target, c.pending.full)));
        },
      };
    }),
    existing,
  );
  result.operations = [...outcomes.values()].flatMap((o) => o.operations);
  const perFile = Math.max(1, deps.maxLinesPerFile ?? DEFAULT_LINES_PER_FILE);

  const saved: CustomerOutcome[] = [];
  customers.forEach((c) => {
    const plan = operationsFor(c.current, c.pending.target, c.pending.full);
    const done: Done = {};
    const own: string[] = [];
    const missed: string[] = [];
    for (const kind of kindsOf(plan)) {
      const mutation = MUTATION_OF[kind];
      const line = c.pending.lines[mutation];
      const outcome = outcomes.get(mutation);
      const lineResult = line === undefined ? undefined : outcome?.results.get(line);
      done[kind] = lineResult === null;
      if (typeof lineResult === "string") own.push(`${mutation}: ${lineResult}`);
      else if (lineResult === undefined) {
        missed.push(`${mutation}: ${(line !== undefined && outcome?.failures.get(Math.floor(line / perFile))) || "no result line"}`);
      }
    }
    const { next, complete } = settleCustomer(c.current, c.pending.target, plan, done, { trigger: deps.flow });
    if (complete) {
      result.written++;
      saved.push({ customerKey: c.customerKey, written: next, status: "ok", error: null });
      if (next.trigger) result.triggers.push({ customerKey: c.customerKey, written: next, trigger: next.trigger });
    } else {
      result.failed++;
      const message = [...own, ...missed].join(" | ");
      result.errors.push({ customerKey: c.customerKey, message });
      // Only a customer's own userErrors count against it; a failed operation does not.
      saved.push({ customerKey: c.customerKey, written: next, status: "failed", error: message, countAttempt: own.length > 0 });
    }
  });
  await deps.save(saved);
  return result;
}

/**
 * Bulk write of a change set: mark, upload, run, record. The jobs are let go of once marked
 * (the list is emptied): what follows reads the customers' pending parts, and a first
 * write-back's jobs, a customer's whole plan each, would otherwise be held while Shopify runs.
 */
export async function writeBulk(jobs: WriteJob[], deps: BulkDeps): Promise<BulkWriteResult> {
  const pending = await markPending(jobs, deps);
  jobs.length = 0;
  return completePending(pending, deps);
}

/** Customers of a run that still wait for its bulk operations (from Customer.written). */
export function pendingOf(rows: readonly ResumeRow[], runId: number): PendingCustomer[] {
  const out: PendingCustomer[] = [];
  for (const row of rows) {
    const pending = readPending(row.written?.transport);
    if (pending && pending.run === runId) out.push({ customerKey: row.customerKey, current: withoutPending(row.written!), pending });
  }
  return out;
}

// ---- Flow triggers in bulk ----

export interface BulkFlowResult extends FlowResult {
  operations: string[];
}

/**
 * Many owed Flow triggers: one bulk operation of flowTriggerReceive lines. Each trigger
 * records its run and line first (a crash then polls instead of firing twice). Should
 * Shopify refuse flowTriggerReceive in bulk, they go online instead.
 */
export async function sendFlowsBulk(
  flows: readonly TriggerJob[],
  deps: BulkDeps,
  existing: Map<string, string> | null = null,
): Promise<BulkFlowResult> {
  const result: BulkFlowResult = { sent: 0, failed: 0, requests: 0, errors: [], operations: [] };
  if (flows.length === 0) return result;
  // Each trigger remembers its run and line before anything is sent.
  const jobs = existing
    ? flows.map((f) => ({ ...f, line: f.trigger.line ?? -1 }))
    : flows.map((f, line) => ({ ...f, line, written: { ...f.written, trigger: { ...f.trigger, run: deps.runId, line } } }));
  if (!existing) await deps.save(jobs.map((f) => ({ customerKey: f.customerKey, written: f.written })));

  let outcome: KindOutcome;
  try {
    const lines: KindLines = {
      kind: "flowTriggerReceive",
      count: jobs.length,
      lineOf: (i) => jobs[i].line,
      textOf: (i) => JSON.stringify({ handle: FLOW_TRIGGER_HANDLE, payload: flowPayload(jobs[i].customerKey, jobs[i].trigger) }),
    };
    const outcomes = await runKinds(deps, [lines], existing ?? new Map());
    outcome = outcomes.get("flowTriggerReceive")!;
  } catch (error) {
    if (!(error instanceof BulkMutationRejected)) throw error;
    const unmarked = jobs.map((f) => {
      const { run: _run, line: _line, ...trigger } = f.trigger;
      return { customerKey: f.customerKey, written: { ...f.written, trigger }, trigger };
    });
    const online = await sendFlowsOnline(unmarked, deps);
    return { ...online, operations: [] };
  }
  result.operations.push(...outcome.operations);
  const saved: CustomerOutcome[] = [];
  for (const f of jobs) {
    const lineResult = outcome.results.get(f.line);
    const { trigger, ...rest } = f.written;
    if (lineResult === undefined) {
      // Not run (operation failed): still owed, sent again by a later run.
      const { run: _run, line: _line, ...owed } = trigger!;
      saved.push({ customerKey: f.customerKey, written: { ...rest, trigger: owed } });
      continue;
    }
    if (lineResult === null) result.sent++;
    else {
      result.failed++;
      result.errors.push({ customerKey: f.customerKey, message: `Flow trigger: ${lineResult}` });
    }
    saved.push({ customerKey: f.customerKey, written: rest });
  }
  await deps.save(saved);
  return result;
}
