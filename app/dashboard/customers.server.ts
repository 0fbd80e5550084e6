/**
 * The customer list: filter by persona and score ranges, search by name, email or
 * customer id, sort by spend, orders, recency or persona, page with keyset cursors (cheap
 * on a million customers, stable while a recompute runs). Names and emails come from
 * CustomerContact (as the customer's newest order carried them). The same filters drive
 * the CSV export (customers-csv.server.ts).
 */
import { z } from "zod";
import { adapterFor } from "~/platforms/registry.server";
import type { CustomerIds } from "~/platforms/types";
import { shopSettings } from "~/shops/settings.server";
import { recencyDaysSql } from "~/scoring/recency";
import { isSqlite, type Db } from "~/db/index.server";
import { personaCatalog, withDataSlugs, type PersonaInfo } from "./catalog.server";
import { isoOrNull } from "./request.server";
import { carriedPersonas, countMatching } from "./totals.server";

const blankAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const score = z.preprocess(
  blankAsUndefined,
  z.coerce.number({ error: "must be a score 1–5" }).int("must be a whole score 1–5").min(1, "scores run 1–5").max(5, "scores run 1–5").optional(),
);

/** Filters shared by the list and the export. `persona=none`: customers without a persona. */
export const customerFilterSchema = z
  .object({
    persona: z.preprocess(
      blankAsUndefined,
      z
        .string()
        .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a persona slug such as champions, or none")
        .optional(),
    ),
    r: score,
    f: score,
    m: score,
    rMin: score,
    rMax: score,
    fMin: score,
    fMax: score,
    mMin: score,
    mMax: score,
    q: z.preprocess(blankAsUndefined, z.string().trim().max(200, "search is at most 200 characters").optional()),
  })
  .superRefine((v, ctx) => {
    for (const d of ["r", "f", "m"] as const) {
      const lo = v[`${d}Min`];
      const hi = v[`${d}Max`];
      if (lo !== undefined && hi !== undefined && lo > hi) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [`${d}Min`], message: `${d}Min must not exceed ${d}Max` });
      }
    }
  });

export type CustomerFilter = z.output<typeof customerFilterSchema>;

export const CUSTOMER_SORTS = ["monetary", "frequency", "recency", "persona"] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/** Natural direction: biggest spenders, most orders, most recent, best persona first. */
const DEFAULT_DIR: Record<CustomerSort, "asc" | "desc"> = {
  monetary: "desc",
  frequency: "desc",
  recency: "asc",
  persona: "asc",
};

/** [sort value, customerKey, part of the sort, place in the list (1-based)] of a page's edge row. */
const cursorSchema = z.tuple([z.union([z.number(), z.string()]), z.string(), z.number().int().min(0).max(1000), z.number().int().min(0)]);

export interface PageCursor {
  value: number | string;
  key: string;
  segment: number;
  position: number;
}

/** "monetary:desc" (one select in the UI) → sort=monetary, dir=desc. */
function splitSort(raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const q = raw as Record<string, unknown>;
  if (typeof q.sort !== "string" || !q.sort.includes(":")) return raw;
  const [sort, dir] = q.sort.split(":");
  return { ...q, sort, dir: q.dir ?? dir };
}

export const customerListSchema = z.preprocess(
  splitSort,
  z
  .object({
    sort: z.preprocess(blankAsUndefined, z.enum(CUSTOMER_SORTS, { error: "must be monetary, frequency, recency or persona" }).default("monetary")),
    dir: z.preprocess(blankAsUndefined, z.enum(["asc", "desc"], { error: "must be asc or desc" }).optional()),
    after: z.preprocess(blankAsUndefined, z.string().max(2000).optional()),
    before: z.preprocess(blankAsUndefined, z.string().max(2000).optional()),
    limit: z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).max(250).default(50)),
  })
  .and(customerFilterSchema)
  .superRefine((v, ctx) => {
    if (v.after && v.before) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["before"], message: "use after or before, not both" });
    for (const key of ["after", "before"] as const) {
      if (v[key] && !decodeCursor(v[key])) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: "is not a valid page cursor" });
    }
  }),
);

