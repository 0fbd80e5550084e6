/**
 * The write-back plan for one customer (pure): the difference between what the store
 * should carry and what we last wrote there.
 *
 * - Tags: add the persona tags it lacks, remove persona tags we wrote that no longer
 *   apply. Only tags we wrote are ever removed, and the tag list is never overwritten,
 *   so the merchant's own tags are untouched. Tags compare case-insensitively, as in Shopify.
 * - Metafields: set what differs, delete what we wrote that should no longer exist
 *   (a customer who lost their persona, or a namespace change).
 * - computed_at alone never makes a customer dirty: it records when the values were
 *   computed and is written only together with a real change.
 */
import { metafieldType, splitMetafieldId } from "./metafields";
import { EMPTY_STATE, storeStateOf, WRITE_KINDS, type StoreState, type WriteKind, type WrittenState } from "./state";

export interface MetafieldWrite {
  namespace: string;
  key: string;
  type: string;
  value: string;
}

export interface MetafieldRef {
  namespace: string;
  key: string;
}

export interface CustomerPlan {
  tagsAdd: string[];
  tagsRemove: string[];
  metafieldsSet: MetafieldWrite[];
  metafieldsDelete: MetafieldRef[];
}

export const EMPTY_PLAN: CustomerPlan = Object.freeze({
  tagsAdd: [],
  tagsRemove: [],
  metafieldsSet: [],
  metafieldsDelete: [],
}) as CustomerPlan;

const COMPUTED_AT = "computed_at";
const isComputedAt = (id: string) => splitMetafieldId(id).key === COMPUTED_AT;

function lowerSet(tags: readonly string[]): Set<string> {
  return new Set(tags.map((t) => t.toLowerCase()));
}

/** The operations that turn `from` into `to`. */
export function diffStates(from: StoreState | null, to: StoreState, options: { ignoreComputedAt?: boolean } = {}): CustomerPlan {
  const before = from ?? EMPTY_STATE;
  const had = lowerSet(before.tags);
  const wants = lowerSet(to.tags);
  const skip = (id: string) => options.ignoreComputedAt === true && isComputedAt(id);
  const metafieldsSet: MetafieldWrite[] = [];
  for (const [id, value] of Object.entries(to.metafields)) {
    if (skip(id) || before.metafields[id] === value) continue;
    const { namespace, key } = splitMetafieldId(id);
    metafieldsSet.push({ namespace, key, type: metafieldType(key), value });
  }
  const metafieldsDelete: MetafieldRef[] = [];
  for (const id of Object.keys(before.metafields)) {
    if (skip(id) || id in to.metafields) continue;
    metafieldsDelete.push(splitMetafieldId(id));
  }
  return {
    tagsAdd: to.tags.filter((t) => !had.has(t.toLowerCase())),
    tagsRemove: before.tags.filter((t) => !wants.has(t.toLowerCase())),
    metafieldsSet,
    metafieldsDelete,
  };
}

export function isEmptyPlan(plan: CustomerPlan): boolean {
  return (
    plan.tagsAdd.length === 0 &&
    plan.tagsRemove.length === 0 &&
    plan.metafieldsSet.length === 0 &&
    plan.metafieldsDelete.length === 0
  );
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
  const wanted = lowerSet(target.tags);
  const from: StoreState = {
    tags: (written?.tags ?? []).filter((t) => !wanted.has(t.toLowerCase())),
    metafields: Object.fromEntries(Object.entries(written?.metafields ?? {}).filter(([id]) => !(id in target.metafields))),
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
const ALL_DONE: Done = { tagsAdd: true, tagsRemove: true, metafieldsSet: true, metafieldsDelete: true };

/** The store state after the operations of `plan` that succeeded (all by default). */
export function applyPlan(state: StoreState | null, plan: CustomerPlan, done: Done = ALL_DONE): StoreState {
  const before = state ?? EMPTY_STATE;
  let tags = [...before.tags];
  if (done.tagsRemove) {
    const removed = lowerSet(plan.tagsRemove);
    tags = tags.filter((t) => !removed.has(t.toLowerCase()));
  }
  if (done.tagsAdd) {
    const present = lowerSet(tags);
    for (const t of plan.tagsAdd) {
      if (!present.has(t.toLowerCase())) {
        tags.push(t);
        present.add(t.toLowerCase());
      }
    }
  }
  const metafields = { ...before.metafields };
  if (done.metafieldsDelete) for (const { namespace, key } of plan.metafieldsDelete) delete metafields[`${namespace}.${key}`];
  if (done.metafieldsSet) for (const { namespace, key, value } of plan.metafieldsSet) metafields[`${namespace}.${key}`] = value;
  return { tags, metafields, persona: before.persona };
}

/** The value we wrote for a metafield key, whatever its namespace. */
function metafieldValue(state: StoreState | null, key: string): string | undefined {
  if (!state) return undefined;
  for (const [id, value] of Object.entries(state.metafields)) if (splitMetafieldId(id).key === key) return value;
  return undefined;
}

/**
 * What we record after a write: the new store state; the persona moves only when every
 * operation succeeded. A completed persona change owes a Flow trigger when `flow` is on
 * (kept until sent, so a crash cannot lose it).
 */
export function settleCustomer(
  written: WrittenState | null,
  target: StoreState,
  plan: CustomerPlan,
  done: Done,
  options: { flow: boolean },
): { next: WrittenState; complete: boolean } {
  const complete = kindsOf(plan).every((kind) => done[kind] === true);
  const core = applyPlan(written, plan, done);
  const before = written?.persona ?? null;
  const next: WrittenState = { ...core, persona: complete ? target.persona : before };
  if (written?.flow) next.flow = written.flow;
  if (complete && options.flow && before !== target.persona) {
    const from = written?.flow?.from ?? metafieldValue(written, "persona") ?? "";
    const to = metafieldValue(target, "persona") ?? "";
    if (from === to) delete next.flow;
    else next.flow = { from, to, score: metafieldValue(target, "score") ?? "" };
  }
  return { next, complete };
}
