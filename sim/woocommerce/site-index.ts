/**
 * WordPress's REST API index, `GET /wp-json/` (or `?rest_route=/`): public, unauthenticated
 * site information, including the site's time zone. No capture of it exists in
 * ../shared/woocommerce; this follows WordPress core's documented behaviour instead
 * (`WP_REST_Server::get_index`, `gmt_offset` and `timezone_string` added in WordPress 4.7.4,
 * core changeset 40238 / ticket #39854):
 * - a named zone (Settings → General → Timezone, e.g. "New York"): `timezone_string` is the
 *   IANA name and `gmt_offset` its current offset in hours, a number (WordPress computes it
 *   with `wp_timezone_override_offset`, e.g. -5 or -4 in New York, 5.75 in Kathmandu);
 * - a manual offset ("UTC+2", "UTC-5.5"): `timezone_string` is "" and `gmt_offset` is the
 *   option as stored, a string ("2", "-5.5").
 * The simulator spells a manual offset the way WordPress's settings menu does: "UTC+2".
 */
import { zoneOffsetMinutes } from "../kit/time-zones";
import type { SiteInfo } from "./payloads";

const MANUAL = /^UTC([+-]\d{1,2}(?:\.\d+)?)$/;

/** The hours of a WordPress manual offset ("UTC+5.5" → 5.5), or null for a named zone. */
export function manualOffsetHours(timeZone: string): number | null {
  const m = MANUAL.exec(timeZone);
  return m ? Number(m[1]) : null;
}

/** Offset from UTC at an instant, in minutes, for a named zone or a manual offset. */
export function siteOffsetMinutes(timeZone: string, utcMs: number): number {
  const manual = manualOffsetHours(timeZone);
  return manual !== null ? Math.round(manual * 60) : zoneOffsetMinutes(timeZone, utcMs);
}

/** WordPress's `timezone_string` and `gmt_offset` for the site's zone, now. */
export function wpTimezoneFields(timeZone: string, nowMs: number): { timezone_string: string; gmt_offset: number | string } {
  const manual = manualOffsetHours(timeZone);
  if (manual !== null) return { timezone_string: "", gmt_offset: String(manual) };
  return { timezone_string: timeZone, gmt_offset: Math.round((zoneOffsetMinutes(timeZone, nowMs) / 60) * 100) / 100 };
}

/** The index body: site data first, as WordPress orders it; routes reduced to the namespaces we serve. */
export function siteIndexPayload(site: SiteInfo & { name?: string }, origin: string, nowMs: number) {
  return {
    name: site.name ?? "WooCommerce store",
    description: "",
    url: origin,
    home: origin,
    ...wpTimezoneFields(site.timeZone, nowMs),
    namespaces: ["oembed/1.0", "wc/v3", "wc-auth/v1", "wp/v2"],
    authentication: {},
    routes: {
      "/": { namespace: "", methods: ["GET"], endpoints: [{ methods: ["GET"], args: { context: { default: "view", required: false } } }], _links: { self: [{ href: `${origin}/wp-json/` }] } },
    },
    site_logo: 0,
    site_icon: 0,
    site_icon_url: "",
    _links: { help: [{ href: "https://developer.wordpress.org/rest-api/" }] },
  };
}
