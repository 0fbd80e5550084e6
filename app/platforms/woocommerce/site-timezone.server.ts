/**
 * A WooCommerce shop's time zone, for counting orders on the shop's days (as Shopify's
 * `ianaTimezone`, stored in Shop.timezone). WordPress publishes it in its public REST index,
 * `GET /wp-json/` (WordPress ≥ 4.7.4): `timezone_string` (an IANA name, "" when the merchant
 * picked a manual offset) and `gmt_offset` (hours: a number, or for a manual offset the stored
 * option as a string, "2" or "-5.5"). Security plugins often close the index to anonymous
 * callers, so when it cannot be read the offset an order shows between its local
 * `date_created` and its `date_created_gmt` stands in.
 */
import { z } from "zod";
import { isKnownTimeZone } from "~/rfm/zoned-days";
import type { Db } from "~/db/index.server";
import type { WooClient } from "./client.server";

const WpIndex = z.object({
  timezone_string: z.string().optional(),
  gmt_offset: z.union([z.number(), z.string()]).optional(),
});

/** Minutes → a fixed-offset zone Intl understands ("+05:30", "-03:00"); "UTC" for 0. */
function offsetZone(minutes: number): string | null {
  if (!Number.isFinite(minutes) || Math.abs(minutes) > 14 * 60) return null;
  const rounded = Math.round(minutes);
  if (rounded === 0) return "UTC";
  const abs = Math.abs(rounded);
  return `${rounded < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** The zone the REST index names: the IANA zone, else the manual offset; null when it says neither. */
export function timeZoneOfIndex(index: unknown): string | null {
  const parsed = WpIndex.safeParse(index);
  if (!parsed.success) return null;
  const name = parsed.data.timezone_string?.trim();
  if (name && isKnownTimeZone(name)) return name;
  const raw = parsed.data.gmt_offset;
  if (raw === undefined || (typeof raw === "string" && raw.trim() === "")) return null;
  return offsetZone(Number(raw) * 60);
}

const WC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** The offset an order shows between `date_created` (local) and `date_created_gmt`, as a fixed zone. */
export function timeZoneOfOrder(order: unknown): string | null {
  const o = order as { date_created?: unknown; date_created_gmt?: unknown } | null;
  if (typeof o?.date_created !== "string" || typeof o.date_created_gmt !== "string") return null;
  if (!WC_DATE.test(o.date_created) || !WC_DATE.test(o.date_created_gmt)) return null;
  return offsetZone((Date.parse(`${o.date_created}Z`) - Date.parse(`${o.date_created_gmt}Z`)) / 60_000);
}

type Fetch = typeof fetch;

/** GET the index, pretty permalinks first, then the plain `?rest_route=/` form; null when neither answers JSON. */
async function readIndex(siteUrl: string, fetchImpl: Fetch): Promise<unknown> {
  for (const url of [`${siteUrl}/wp-json/`, `${siteUrl}/?${new URLSearchParams({ rest_route: "/" })}`]) {
    try {
      const response = await fetchImpl(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(15_000) });
      if (!response.ok) continue;
      return await response.json();
    } catch {
      // Not JSON or not reachable: try the next form, then the orders.
    }
  }
  return null;
}

/**
 * The shop's zone: from the index, else from the newest order's dates; null when neither
 * tells (a store without orders behind a closed index: the caller keeps what it has).
 */
export async function readSiteTimeZone(client: Pick<WooClient, "siteUrl" | "page">, fetchImpl: Fetch = fetch): Promise<string | null> {
  const fromIndex = timeZoneOfIndex(await readIndex(client.siteUrl, fetchImpl));
  if (fromIndex) return fromIndex;
  try {
    const { items } = await client.page("orders", { per_page: 1, orderby: "date", order: "desc" }, 1);
    return items.length > 0 ? timeZoneOfOrder(items[0]) : null;
  } catch {
    return null;
  }
}

/** Stores the zone when it changed; true when it did (the shop's days moved: rescore). */
export async function saveShopTimeZone(db: Db, shopId: string, timeZone: string): Promise<boolean> {
  return (await db.prepare(`UPDATE "Shop" SET timezone = ? WHERE id = ? AND timezone <> ?`).run(timeZone, shopId, timeZone)).changes > 0;
}
