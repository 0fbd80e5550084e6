/**
 * Persona fields as WooCommerce customer meta (pure): which meta keys carry which field, and
 * the `customers/batch` update items that apply a customer's plan.
 *
 * Keys have no leading underscore so the merchant sees them in the admin (underscore keys are
 * "protected" and hidden). WooCommerce upserts a meta entry by key and deletes it when sent
 * `"value": null` (captures `customers-batch-delete-meta.json`, `customer-after-null-meta.json`).
 */
import type { CustomerPlan } from "~/writeback/plan";

/** Where our fields live (the place part of a field id); the meta key is `rfm_<field key>`. */
export const META_PLACE = "rfm";

/**
 * The field keys the store carries: the persona, its scores, the previous persona, since
 * when, and when it was computed (`rfm_computed_at`, the field every platform carries so a
 * merchant can see how fresh the values are).
 */
export const META_FIELD_KEYS = ["persona", "r_score", "f_score", "m_score", "score", "previous_persona", "persona_since", "computed_at"] as const;
const CARRIED = new Set<string>(META_FIELD_KEYS);

export const metaKey = (key: string) => `${META_PLACE}_${key}`;

/** Every meta key we may write. */
export const PERSONA_META_KEYS: readonly string[] = META_FIELD_KEYS.map(metaKey);

export interface MetaChange {
  key: string;
  /** null deletes the key. */
  value: string | null;
}

/** The meta changes a customer's plan needs (a field key we do not know is never sent). */
export function metaChanges(plan: CustomerPlan): MetaChange[] {
  const changes = new Map<string, string | null>();
  // Deletes first so a key moved from another place and set here ends up set.
  for (const f of plan.fieldsDelete) if (CARRIED.has(f.key)) changes.set(metaKey(f.key), null);
  for (const f of plan.fieldsSet) if (CARRIED.has(f.key)) changes.set(metaKey(f.key), f.value);
  return [...changes].map(([key, value]) => ({ key, value }));
}

/** One item of a `customers/batch` `update` list. */
export interface BatchUpdate {
  id: number;
  meta_data: MetaChange[];
}

/** What WooCommerce answered for one batch item: the customer, or `{id, error}`. */
export type BatchItemResult = { ok: true } | { ok: false; message: string };

/**
 * Reads a batch answer's `update` list by customer id: each item is the updated customer or
 * `{id, error: {code, message}}` (capture `customers-batch-mixed-invalid-id.json`).
 */
export function batchResults(answer: unknown): Map<number, BatchItemResult> {
  const out = new Map<number, BatchItemResult>();
  const items = answer && typeof answer === "object" ? (answer as { update?: unknown }).update : undefined;
  if (!Array.isArray(items)) return out;
  for (const item of items) {
    if (!item || typeof item !== "object") continue;
    const o = item as { id?: unknown; error?: { code?: unknown; message?: unknown } };
    const id = Number(o.id);
    if (!Number.isSafeInteger(id)) continue;
    if (o.error) {
      const code = typeof o.error.code === "string" ? `${o.error.code}: ` : "";
      out.set(id, { ok: false, message: `${code}${typeof o.error.message === "string" ? o.error.message : "error"}` });
    } else out.set(id, { ok: true });
  }
  return out;
}
