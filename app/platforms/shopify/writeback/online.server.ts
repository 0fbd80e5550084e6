/**
 * Online write-back, for small change sets: many customers' operations in one request
 * as aliased mutation fields, several customers' metafields sharing one metafieldsSet
 * call (≤ 25 metafields, a customer never split), paced by the throttle bucket.
 *
 * Each request's outcome is recorded before the next is sent, so a crash resumes without
 * re-sending what succeeded. A customer's userErrors mark only that customer failed;
 * customers whose atomic metafieldsSet call failed because of a neighbour are retried on
 * their own. THROTTLED and 5xx are retried by resilient() underneath.
 */
import { AdminApiError, type AdminGraphql, type GraphqlResponse } from "~/platforms/shopify/admin-graphql.server";
import type { RecordOutcomes, TriggerSendResult, WriteBatchResult } from "~/platforms/types";
import { kindsOf, operationsFor, settleCustomer, type CustomerPlan, type Done } from "~/writeback/plan";
import type { TriggerJob, WriteJob } from "~/writeback/shop-plan";
import type { WriteKind, WrittenState } from "~/writeback/state";
import { buildBatchMutation, MUTATION_FIELD_COST, MUTATION_OF, type BatchField } from "./documents";
import { flowPayload, FLOW_TRIGGER_HANDLE } from "./flow";
import { metafieldWrite } from "./metafields";
import type { Pacer } from "./pacer";

export const MAX_METAFIELDS_PER_SET = 25;
/** Fields per request: 100 mutation fields cost 1,000 points, Shopify's single-query maximum. */
export const DEFAULT_FIELDS_PER_REQUEST = 100;
const MAX_FIELDS_PER_REQUEST = 100;
/** Until a response has told us the bucket's size, requests stay small enough for any bucket. */
const FIRST_REQUEST_FIELDS = 20;

/** Fields the next request may carry: the configured number, within one query's and one bucket's worth of points. */
function fieldsFor(deps: Pick<OnlineDeps, "pacer" | "fieldsPerRequest">): number {
  const bucket = deps.pacer.capacity === null ? FIRST_REQUEST_FIELDS : Math.floor(deps.pacer.capacity / MUTATION_FIELD_COST);
  return Math.max(1, Math.min(deps.fieldsPerRequest ?? DEFAULT_FIELDS_PER_REQUEST, MAX_FIELDS_PER_REQUEST, bucket));
}
const MAX_DELETES_PER_CALL = 250;

/**
 * What writing one customer online costs at most, in points: a mutation field per kind of
 * operation (a shared metafieldsSet counted whole) and its persona-changed trigger when one is owed.
 */
export function onlinePoints(job: WriteJob, trigger: boolean): number {
  const moves = (job.written?.persona ?? null) !== job.target.persona;
  return (kindsOf(job.plan).length + (trigger && moves ? 1 : 0)) * MUTATION_FIELD_COST;
}

/**
 * How many of these jobs (most urgent first) go in the next step: those the bucket holds now,
 * after the owed triggers; at least one, at most `max`. Unknown bucket: `max`.
 */
export function jobsTheBucketHolds(jobs: readonly WriteJob[], available: number | null, options: { max: number; trigger: boolean; owedTriggers: number }): number {
  if (available === null) return options.max;
  let budget = available - options.owedTriggers * MUTATION_FIELD_COST;
  let n = 0;
  for (const job of jobs.slice(0, options.max)) {
    const cost = onlinePoints(job, options.trigger);
    if (n > 0 && cost > budget) break;
    budget -= cost;
    n++;
  }
  return Math.max(1, n);
}

export interface OnlineDeps {
  /** A resilient() client: retries THROTTLED and transport failures. */
  graphql: AdminGraphql;
  pacer: Pacer;
  save: RecordOutcomes;
  /** Owe Flow triggers for persona changes (off on a shop's first write-back). */
  flow: boolean;
  fieldsPerRequest?: number;
}

export interface WriteResult extends WriteBatchResult {
  requests: number;
}

interface Work {
  job: WriteJob;
  current: WrittenState | null;
  plan: CustomerPlan;
  /** Sent in calls of its own, after a neighbour's error sank a shared call. */
  alone: boolean;
}

/** Where each customer's operations went in a request. */
interface Member {
  work: Work;
  fields: Partial<Record<WriteKind, string>>;
  /** Index range of this customer's inputs in its metafieldsSet call. */
  setRange?: [number, number];
}

interface Batch {
  fields: BatchField[];
  members: Member[];
}

function ownerId(job: WriteJob): string {
  return job.customerKey;
}

