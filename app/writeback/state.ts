/**
 * What write-back knows about a customer in the store: the persona tags and metafields
 * we wrote there (Customer.written, JSON). Write-back never reads the store back; it
 * diffs what it wants against this record, so an unchanged customer costs no API call.
 */

/** The part of a customer in the store that belongs to us. */
export interface StoreState {
  /** Tags we wrote (never the merchant's own). */
  tags: string[];
  /** Metafields we wrote: "namespace.key" → value; the type follows from the key. */
  metafields: Record<string, string>;
  /** Persona slug these values describe (null: none), so a persona change is seen even after a rename. */
  persona: string | null;
}

/** A Flow "RFM persona changed" trigger owed for a persona change already written to the store. */
export interface PendingFlow {
  from: string;
  to: string;
  score: string;
  /** Sent in a bulk operation of this run, on this line (resume: poll, do not re-send). */
  run?: number;
  line?: number;
}

/** A bulk write in flight: which lines of which run carry this customer, and what they set. */
export interface PendingBulk {
  run: number;
  target: StoreState;
  full?: boolean;
  /** Line number per bulk mutation kind (one line per customer per kind). */
  lines: Partial<Record<WriteKind, number>>;
}

export type WriteKind = "tagsAdd" | "tagsRemove" | "metafieldsSet" | "metafieldsDelete";
export const WRITE_KINDS: readonly WriteKind[] = ["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete"];

export interface WrittenState extends StoreState {
  flow?: PendingFlow;
  pending?: PendingBulk;
}

export const EMPTY_STATE: StoreState = Object.freeze({ tags: [], metafields: {}, persona: null }) as StoreState;

/** Parses Customer.written; null when nothing was ever written (or the JSON is unusable). */
export function parseWritten(json: string | null | undefined): WrittenState | null {
  if (!json) return null;
  try {
    const raw = JSON.parse(json) as Partial<WrittenState> | null;
    if (!raw || typeof raw !== "object") return null;
    return {
      tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === "string") : [],
      metafields: raw.metafields && typeof raw.metafields === "object" ? { ...raw.metafields } : {},
      persona: typeof raw.persona === "string" ? raw.persona : null,
      ...(raw.flow ? { flow: raw.flow } : {}),
      ...(raw.pending ? { pending: raw.pending } : {}),
    };
  } catch {
    return null;
  }
}

export function serializeWritten(state: WrittenState | null): string | null {
  if (!state) return null;
  return JSON.stringify(state);
}

/** True when the store carries nothing of ours for this customer. */
export function isEmptyState(state: StoreState | null): boolean {
  return !state || (state.tags.length === 0 && Object.keys(state.metafields).length === 0);
}

export function storeStateOf(state: WrittenState | null): StoreState {
  if (!state) return EMPTY_STATE;
  return { tags: state.tags, metafields: state.metafields, persona: state.persona };
}
