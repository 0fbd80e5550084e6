/**
 * A shop's stored customer rows as the daily compare needs them (persona, scores, figures,
 * flags), read into typed arrays beside the order read: while the caller waits for SQLite to
 * build order pages, it cuts customer pages instead of reading them after the scoring
 * (docs/decisions/075-stored-customers-beside-the-orders.md). Keys stay in a table of their
 * own, looked up in the order read's table once it is done; no string per customer.
 */
import type { Db } from "~/db/index.server";
import { scanByKey } from "~/db/scan.server";
import { float64s, int32s } from "~/rfm/growing";
import { KeyTable } from "~/rfm/key-table";

export interface StoredCustomers {
  /** Row i's customer key is keys.key(i). */
  keys: KeyTable;
  count: number;
  /** Index in `personas`; -1: none. */
  persona: Int32Array;
  /** r * 100 + f * 10 + m; -1: not scored. */
  rfm: Int32Array;
  frequency: Float64Array;
  monetaryMinor: Float64Array;
  /** Epoch ms; NaN where the row holds none (or not as a number). */
  firstOrderMs: Float64Array;
  lastOrderMs: Float64Array;
  /** 2: guest; 1: its write-back failed. */
  flags: Int32Array;
}

/** Every stored customer of a shop, in no set order; personas interned into `personas`. */
export async function readStoredCustomers(db: Db, shopId: string, personas: KeyTable): Promise<StoredCustomers> {
  const keys = new KeyTable();
  const persona = int32s();
  const rfm = int32s();
  const flags = int32s();
  const frequency = float64s();
  const monetaryMinor = float64s();
  const firstOrderMs = float64s();
  const lastOrderMs = float64s();
  const asNumber = (v: unknown) => (typeof v === "number" ? v : NaN);
  await scanByKey(
    db,
    {
      columns: [
        ["customerKey", keys],
        ["persona", personas],
        ["r * 100 + f * 10 + m", "number"],
        ["frequency", "number"],
        ["monetaryMinor", "number"],
        [db.sql.epochMs("firstOrderAt"), "number"],
        [db.sql.epochMs("lastOrderAt"), "number"],
        [`(CASE WHEN guest THEN 2 ELSE 0 END) + (CASE WHEN "writeStatus" = 'failed' THEN 1 ELSE 0 END)`, "number"],
      ],
      from: `"Customer"`,
      where: "shopId = ?",
      params: [shopId],
      key: "customerKey",
      ordered: false,
    },
    (r) => {
      // Keys are unique: row i is key i.
      if (r[0] !== persona.length) throw new Error(`stored customers: key ${String(r[0])} read twice`);
      persona.push(r[1] === null ? -1 : (r[1] as number));
      rfm.push(r[2] === null ? -1 : (r[2] as number));
      frequency.push(r[3] as number);
      monetaryMinor.push(r[4] as number);
      firstOrderMs.push(asNumber(r[5]));
      lastOrderMs.push(asNumber(r[6]));
      flags.push(r[7] as number);
    },
  );
  const n = persona.length;
  return {
    keys,
    count: n,
    persona: persona.data.subarray(0, n),
    rfm: rfm.data.subarray(0, n),
    frequency: frequency.data.subarray(0, n),
    monetaryMinor: monetaryMinor.data.subarray(0, n),
    firstOrderMs: firstOrderMs.data.subarray(0, n),
    lastOrderMs: lastOrderMs.data.subarray(0, n),
    flags: flags.data.subarray(0, n),
  };
}
