/**
 * What every admin route does before calling its service: find the shop the session
 * belongs to (404 when we hold none), read the query string with zod (400 naming the
 * bad parameter), and pick the locale numbers are formatted in.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { SqliteDatabase } from "~/sync/sqlite.server";

export interface ShopRef {
  id: string;
  domain: string;
  name: string | null;
  currency: string;
  platform: string;
}

export function requireShop(db: SqliteDatabase, domain: string): ShopRef {
  const find = () =>
    db
      .prepare(`SELECT id, domain, name, currency, platform, uninstalledAt FROM "Shop" WHERE domain = ?`)
      .get(domain) as (ShopRef & { uninstalledAt: number | null }) | undefined;
  let shop = find();
  if (!shop) {
    // An authenticated session proves the app is installed; the very first page load can
    // race the install hook (parent and child loaders both exchange the token). Record
    // the shop now — the hook fills in its details and starts the sync.
    const now = Date.now();
    db.prepare(
      `INSERT OR IGNORE INTO "Shop" (id, domain, platform, currency, timezone, installedAt, settings, createdAt, updatedAt)
       VALUES (?, ?, 'shopify', 'USD', 'UTC', ?, '{}', ?, ?)`,
    ).run(randomUUID(), domain, now, now, now);
    shop = find();
  }
  if (!shop || shop.uninstalledAt !== null) {
    throw Response.json({ message: `No store ${domain} is connected` }, { status: 404 });
  }
  const { uninstalledAt: _, ...ref } = shop;
  return ref;
}

/** Query-string errors as { parameter: message }, thrown as a 400. */
export function parseSearchParams<S extends z.ZodTypeAny>(schema: S, request: Request): z.output<S> {
  const url = new URL(request.url);
  const raw: Record<string, string> = {};
  // Shopify adds its own parameters to document requests; only ours are validated.
  for (const [key, value] of url.searchParams) if (!SHOPIFY_PARAMS.has(key)) raw[key] = value;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[issue.path.join(".") || "query"] ??= issue.message;
    throw Response.json({ message: "Invalid query parameters", errors }, { status: 400 });
  }
  return parsed.data;
}

const SHOPIFY_PARAMS = new Set([
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
