/**
 * The write-back plan for one customer (pure): the difference between what the store
 * should carry and what we last wrote there.
 *
 * - Labels: add the persona labels it lacks, remove persona labels we wrote that no longer
 *   apply. Only labels we wrote are ever removed, and the label list is never overwritten,
 *   so the merchant's own labels are untouched. Labels compare case-insensitively.
 * - Fields: set what differs, delete what we wrote that should no longer exist
 *   (a customer who lost their persona, or fields written in another place).
 * - computed_at alone never makes a customer dirty: it records when the values were
 *   computed and is written only together with a real change.
 */
import { EMPTY_STATE, splitFieldId, storeStateOf, WRITE_KINDS, type StoreState, type WriteKind, type WrittenState } from "./state";

/** A field to set: where (the writer's place), which key, what value. The writer owns the field's type. */
export interface FieldWrite {
  place: string;
  key: string;
  value: string;
}

export interface FieldRef {
  place: string;
  key: string;
}

export interface CustomerPlan {
  labelsAdd: string[];
  labelsRemove: string[];
  fieldsSet: FieldWrite[];
  fieldsDelete: FieldRef[];
}

export const EMPTY_PLAN: CustomerPlan = Object.freeze({
  labelsAdd: [],
  labelsRemove: [],
  fieldsSet: [],
  fieldsDelete: [],
}) as CustomerPlan;

const COMPUTED_AT = "computed_at";
const isComputedAt = (id: string) => splitFieldId(id).key === COMPUTED_AT;

function lowerSet(labels: readonly string[]): Set<string> {
  return new Set(labels.map((t) => t.toLowerCase()));
}

/** The operations that turn `from` into `to`. */
export function diffStates(from: StoreState | null, to: StoreState, options: { ignoreComputedAt?: boolean } = {}): CustomerPlan {
  const before = from ?? EMPTY_STATE;
  const had = lowerSet(before.labels);
  const wants = lowerSet(to.labels);
  const skip = (id: string) => options.ignoreComputedAt === true && isComputedAt(id);
  const fieldsSet: FieldWrite[] = [];
  for (const [id, value] of Object.entries(to.fields)) {
    if (skip(id) || before.fields[id] === value) continue;
    fieldsSet.push({ ...splitFieldId(id), value });
  }
  const fieldsDelete: FieldRef[] = [];
  for (const id of Object.keys(before.fields)) {
    if (skip(id) || id in to.fields) continue;
    fieldsDelete.push(splitFieldId(id));
  }
  return {
    labelsAdd: to.labels.filter((t) => !had.has(t.toLowerCase())),
    labelsRemove: before.labels.filter((t) => !wants.has(t.toLowerCase())),
    fieldsSet,
    fieldsDelete,
  };
}

export function isEmptyPlan(plan: CustomerPlan): boolean {
  return plan.labelsAdd.length === 0 && plan.labelsRemove.length === 0 && plan.fieldsSet.length === 0 && plan.fieldsDelete.length === 0;
}

/** Which kinds of operation a plan needs. */
export function kindsOf(plan: CustomerPlan): WriteKind[] {
  return WRITE_KINDS.filter((kind) => plan[kind].length > 0);
}

/**
 * The state to aim for: the desired state — unless nothing but computed_at differs,
 * in which case the store already says the right thing and stays as written.
 */
export function targetState(desired: StoreState, written: StoreState | null): StoreState {
  const current = written ?? EMPTY_STATE;
  const real = diffStates(current, desired, { ignoreComputedAt: true });
  if (isEmptyPlan(real) && current.persona === desired.persona) return storeStateOf(current as WrittenState);
  return desired;
}

/**
 * The operations that take the store from `written` to `target`. A full run re-sends
 * everything wanted (repairing edits made in the admin) and still removes only what we
 * wrote and no longer want.
 */
export function operationsFor(written: StoreState | null, target: StoreState, full = false): CustomerPlan {
  if (!full) return diffStates(written, target);
  const wanted = lowerSet(target.labels);
  const from: StoreState = {
    labels: (written?.labels ?? []).filter((t) => !wanted.has(t.toLowerCase())),
    fields: Object.fromEntries(Object.entries(written?.fields ?? {}).filter(([id]) => !(id in target.fields))),
    persona: written?.persona ?? null,
  };
  return diffStates(from, target);
}

/** Target and operations for one customer. */
export function planCustomer(desired: StoreState, written: StoreState | null): { target: StoreState; plan: CustomerPlan } {
  const target = targetState(desired, written);
  return { target, plan: diffStates(written, target) };
}

export type Done = Partial<Record<WriteKind, boolean>>;
const ALL_DONE: Done = { labelsAdd: true, labelsRemove: true, fieldsSet: true, fieldsDelete: true };

/** The store state after the operations of `plan` that succeeded (all by default). */
export function applyPlan(state: StoreState | null, plan: CustomerPlan, done: Done = ALL_DONE): StoreState {
  const before = state ?? EMPTY_STATE;
  let labels = [...before.labels];
  if (done.labelsRemove) {
    const removed = lowerSet(plan.labelsRemove);
    labels = labels.filter((t) => !removed.has(t.toLowerCase()));
  }
  if (done.labelsAdd) {
    const present = lowerSet(labels);
    for (const t of plan.labelsAdd) {
      if (!present.has(t.toLowerCase())) {
        labels.push(t);
        present.add(t.toLowerCase());
      }
    }
  }
  const fields = { ...before.fields };
  if (done.fieldsDelete) for (const { place, key } of plan.fieldsDelete) delete fields[`${place}.${key}`];
  if (done.fieldsSet) for (const { place, key, value } of plan.fieldsSet) fields[`${place}.${key}`] = value;
  return { labels, fields, persona: before.persona };
}

/** The value we wrote for a field key, wherever it lives. */
function fieldValue(state: StoreState | null, key: string): string | undefined {
  if (!state) return undefined;
  for (const [id, value] of Object.entries(state.fields)) if (splitFieldId(id).key === key) return value;
  return undefined;
}

/**
 * What we record after a write: the new store state; the persona moves only when every
 * operation succeeded. A completed persona change owes a persona-changed trigger when
 * `trigger` is on (kept until sent, so a crash cannot lose it).
 */
export function settleCustomer(
  written: WrittenState | null,
  target: StoreState,
  plan: CustomerPlan,
  done: Done,
  options: { trigger: boolean },
): { next: WrittenState; complete: boolean } {
  const complete = kindsOf(plan).every((kind) => done[kind] === true);
  const core = applyPlan(written, plan, done);
  const before = written?.persona ?? null;
  const next: WrittenState = { ...core, persona: complete ? target.persona : before };
  if (written?.trigger) next.trigger = written.trigger;
  if (complete && options.trigger && before !== target.persona) {
    const from = written?.trigger?.from ?? fieldValue(written, "persona") ?? "";
    const to = fieldValue(target, "persona") ?? "";
    if (from === to) delete next.trigger;
    else next.trigger = { from, to, score: fieldValue(target, "score") ?? "" };
  }
  return { next, complete };
}
