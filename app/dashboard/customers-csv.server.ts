/**
 * CSV export of customers with their name and email, metrics, scores, persona and previous persona.
 *
 * Streamed: a ReadableStream pulls keyset pages (by customer key) from SQLite as the
 * client reads, so memory stays flat however many customers a shop has. Pages rather
 * than one long `.iterate()`: an open iterator would keep the process's shared
 * connection busy for the whole download and block background jobs.
 *
 * Each page waits for the next turn of the event loop first. A consumer that reads as
 * fast as it can (Remix writes the body to the socket without waiting for drain) would
 * otherwise pull every page in one chain of microtasks, and a large shop's export would
 * hold up every other request until the last row.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { csvLine, numeric } from "~/csv";
import { fromMinorUnits } from "~/money";
import { adapterFor } from "~/platforms/registry.server";
import { shopSettings } from "~/shops/settings.server";
import { recencyDaysSql } from "~/scoring/recency";
import type { Db } from "~/db/index.server";
import { personaCatalog, withDataSlugs } from "./catalog.server";
import { CUSTOMER_FROM, customerWhere, type CustomerFilter } from "./customers.server";
import { isoOrNull } from "./request.server";

export const CSV_COLUMNS = [
  "customer_key",
  "customer_id",
  "name",
  "email",
  "guest",
  "persona",
  "persona_name",
  "previous_persona",
  "persona_since",
  "recency_days",
  "frequency",
  "monetary",
  "currency",
  "r",
  "f",
  "m",
  "rfm",
  "first_order_at",
  "last_order_at",
  "scored_at",
] as const;

// The one CSV writer (formula guard, RFC 4180 quoting) is shared with the CLI.
export { csvField, csvLine } from "~/csv";

interface ExportRow {
  customerKey: string;
  name: string | null;
  email: string | null;
  guest: number;
  persona: string | null;
  previousPersona: string | null;
  personaSince: number | string | null;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  r: number | null;
  f: number | null;
  m: number | null;
  firstOrderAt: number | string | null;
  lastOrderAt: number | string | null;
  scoredAt: number | string | null;
}

export interface CsvExportOptions {
  /** Rows per database read. */
  pageSize?: number;
}

export async function customerCsvStream(
  db: Db,
  shopId: string,
  filter: CustomerFilter,
  { pageSize = 2000 }: CsvExportOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const settings = await shopSettings(db, shopId);
  const shop = await db.prepare(`SELECT currency, platform FROM "Shop" WHERE id = ?`).get(shopId) as {
    currency: string;
    platform: string;
  };
  const ids = adapterFor(shop.platform).customers;
  const names = new Map(withDataSlugs(settings, personaCatalog(settings), []).map((p) => [p.slug, p.name]));
  const where = customerWhere(db, shopId, filter);
  const page = db.prepare(
    `SELECT "Customer".customerKey AS customerKey, k.name AS name, coalesce("Customer".email, k.email) AS email, guest, persona,
       previousPersona, personaSince, ${recencyDaysSql(db)} AS recencyDays, frequency, monetaryMinor, r, f, m, firstOrderAt, lastOrderAt, scoredAt
     FROM ${CUSTOMER_FROM} WHERE ${where.sql} AND "Customer".customerKey > ? ORDER BY "Customer".customerKey LIMIT ?`,
  );
  const encoder = new TextEncoder();
  let after = "";
  let headerSent = false;

  const line = (c: ExportRow) =>
    csvLine([
      c.customerKey,
      c.guest ? null : ids.displayId(c.customerKey),
      c.name,
      c.email,
      c.guest === 1,
      c.persona,
      c.persona ? (names.get(c.persona) ?? c.persona) : null,
      c.previousPersona,
      isoOrNull(c.personaSince),
      c.recencyDays,
      c.frequency,
      numeric(fromMinorUnits(c.monetaryMinor, shop.currency)),
      shop.currency,
      c.r,
      c.f,
      c.m,
      c.r && c.f && c.m ? `${c.r}${c.f}${c.m}` : null,
      isoOrNull(c.firstOrderAt),
      isoOrNull(c.lastOrderAt),
      isoOrNull(c.scoredAt),
    ]);

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine([...CSV_COLUMNS])));
          return;
        }
        await nextTurn();
        const rows = (await page.all(...where.params, after, pageSize)) as ExportRow[];
        if (rows.length > 0) {
          controller.enqueue(encoder.encode(rows.map(line).join("")));
          after = rows[rows.length - 1].customerKey;
        }
        if (rows.length < pageSize) controller.close();
      },
    },
    // One page at a time: the next read happens only once the client took the last.
    { highWaterMark: 1 },
  );
}

/** "customers-demo-2026-05-01.csv". */
export function csvFilename(domain: string, now: Date = new Date()): string {
  const shop = domain.split(".")[0].replace(/[^a-zA-Z0-9_-]/g, "") || "shop";
  return `rfm-customers-${shop}-${now.toISOString().slice(0, 10)}.csv`;
}
