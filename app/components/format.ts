/**
 * Numbers as the merchant reads them: money in the shop's currency (stored as integer
 * minor units; the currency's own fraction digits turn them into major units — JPY 0,
 * USD 2, KWD 3), counts and shares in the admin user's locale.
 */
import { currencyExponent } from "~/money";

const cache = new Map<string, Intl.NumberFormat>();
function formatter(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      f = new Intl.NumberFormat("en-US", options);
    }
    cache.set(key, f);
  }
  return f;
}

export function minorToMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}

export function majorToMinor(major: number, currency: string): number {
  return Math.round(major * 10 ** currencyExponent(currency));
}

export function formatMoney(minor: number | null | undefined, currency: string, locale: string): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return "—";
  return formatter(locale, { style: "currency", currency }).format(minorToMajor(minor, currency));
}

/** Compact money for chart labels and small cells: "$1.2K". */
export function formatMoneyCompact(minor: number | null | undefined, currency: string, locale: string): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return "—";
  return formatter(locale, { style: "currency", currency, notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 1 }).format(
    minorToMajor(minor, currency),
  );
}

export function formatNumber(n: number | null | undefined, locale: string, maximumFractionDigits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return formatter(locale, { maximumFractionDigits }).format(n);
}

/** 0.1234 → "12.3%". */
export function formatPercent(share: number | null | undefined, locale: string): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "—";
  return formatter(locale, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

/** +12 / −3 / 0, with the sign always shown. */
export function formatDelta(n: number, locale: string): string {
  return formatter(locale, { signDisplay: "exceptZero", maximumFractionDigits: 0 }).format(n);
}

/** "2026-05-01T…" → "May 1, 2026" (UTC, so server and browser agree). */
export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return "—";
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(d);
  } catch {
    return d.toISOString().slice(0, 10);
  }
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(d) + " UTC";
  } catch {
    return d.toISOString();
  }
}