/** Greedy packing: whole customers until the request holds `maxFields` root fields. */
function takeBatch(queue: Work[], maxFields: number): Batch {
  const fields: BatchField[] = [];
  const members: Member[] = [];
  let openSet: Extract<BatchField, { kind: "metafieldsSet" }> | null = null;
  let openDelete: Extract<BatchField, { kind: "metafieldsDelete" }> | null = null;
  let n = 0;
  while (queue.length > 0) {
    const work = queue[0];
    const { plan } = work;
    const sets = plan.fieldsSet.length;
    if (sets > MAX_METAFIELDS_PER_SET) throw new Error(`${work.job.customerKey}: ${sets} metafields exceed one metafieldsSet call`);
    const reuseSet = sets > 0 && !work.alone && openSet !== null && openSet.metafields.length + sets <= MAX_METAFIELDS_PER_SET;
    const reuseDelete =
      plan.fieldsDelete.length > 0 &&
      !work.alone &&
      openDelete !== null &&
      openDelete.metafields.length + plan.fieldsDelete.length <= MAX_DELETES_PER_CALL;
    const needed =
      (plan.labelsAdd.length > 0 ? 1 : 0) +
      (plan.labelsRemove.length > 0 ? 1 : 0) +
      (sets > 0 && !reuseSet ? 1 : 0) +
      (plan.fieldsDelete.length > 0 && !reuseDelete ? 1 : 0);
    if (members.length > 0 && fields.length + needed > maxFields) break;
    queue.shift();
    const member: Member = { work, fields: {} };
    const id = ownerId(work.job);
    if (plan.labelsAdd.length > 0) {
      const alias = `add${n}`;
      fields.push({ kind: "tagsAdd", alias, id, tags: plan.labelsAdd });
      member.fields.labelsAdd = alias;
    }
    if (plan.labelsRemove.length > 0) {
      const alias = `remove${n}`;
      fields.push({ kind: "tagsRemove", alias, id, tags: plan.labelsRemove });
      member.fields.labelsRemove = alias;
    }
    if (sets > 0) {
      if (!reuseSet) {
        openSet = { kind: "metafieldsSet", alias: `set${n}`, metafields: [] };
        fields.push(openSet);
      }
      const start = openSet!.metafields.length;
      for (const m of plan.fieldsSet) openSet!.metafields.push({ ownerId: id, ...metafieldWrite(m) });
      member.fields.fieldsSet = openSet!.alias;
      member.setRange = [start, start + sets];
      if (work.alone) openSet = null;
    }
    if (plan.fieldsDelete.length > 0) {
      if (!reuseDelete) {
        openDelete = { kind: "metafieldsDelete", alias: `delete${n}`, metafields: [] };
        fields.push(openDelete);
      }
      for (const m of plan.fieldsDelete) openDelete!.metafields.push({ ownerId: id, namespace: m.place, key: m.key });
      member.fields.fieldsDelete = openDelete!.alias;
      if (work.alone) openDelete = null;
    }
    members.push(member);
    n++;
  }
  return { fields, members };
}

type Json = Record<string, unknown>;
interface UserError {
  field?: string[] | null;
  message: string;
  elementIndex?: number | null;
}

function fieldErrors(response: GraphqlResponse<Json>, alias: string): string[] {
  return (response.errors ?? []).filter((e) => e.path?.[0] === alias).map((e) => e.message);
}

function userErrorsOf(data: Json | undefined, alias: string): UserError[] | null {
  const payload = data?.[alias] as { userErrors?: UserError[] } | null | undefined;
  if (!payload) return null;
  return payload.userErrors ?? [];
}

/** Sends one request (paced); returns the response. A request that fails as a whole aborts the run. */
async function send(deps: Pick<OnlineDeps, "graphql" | "pacer">, fields: readonly BatchField[]): Promise<GraphqlResponse<Json>> {
  const { query, variables } = buildBatchMutation(fields);
  await deps.pacer.reserve(fields.length * MUTATION_FIELD_COST);
  const response = await deps.graphql<Json>(query, variables);
  deps.pacer.observe(response.extensions?.cost);
  if (!response.data) {
    throw new AdminApiError(`write-back request failed: ${response.errors?.map((e) => e.message).join("; ") || "no data"}`, response.errors);
  }
  return response;
}