export type CustomerListQuery = z.output<typeof customerListSchema>;

export interface CustomerRow {
  customerKey: string;
  /** As the customer's newest order named them; null when the store withholds it. */
  name: string | null;
  email: string | null;
  guest: boolean;
  /** Where the merchant opens this customer in the store's admin; null for guests. */
  adminUrl: string | null;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  r: number | null;
  f: number | null;
  m: number | null;
  persona: { slug: string; name: string; color: string } | null;
  previousPersona: { slug: string; name: string; color: string } | null;
  personaSince: string | null;
  lastOrderAt: string | null;
  writeStatus: string | null;
}

export interface CustomerPage {
  currency: string;
  rows: CustomerRow[];
  /** Customers matching the filters (all pages); with a search, at most SEARCH_COUNT_CAP. */
  total: number;
  /** A search matched more than `total`: say "10,000+". */
  totalCapped: boolean;
  /** Where this page sits among them, 1-based ("51–100 of 1,357"); 0–0 when none match. */
  range: { from: number; to: number };
  sort: CustomerSort;
  dir: "asc" | "desc";
  nextCursor: string | null;
  previousCursor: string | null;
  /** Personas to filter by (the map's, plus slugs customers still carry). */
  personas: { slug: string; name: string; color: string }[];
}

export function encodeCursor(value: number | string, key: string, segment: number, position: number): string {
  return Buffer.from(JSON.stringify([value, key, segment, position])).toString("base64url");
}

export function decodeCursor(cursor: string): PageCursor | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return parsed.success ? { value: parsed.data[0], key: parsed.data[1], segment: parsed.data[2], position: parsed.data[3] } : null;
  } catch {
    return null;
  }
}

interface Sql {
  sql: string;
  params: unknown[];
}

/** Customers with what we know of them: `FROM ${CUSTOMER_FROM} WHERE ${customerWhere(…).sql}`. */
export const CUSTOMER_FROM = `"Customer" LEFT JOIN "CustomerContact" k ON k.shopId = "Customer".shopId AND k.customerKey = "Customer".customerKey`;

/**
 * How a search is matched: `indexed` gathers the matching customers from the search index first
 * (cheap when few match); `per-row` tests each customer read (cheap when many do, walking a sort
 * index until a page is full).
 */
export type SearchBy = "indexed" | "per-row";

/** WHERE for the filters over CUSTOMER_FROM; always scoped to the shop. */
export function customerWhere(db: Db, shopId: string, filter: CustomerFilter, searchBy: SearchBy = "indexed"): Sql {
  const parts = [`"Customer".shopId = ?`];
  const params: unknown[] = [shopId];
  if (filter.persona === "none") parts.push("persona IS NULL");
  else if (filter.persona) {
    parts.push("persona = ?");
    params.push(filter.persona);
  }
  for (const d of ["r", "f", "m"] as const) {
    const exact = filter[d];
    const lo = filter[`${d}Min`];
    const hi = filter[`${d}Max`];
    if (exact !== undefined) {
      parts.push(`${d} = ?`);
      params.push(exact);
    }
    if (lo !== undefined) {
      parts.push(`${d} >= ?`);
      params.push(lo);
    }
    if (hi !== undefined) {
      parts.push(`${d} <= ?`);
      params.push(hi);
    }
  }
  if (filter.q) {
    const search = searchBy === "indexed" ? searchWhere(db, shopId, filter.q) : searchEachRow(db, filter.q);
    parts.push(search.sql);
    params.push(...search.params);
  }
  return { sql: parts.join(" AND "), params };
}

/** A search this long (in characters) reads the trigram index; a shorter one reads every customer's text. */
export const SEARCH_INDEXED_FROM = 3;

