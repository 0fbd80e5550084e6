/**
 * Comparing what a store carries for each customer with what the app's database says, in
 * neutral terms: labels and fields by key. Each platform's harness reads its store into
 * StorePersonaData; this check is the same for every platform.
 */
import { expect } from "vitest";
import type { Db } from "~/db/index.server";
import type { WriterCapabilities } from "~/platforms/types";
import { shopDayOf } from "~/rfm/zoned-days";
import { shopSettings } from "~/shops/settings.server";
import { desiredState, personaNamesFor, writability } from "~/writeback/desired";
import { splitFieldId } from "~/writeback/state";
import { loadCustomers } from "~/writeback/store.server";

/** What the store shows on one customer: every label (the merchant's too) and our fields by key. */
export interface StorePersonaData {
  labels: string[];
  fields: Record<string, string>;
}

export interface StoreCheck {
  /** The adapter's answer: can the store carry data for this customer? */
  isWritable: (customerKey: string) => boolean;
  capabilities: Pick<WriterCapabilities, "labels" | "fields">;
  /** What the store carries for the customer; null when the store has no such customer. */
  personaDataOf: (customerKey: string) => StorePersonaData | null;
  /** Our label prefix (default: the shop's setting). */
  prefix?: string;
}

/** The time of computation moves with every recompute; its value is not compared, only its presence. */
const COMPUTED_AT = "computed_at";
const withoutComputedAt = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== COMPUTED_AT));

/**
 * Every writable customer in the database carries, in the store, exactly its persona labels
 * and fields; guests were never written. Returns how many customers the store was checked for.
 */
export async function expectStoreMatchesDatabase(db: Db, shopId: string, check: StoreCheck): Promise<{ writable: number; guests: number }> {
  const settings = await shopSettings(db, shopId);
  // Fields compare by key: where a platform keeps them (the place) is the platform's business.
  // Dates are the shop's days, as the writer writes them (near midnight UTC they differ).
  const timeZone = (await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string | null;
  const ctx = {
    writeback: settings.writeback,
    personaName: personaNamesFor(settings.personas),
    fieldPlace: "store",
    carries: check.capabilities,
    dayOf: shopDayOf(timeZone),
  };
  const prefix = check.prefix ?? settings.writeback.tagPrefix;
  let writable = 0;
  let guests = 0;
  for (const row of await loadCustomers(db, shopId)) {
    const kind = writability(row, check.isWritable);
    if (kind === "guest") {
      expect(row.written, row.customerKey).toBeNull();
      guests++;
      continue;
    }
    if (kind !== "writable") continue;
    const data = check.personaDataOf(row.customerKey);
    if (!data) continue;
    const desired = desiredState(row, ctx);
    const desiredFields = Object.fromEntries(Object.entries(desired.fields).map(([id, value]) => [splitFieldId(id).key, value]));
    expect(data.labels.filter((label) => label.startsWith(prefix)).sort(), row.customerKey).toEqual([...desired.labels].sort());
    expect(withoutComputedAt(data.fields), row.customerKey).toEqual(withoutComputedAt(desiredFields));
    if (check.capabilities.fields) expect(COMPUTED_AT in data.fields, row.customerKey).toBe(row.persona !== null);
    expect(row.writeStatus === "ok" || row.written === null, row.customerKey).toBe(true);
    writable++;
  }
  return { writable, guests };
}