export async function writeOnline(jobs: readonly WriteJob[], deps: OnlineDeps): Promise<WriteResult> {
  const queue: Work[] = jobs.map((job) => ({ job, current: job.written, plan: job.plan, alone: false }));
  const result: WriteResult = { written: 0, failed: 0, requests: 0, errors: [], triggers: [] };

  while (queue.length > 0) {
    const batch = takeBatch(queue, fieldsFor(deps));
    const response = await send(deps, batch.fields);
    result.requests++;
    const data = response.data;

    // Shared calls that failed: which customers caused it (own) and which only shared it (collateral).
    const setFailures = new Map<string, { errors: UserError[]; fieldError: string[] }>();
    const deleteFailures = new Map<string, string[]>();
    for (const field of batch.fields) {
      if (field.kind === "metafieldsSet") {
        const errors = userErrorsOf(data, field.alias);
        const fieldError = fieldErrors(response, field.alias);
        if (errors === null || errors.length > 0 || fieldError.length > 0) {
          setFailures.set(field.alias, { errors: errors ?? [], fieldError: fieldError.length ? fieldError : errors === null ? ["no result"] : [] });
        }
      } else if (field.kind === "metafieldsDelete") {
        const errors = userErrorsOf(data, field.alias);
        const fieldError = fieldErrors(response, field.alias);
        if (errors === null || errors.length > 0 || fieldError.length > 0) {
          deleteFailures.set(field.alias, [...(errors ?? []).map((e) => e.message), ...fieldError, ...(errors === null && !fieldError.length ? ["no result"] : [])]);
        }
      }
    }
    const sharers = (alias: string) => batch.members.filter((m) => m.fields.fieldsSet === alias || m.fields.fieldsDelete === alias).length;

    const outcomes: Parameters<OnlineDeps["save"]>[0][number][] = [];
    for (const member of batch.members) {
      const { work } = member;
      const done: Done = {};
      const own: string[] = [];
      let collateral = false;
      for (const kind of kindsOf(work.plan)) {
        const alias = member.fields[kind]!;
        if (kind === "labelsAdd" || kind === "labelsRemove") {
          const errors = userErrorsOf(data, alias);
          const fieldError = fieldErrors(response, alias);
          done[kind] = errors !== null && errors.length === 0 && fieldError.length === 0;
          if (!done[kind]) own.push(`${MUTATION_OF[kind]}: ${[...(errors ?? []).map((e) => e.message), ...fieldError].join("; ") || "no result"}`);
        } else if (kind === "fieldsSet") {
          const failure = setFailures.get(alias);
          done[kind] = !failure;
          if (failure) {
            const [from, to] = member.setRange!;
            const mine = failure.errors.filter((e) => typeof e.elementIndex === "number" && e.elementIndex >= from && e.elementIndex < to);
            const unattributed = failure.errors.filter((e) => typeof e.elementIndex !== "number");
            if (mine.length > 0) own.push(`metafieldsSet: ${mine.map((e) => e.message).join("; ")}`);
            else if ((unattributed.length > 0 || failure.fieldError.length > 0) && (work.alone || sharers(alias) === 1)) {
              own.push(`metafieldsSet: ${[...unattributed.map((e) => e.message), ...failure.fieldError].join("; ")}`);
            } else collateral = true;
          }
        } else {
          const failure = deleteFailures.get(alias);
          done[kind] = !failure;
          if (failure) {
            if (work.alone || sharers(alias) === 1) own.push(`metafieldsDelete: ${failure.join("; ")}`);
            else collateral = true;
          }
        }
      }
      const { next, complete } = settleCustomer(work.current, work.job.target, work.plan, done, { trigger: deps.flow });
      const key = work.job.customerKey;
      if (complete) {
        result.written++;
        outcomes.push({ customerKey: key, written: next, status: "ok", error: null });
        if (next.trigger) result.triggers.push({ customerKey: key, written: next, trigger: next.trigger });
      } else if (own.length > 0) {
        result.failed++;
        const message = own.join(" | ");
        result.errors.push({ customerKey: key, message });
        outcomes.push({ customerKey: key, written: next, status: "failed", error: message, countAttempt: true });
      } else if (collateral) {
        // Record what did succeed, then retry the rest in calls of its own.
        outcomes.push({ customerKey: key, written: next, status: "failed", error: "retrying alone after a shared call failed" });
        queue.push({ job: work.job, current: next, plan: operationsFor(next, work.job.target, work.job.full), alone: true });
      }
    }
    await deps.save(outcomes);
  }
  return result;
}

export interface FlowResult extends TriggerSendResult {
  requests: number;
}

/**
 * Sends owed "RFM persona changed" triggers, many per request. A trigger Flow rejects
 * (userErrors, e.g. the extension is not deployed) is dropped and reported; a request
 * that fails as a whole keeps them owed for the next run.
 */
export async function sendFlowsOnline(
  flows: readonly TriggerJob[],
  deps: Pick<OnlineDeps, "graphql" | "pacer" | "save" | "fieldsPerRequest">,
): Promise<FlowResult> {
  const result: FlowResult = { sent: 0, failed: 0, requests: 0, errors: [] };
  for (let i = 0; i < flows.length; ) {
    const chunk = flows.slice(i, i + fieldsFor(deps));
    i += chunk.length;
    const fields: BatchField[] = chunk.map((f, n) => ({
      kind: "flowTriggerReceive",
      alias: `flow${n}`,
      handle: FLOW_TRIGGER_HANDLE,
      payload: flowPayload(f.customerKey, f.trigger),
    }));
    const response = await send(deps, fields);
    result.requests++;
    await deps.save(
      chunk.map((f, n) => {
        const errors = [...(userErrorsOf(response.data, `flow${n}`) ?? []).map((e) => e.message), ...fieldErrors(response, `flow${n}`)];
        if (errors.length === 0) result.sent++;
        else {
          result.failed++;
          result.errors.push({ customerKey: f.customerKey, message: `Flow trigger: ${errors.join("; ")}` });
        }
        const { trigger: _sent, ...rest } = f.written;
        return { customerKey: f.customerKey, written: rest };
      }),
    );
  }
  return result;
}