/**
 * Customers whose id, email, or name or email as their orders carried them contains `q`, any
 * case (docs/decisions/036). SQLite: the match over CustomerSearchText (one row per customer,
 * kept by triggers), read only where the FTS5 trigram index holds every trigram of `q`;
 * PostgreSQL: pg_trgm GIN indexes on the lowercased columns, one table at a time so each OR
 * reads its indexes. A search shorter than a trigram reads the shop's CustomerSearchText rows
 * on both (docs/decisions/041).
 */
function searchWhere(db: Db, shopId: string, q: string): Sql {
  const like = likePattern(q);
  if (trigrams(q).length === 0) {
    const text = holds(isSqlite(db), q);
    return { sql: `"Customer".customerKey IN (SELECT t.customerKey FROM ${shortSearchText(db)} WHERE t.shopId = ? AND ${text.sql})`, params: [shopId, ...text.params] };
  }
  if (!isSqlite(db)) {
    return {
      sql: `"Customer".customerKey IN (
        SELECT c.customerKey FROM "Customer" c WHERE c.shopId = ? AND (lower(c.customerKey) LIKE lower(?) OR lower(c.email) LIKE lower(?))
        UNION SELECT s.customerKey FROM "CustomerContact" s WHERE s.shopId = ? AND (lower(s.email) LIKE lower(?) OR lower(s.name) LIKE lower(?)))`,
      params: [shopId, like, like, shopId, like, like],
    };
  }
  const text = textLike(q);
  const grams = trigrams(q);
  return {
    sql: `"Customer".customerKey IN (SELECT t.customerKey FROM "CustomerSearch" s JOIN "CustomerSearchText" t ON t.id = s.rowid
      WHERE "CustomerSearch" MATCH ? AND t.shopId = ? AND (${text.sql}))`,
    params: [ftsQuery(grams), shopId, ...text.params],
  };
}

/** The search tested on the customer being read: its own text, no index. */
function searchEachRow(db: Db, q: string): Sql {
  const like = likePattern(q);
  if (!isSqlite(db)) {
    return {
      sql: `(lower("Customer".customerKey) LIKE lower(?) OR lower("Customer".email) LIKE lower(?) OR lower(k.email) LIKE lower(?) OR lower(k.name) LIKE lower(?))`,
      params: [like, like, like, like],
    };
  }
  const text = textLike(q);
  return {
    sql: `EXISTS (SELECT 1 FROM "CustomerSearchText" t WHERE t.shopId = "Customer".shopId AND t.customerKey = "Customer".customerKey AND (${text.sql}))`,
    params: text.params,
  };
}

/** `q` as a LIKE pattern for a substring: its own `%`, `_` and `\` literal (escaped by `\`, PostgreSQL's default). */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `t.lowered` (a customer's four texts lowercased when written, one per line; docs/decisions/041)
 * contains `q` lowercased the same way, with no case folded per row: SQLite's case-sensitive GLOB
 * (its own `*`, `?` and `[` made literal by brackets; a little cheaper per row than LIKE, and
 * instr() costs more than either), PostgreSQL's LIKE (its byte matcher beat strpos(), and its
 * estimate lets the planner scan in parallel). Each engine's lower() folds as its
 * LIKE of lower()s did before (SQLite: ASCII only), so a query without a line break matches
 * exactly where it matches one of the four texts.
 */
function holds(sqlite: boolean, q: string): Sql {
  return sqlite ? { sql: `t.lowered GLOB lower(?)`, params: [globPattern(q)] } : { sql: `t.lowered LIKE lower(?)`, params: [likePattern(q)] };
}

/**
 * The text rows a search of 1–2 characters reads (as `t`). SQLite: from the index on
 * (shopId, lowered) by name, which holds only the shop's lowercase text, where a row also
 * carries the four texts as written (decision 041). With one big shop in the database its
 * statistics make shopId look useless and the planner chose the table: 205 ms against the
 * index's 147 ms for 1M customers (docs/decisions/049). A match reads its row for the key.
 * The count reads through the mapped reader (SqliteDb.withMappedReads): the index outgrows the
 * page cache at about 600k customers.
 */
