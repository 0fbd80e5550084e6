/**
 * The merchant's go-ahead for writing to their store, per shop (Shop.writeConsent and the
 * time it last changed). A new shop is `pending`: it imports and scores, and nothing is
 * written until the merchant approves on the dashboard. `paused` and `removed` (persona data
 * removed from the store) stop write-back until the merchant approves again.
 * Shops that existed before consent was asked for were migrated as `granted`.
 */
import type { Db } from "~/db/index.server";

export const WRITE_CONSENT_STATES = ["pending", "granted", "paused", "removed"] as const;
export type WriteConsentState = (typeof WRITE_CONSENT_STATES)[number];

export interface WriteConsent {
  state: WriteConsentState;
  /** When the state last changed (epoch ms); null while pending. */
  at: number | null;
}

function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  const parsed = Date.parse(String(value));
  return Number.isNaN(parsed) ? null : parsed;
}

/** The shop's consent; an unknown shop throws. */
export async function writeConsent(db: Db, shopId: string): Promise<WriteConsent> {
  const row = await db.prepare(`SELECT writeConsent, writeConsentAt FROM "Shop" WHERE id = ?`).get(shopId) as
    | { writeConsent: string; writeConsentAt: unknown }
    | undefined;
  if (!row) throw new Error(`unknown shop ${shopId}`);
  // An unexpected stored value never counts as a go-ahead.
  const state = (WRITE_CONSENT_STATES as readonly string[]).includes(row.writeConsent) ? (row.writeConsent as WriteConsentState) : "pending";
  return { state, at: toMs(row.writeConsentAt) };
}

/** Records the consent state and when it changed (joins the caller's transaction). */
export async function setWriteConsent(db: Db, shopId: string, state: WriteConsentState, now: Date): Promise<void> {
  const { changes: changed } = await db
    .prepare(`UPDATE "Shop" SET writeConsent = ?, writeConsentAt = ?, updatedAt = ? WHERE id = ?`)
    .run(state, state === "pending" ? null : now, now, shopId);
  if (changed === 0) throw new Error(`unknown shop ${shopId}`);
}
