/**
 * What write-back knows about a customer in the store: the persona labels and fields we
 * wrote there (Customer.written, JSON). Write-back never reads the store back; it diffs
 * what it wants against this record, so an unchanged customer costs no API call.
 *
 * The record has a neutral part the plan reads (labels, fields, persona, an owed
 * persona-changed trigger) and a transport part that belongs to the store's writer
 * (e.g. a bulk write in flight): stored and handed back, never read here.
 */

/** The part of a customer in the store that belongs to us. */
export interface StoreState {
  /** Labels we wrote (never the merchant's own). */
  labels: string[];
  /** Fields we wrote: field id ("place.key", see fieldId) → value. */
  fields: Record<string, string>;
  /** Persona slug these values describe (null: none), so a persona change is seen even after a rename. */
  persona: string | null;
}

/** A "persona changed" trigger owed for a persona change already written to the store. */
export interface PendingTrigger {
  from: string;
  to: string;
  score: string;
  /** Where the writer sent it (resume: poll, do not re-send); the writer's, not read here. */
  run?: number;
  line?: number;
}

export interface WrittenState extends StoreState {
  trigger?: PendingTrigger;
  /** The writer's own record of work in flight for this customer (opaque here). */
  transport?: unknown;
}

export type WriteKind = "labelsAdd" | "labelsRemove" | "fieldsSet" | "fieldsDelete";
export const WRITE_KINDS: readonly WriteKind[] = ["labelsAdd", "labelsRemove", "fieldsSet", "fieldsDelete"];

export const EMPTY_STATE: StoreState = Object.freeze({ labels: [], fields: {}, persona: null }) as StoreState;

/**
 * `text` as one string however many customers carry it: a shop's plan holds a field id, its
 * parts and texts many customers share (a persona's label, a score, a day, the scoring time)
 * for every customer it writes, and made afresh for each they were a quarter of a first
 * write-back's plan (decision 068). Bounded: a full table starts again.
 */
const SHARED = new Map<string, string>();
const MOST_SHARED = 100_000;
export function shared(text: string): string {
  const known = SHARED.get(text);
  if (known !== undefined) return known;
  if (SHARED.size >= MOST_SHARED) SHARED.clear();
  SHARED.set(text, text);
  return text;
}

/** "$app" + "persona" → "$app.persona": where a field lives (the writer's place) and its key. Places and keys have no dots. */
export function fieldId(place: string, key: string): string {
  return shared(`${place}.${key}`);
}

/** "rfm.persona" → { place: "rfm", key: "persona" }. */
export function splitFieldId(id: string): { place: string; key: string } {
  const dot = id.indexOf(".");
  return { place: shared(id.slice(0, dot)), key: shared(id.slice(dot + 1)) };
}

/*
 * Stored under the names of the first version (tags, metafields, flow, pending) so rows
 * written before stay readable; the names in memory are the neutral ones.
 */
interface StoredState {
  tags?: unknown;
  metafields?: unknown;
  persona?: unknown;
  flow?: PendingTrigger;
  pending?: unknown;
}

/** A stored state object (also the writer's copies inside its transport part) → StoreState. */
export function readStoredState(raw: unknown): StoreState {
  const s = (raw && typeof raw === "object" ? raw : {}) as StoredState;
  return {
    labels: Array.isArray(s.tags) ? s.tags.filter((t): t is string => typeof t === "string") : [],
    fields: s.metafields && typeof s.metafields === "object" ? { ...(s.metafields as Record<string, string>) } : {},
    persona: typeof s.persona === "string" ? s.persona : null,
  };
}

/** StoreState → its stored form (see readStoredState). */
export function storedState(state: StoreState): { tags: string[]; metafields: Record<string, string>; persona: string | null } {
  return { tags: state.labels, metafields: state.fields, persona: state.persona };
}

/** Parses Customer.written; null when nothing was ever written (or the JSON is unusable). */
export function parseWritten(json: string | null | undefined): WrittenState | null {
  if (!json) return null;
  try {
    const raw = JSON.parse(json) as StoredState | null;
    if (!raw || typeof raw !== "object") return null;
    return {
      ...readStoredState(raw),
      ...(raw.flow ? { trigger: raw.flow } : {}),
      ...(raw.pending ? { transport: raw.pending } : {}),
    };
  } catch {
    return null;
  }
}

export function serializeWritten(state: WrittenState | null): string | null {
  if (!state) return null;
  return JSON.stringify({
    ...storedState(state),
    ...(state.trigger ? { flow: state.trigger } : {}),
    ...(state.transport !== undefined ? { pending: state.transport } : {}),
  });
}

/** True when the store carries nothing of ours for this customer. */
export function isEmptyState(state: StoreState | null): boolean {
  return !state || (state.labels.length === 0 && Object.keys(state.fields).length === 0);
}

export function storeStateOf(state: WrittenState | null): StoreState {
  if (!state) return EMPTY_STATE;
  return { labels: state.labels, fields: state.fields, persona: state.persona };
}