function shortSearchText(db: Db): string {
  return isSqlite(db) ? `"CustomerSearchText" t INDEXED BY "CustomerSearchText_shopId_lowered_idx"` : `"CustomerSearchText" t`;
}

/** `q` as a GLOB pattern for a substring: its `*`, `?` and `[` each a one-character class. */
function globPattern(q: string): string {
  return `*${q.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/**
 * The search over a CustomerSearchText row `t` (SQLite). One test of the stored lowercase text
 * per row instead of four lower() calls and LIKEs, which is most of a scan's cost. A query with a
 * line break (never a trimmed search of 1–2 characters) tests the texts one by one, so it never
 * matches across two.
 */
function textLike(q: string): Sql {
  const like = likePattern(q);
  if (!q.includes("\n")) return holds(true, q);
  return {
    sql: `lower(t.customerKey) LIKE lower(?) ESCAPE '\\' OR lower(t.email) LIKE lower(?) ESCAPE '\\'
    OR lower(t.contactEmail) LIKE lower(?) ESCAPE '\\' OR lower(t.name) LIKE lower(?) ESCAPE '\\'`,
    params: [like, like, like, like],
  };
}

/** Rows holding every trigram: each an FTS5 string (quotes doubled), so nothing typed is an operator. */
const ftsQuery = (grams: string[]) => grams.map((g) => `"${g.replaceAll('"', '""')}"`).join(" AND ");

/**
 * Matches of a search with the other filters, counted up to `cap`. On SQLite the index drives
 * the join, so counting stops at the cap instead of gathering every match first.
 */
async function countSearch(db: Db, shopId: string, query: CustomerFilter & { q: string }, cap: number): Promise<{ found: number; keys: string[] | null }> {
  const like = likePattern(query.q);
  const filters = customerWhere(db, shopId, { ...query, q: undefined });
  const grams = trigrams(query.q);
  if (grams.length === 0) {
    // No trigram: one pass over the shop's text rows, stopping at the cap. The keys it found come
    // back, so a page of few matches reads those customers rather than the text rows again.
    // SQLite: the text rows drive the join (CROSS JOIN keeps that order). PostgreSQL: a match's
    // customer is looked up per row (a LATERAL subquery with a LIMIT is never made a hash join of
    // every customer of the shop), and the text rows can still be scanned by parallel workers (a
    // scalar subquery in their filter kept the scan in one process).
    const text = holds(isSqlite(db), query.q);
    const found = (
      isSqlite(db)
        ? await db.withMappedReads((reader) =>
            reader
              .prepare(
                `SELECT t.customerKey FROM ${shortSearchText(db)} CROSS JOIN "Customer"
                 WHERE t.shopId = ? AND ${text.sql} AND "Customer".shopId = t.shopId AND "Customer".customerKey = t.customerKey AND ${filters.sql} LIMIT ?`,
              )
              .pluck()
              .all(shopId, ...text.params, ...filters.params, cap),
          )
        : await db
            .prepare(
              `SELECT t.customerKey FROM "CustomerSearchText" t
               CROSS JOIN LATERAL (SELECT 1 FROM "Customer" WHERE "Customer".shopId = t.shopId AND "Customer".customerKey = t.customerKey AND ${filters.sql} LIMIT 1) c
               WHERE t.shopId = ? AND ${text.sql} LIMIT ?`,
            )
            .pluck()
            .all(...filters.params, shopId, ...text.params, cap)
    ) as string[];
    return { found: found.length, keys: found };
  }
  if (!isSqlite(db)) {
    // The contacts' matches, then the customers' own not counted yet: a UNION ALL streams under
    // the LIMIT, where the UNION that lists them would gather every match first. The customer of
    // a contact is looked up per row (a scalar subquery is never made a join), so a common name
    // stops at the cap instead of hashing every match.
    const contactMatches = `(lower(s.email) LIKE lower(?) OR lower(s.name) LIKE lower(?))`;
    return counted(
      await db
        .prepare(
          `SELECT count(*) FROM (
             SELECT 1 FROM "CustomerContact" s
               WHERE s.shopId = ? AND ${contactMatches}
                 AND (SELECT 1 FROM "Customer" WHERE "Customer".shopId = s.shopId AND "Customer".customerKey = s.customerKey AND ${filters.sql}) IS NOT NULL
             UNION ALL
             SELECT 1 FROM "Customer" WHERE (lower("Customer".customerKey) LIKE lower(?) OR lower("Customer".email) LIKE lower(?)) AND ${filters.sql}
               AND NOT EXISTS (SELECT 1 FROM "CustomerContact" s WHERE s.shopId = "Customer".shopId AND s.customerKey = "Customer".customerKey AND ${contactMatches})
             LIMIT ?) c`,
        )
        .pluck()
        .get(shopId, like, like, ...filters.params, like, like, ...filters.params, like, like, cap),
    );
  }
  const text = textLike(query.q);
  return counted(
    await db
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM "CustomerSearch" s CROSS JOIN "CustomerSearchText" t CROSS JOIN "Customer"
           WHERE "CustomerSearch" MATCH ? AND t.id = s.rowid AND t.shopId = ? AND (${text.sql})
             AND "Customer".shopId = t.shopId AND "Customer".customerKey = t.customerKey AND ${filters.sql} LIMIT ?) c`,
      )
      .pluck()
      .get(ftsQuery(grams), shopId, ...text.params, ...filters.params, cap),
  );
}

const counted = (n: unknown) => ({ found: Number(n), keys: null });

/** Enough of a search's trigrams to narrow it to a few customers; the LIKE decides. */
const SEARCH_TRIGRAMS = 24;

/** The distinct three-character runs of `q` (as the FTS5 trigram tokenizer sees them), at most SEARCH_TRIGRAMS. */
function trigrams(q: string): string[] {
  const chars = [...q];
  const grams = new Map<string, string>();
  for (let i = 0; i + SEARCH_INDEXED_FROM <= chars.length && grams.size < SEARCH_TRIGRAMS; i++) {
    const gram = chars.slice(i, i + SEARCH_INDEXED_FROM).join("");
    grams.set(gram.toLowerCase(), gram);
  }
  return [...grams.values()];
}

const columns = (db: Db) => `"Customer".customerKey AS customerKey, k.name AS name, coalesce("Customer".email, k.email) AS email, guest,
  ${recencyDaysSql(db)} AS recencyDays, frequency, monetaryMinor, r, f, m, persona, previousPersona, personaSince, lastOrderAt, writeStatus`;

interface RawCustomer {
  customerKey: string;
  name: string | null;
  email: string | null;
  guest: number;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  r: number | null;
  f: number | null;
  m: number | null;
  persona: string | null;
  previousPersona: string | null;
  personaSince: number | string | null;
  lastOrderAt: number | string | null;
  writeStatus: string | null;
  sortValue: number | string;
}

export async function listCustomers(db: Db, shopId: string, query: CustomerListQuery): Promise<CustomerPage> {
  const settings = await shopSettings(db, shopId);
  const shop = await db.prepare(`SELECT domain, currency, platform FROM "Shop" WHERE id = ?`).get(shopId) as {
    domain: string;
    currency: string;
    platform: string;
  };
  const catalog = withDataSlugs(settings, personaCatalog(settings), await carriedPersonas(db, shopId));

  // Without a search the stored totals count exactly; a search counts its matches up to a cap.
  let total: number;
  let totalCapped = false;
  // The matching customers' keys, when counting them listed every one (a short search).
  let matched: string[] | null = null;
  if (query.q) {
    const { found, keys } = await countSearch(db, shopId, { ...query, q: query.q }, SEARCH_COUNT_CAP + 1);
    totalCapped = found > SEARCH_COUNT_CAP;
    total = Math.min(found, SEARCH_COUNT_CAP);
    if (!totalCapped) matched = keys;
  } else {
    total = await countMatching(db, shopId, query);
  }

  const sort = query.sort;
  const dir = query.dir ?? DEFAULT_DIR[sort];
  const cursor = query.after ? decodeCursor(query.after) : query.before ? decodeCursor(query.before) : null;
  const backwards = Boolean(query.before);
  // Walking backwards: flip the direction, then reverse the page.
  const ascending = (dir === "asc") !== backwards;
  const segments = sortSegments(sort, catalog);
  const walk = segments.map((_, i) => i);
  if (!ascending) walk.reverse();
  // A search matching few customers reads them in table order and sorts them, rather than
  // walking the sort's index past a million that do not match (unary + keeps the index out).
  const fewMatches = Boolean(query.q) && !totalCapped && isSqlite(db);
  // Many matches: walk the sort's index testing each customer, a page fills within a few thousand.
  const where = matched ? withKeys(db, customerWhere(db, shopId, { ...query, q: undefined }), matched) : customerWhere(db, shopId, query, totalCapped ? "per-row" : "indexed");
  const rows: (RawCustomer & { segment: number })[] = [];
  // A search that counted no match has no page to read (a rare short one would scan again).
  for (const i of query.q && total === 0 ? [] : walk) {
    if (cursor && (ascending ? i < cursor.segment : i > cursor.segment)) continue;
    const segment = segments[i];
    // A persona none of whose customers match (by the totals) is skipped without a walk.
    if (segment.persona !== undefined && !query.q && (await countMatching(db, shopId, { ...query, persona: segment.persona ?? "none" })) === 0) continue;
    const up = ascending !== segment.invert;
    const cmp = up ? ">" : "<";
    const order = up ? "ASC" : "DESC";
    const keyset: Sql =
      cursor && i === cursor.segment
        ? segment.column
          ? { sql: ` AND (${segment.column}, "Customer".customerKey) ${cmp} (?, ?)`, params: [segment.bind(cursor.value), cursor.key] }
          : { sql: ` AND "Customer".customerKey ${cmp} ?`, params: [cursor.key] }
        : { sql: "", params: [] };
    const found = (await db
      .prepare(
        `SELECT ${columns(db)}, ${segment.column ?? "0"} AS sortValue FROM ${CUSTOMER_FROM}
         WHERE ${where.sql} AND ${segment.where.sql}${keyset.sql}
         ORDER BY ${segment.column ? `${fewMatches ? "+" : ""}${segment.column} ${order}, ` : ""}"Customer".customerKey ${order} LIMIT ?`,
      )
      .all(...where.params, ...segment.where.params, ...keyset.params, query.limit + 1 - rows.length)) as RawCustomer[];
    rows.push(...found.map((r) => ({ ...r, segment: i })));
    if (rows.length > query.limit) break;
  }
  const more = rows.length > query.limit;
  if (more) rows.pop();
  if (backwards) rows.reverse();

  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = backwards ? true : more;
  const hasPrevious = backwards ? more : Boolean(query.after);
  const info = new Map(catalog.map((p) => [p.slug, p]));
  // Customers ahead of this page: the cursor carries its row's place in the list.
  const before = !cursor ? 0 : backwards ? Math.max(0, cursor.position - 1 - rows.length) : cursor.position;
  return {
    currency: shop.currency,
    rows: rows.map((row) => toCustomerRow(row, shop, adapterFor(shop.platform).customers, info)),
    total,
    totalCapped,
    range: rows.length > 0 ? { from: before + 1, to: before + rows.length } : { from: 0, to: 0 },
    sort,
    dir,
    nextCursor: hasNext && last ? encodeCursor(last.sortValue, last.customerKey, last.segment, before + rows.length) : null,
    previousCursor: hasPrevious && first ? encodeCursor(first.sortValue, first.customerKey, first.segment, before + 1) : null,
    personas: catalog.map(({ slug, name, color }) => ({ slug, name, color })),
  };
}

/** The filters narrowed to customers already found by key (SQLite: a JSON array read by json_each; PostgreSQL: an array). */
const withKeys = (db: Db, where: Sql, keys: string[]): Sql =>
  isSqlite(db)
    ? { sql: `${where.sql} AND "Customer".customerKey IN (SELECT value FROM json_each(?))`, params: [...where.params, JSON.stringify(keys)] }
    : { sql: `${where.sql} AND "Customer".customerKey = ANY(?::text[])`, params: [...where.params, keys] };

/** A search counts its matches up to here ("10,000+"): beyond, counting would read every customer. */
export const SEARCH_COUNT_CAP = 10_000;

/**
 * A sort as consecutive parts of the list, each walked along an index of Customer: one part for
 * spend or orders; recency is the customers with a counted order by last order (newest first)
 * and then those without; persona order is one part per persona of the map (biggest spend
 * first within it) and then customers without one.
 */
interface Segment {
  where: Sql;
  /** Indexed column the part is ordered by (then customerKey); null: customerKey only. */
  column: string | null;
  /** The column runs against the sort's direction (recency ascending = last order descending). */
  invert: boolean;
  /** A cursor's value as the column is compared. */
  bind: (value: number | string) => unknown;
  /** The persona the part holds (null: none), for persona order. */
  persona?: string | null;
}

function sortSegments(sort: CustomerSort, catalog: PersonaInfo[]): Segment[] {
  const all: Sql = { sql: "TRUE", params: [] };
  const same = (v: number | string) => v;
  switch (sort) {
    case "monetary":
      return [{ where: all, column: `"Customer".monetaryMinor`, invert: false, bind: same }];
    case "frequency":
      return [{ where: all, column: `"Customer".frequency`, invert: false, bind: same }];
    case "recency":
      // Recency is the scoring day minus the last order's day (app/scoring/recency.ts); customers
      // without a counted order have none and come last.
      return [
        { where: { sql: `"Customer".recencyDays IS NOT NULL`, params: [] }, column: `"Customer".lastOrderAt`, invert: true, bind: (v) => new Date(Number(v)) },
        { where: { sql: `"Customer".recencyDays IS NULL`, params: [] }, column: null, invert: false, bind: same },
      ];
    case "persona":
      return [
        ...catalog.map((p) => ({
          where: { sql: "persona = ?", params: [p.slug] },
          column: `"Customer".monetaryMinor`,
          invert: true,
          bind: same,
          persona: p.slug,
        })),
        { where: { sql: "persona IS NULL", params: [] }, column: null, invert: false, bind: same, persona: null },
      ];
  }
}

function toCustomerRow(row: RawCustomer, shop: { domain: string }, ids: CustomerIds, info: Map<string, PersonaInfo>): CustomerRow {
  const persona = (slug: string | null) => {
    if (!slug) return null;
    const p = info.get(slug);
    return { slug, name: p?.name ?? slug, color: p?.color ?? "#9E9E9E" };
  };
  return {
    customerKey: row.customerKey,
    name: row.name,
    email: row.email,
    guest: row.guest === 1,
    adminUrl: row.guest ? null : ids.adminUrl(shop, row.customerKey),
    recencyDays: row.recencyDays,
    frequency: row.frequency,
    monetaryMinor: row.monetaryMinor,
    r: row.r,
    f: row.f,
    m: row.m,
    persona: persona(row.persona),
    previousPersona: persona(row.previousPersona),
    personaSince: isoOrNull(row.personaSince),
    lastOrderAt: isoOrNull(row.lastOrderAt),
    writeStatus: row.writeStatus,
  };
}
