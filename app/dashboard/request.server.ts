/**
 * What admin routes do with a request besides authenticating it (requireMerchant,
 * app/platforms/merchant.server.ts): read the query string with zod (400 naming the bad
 * parameter), and pick the locale numbers are formatted in.
 */
import type { z } from "zod";

/** Query-string errors as { parameter: message }, thrown as a 400. */
export function parseSearchParams<S extends z.ZodTypeAny>(schema: S, request: Request): z.output<S> {
  const url = new URL(request.url);
  const raw: Record<string, string> = {};
  // The store admin adds its own parameters to document requests (Shopify: host, id_token, …); only ours are validated.
  for (const [key, value] of url.searchParams) if (!ADMIN_PARAMS.has(key)) raw[key] = value;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[issue.path.join(".") || "query"] ??= issue.message;
    throw Response.json({ message: "Invalid query parameters", errors }, { status: 400 });
  }
  return parsed.data;
}

const ADMIN_PARAMS = new Set([
  "embedded",
  "hmac",
  "host",
  "id_token",
  "locale",
  "session",
  "shop",
  "timestamp",
  "_data",
]);

/**
 * The admin user's language: Shopify passes `locale` on the embedded URL; later data
 * requests only carry Accept-Language. Falls back to en-US.
 */
export function requestLocale(request: Request): string {
  const url = new URL(request.url);
  const candidates = [url.searchParams.get("locale"), ...(request.headers.get("Accept-Language") ?? "").split(",")];
  for (const candidate of candidates) {
    const tag = candidate?.split(";")[0].trim();
    if (!tag || tag === "*") continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical) return canonical;
    } catch {
      // not a language tag: try the next one
    }
  }
  return "en-US";
}

/** An epoch-ms number (raw SQL writes) or an ISO string (Prisma writes) as ISO 8601, or null. */
export function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  const ms = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
