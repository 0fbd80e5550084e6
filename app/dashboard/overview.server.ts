/**
 * The dashboard: personas now (customers, revenue, shares, change since last week),
 * persona sizes over time (daily snapshots), a score grid (R×F, F×M or R×M) with
 * counts and average spend per cell, and sync / write-back status. Read-only.
 */
import { DAY_MS, isoDate } from "~/rfm";
import { failedJobs } from "~/jobs/queue.server";
import { shopSettings } from "~/shops/settings.server";
import type { Db } from "~/db/index.server";
import { writebackProblem } from "~/writeback/status.server";
import { personaCatalog, withDataSlugs } from "./catalog.server";
import type { GridAxes } from "./grid-axes";
import { adapterFor } from "~/platforms/registry.server";
import { listDataRequests, type DataRequestSummary } from "~/privacy/data-requests.server";
import { isoOrNull } from "./request.server";
import { writeConsent, type WriteConsentState } from "~/shops/write-consent.server";

export { GRID_AXES, type GridAxes } from "./grid-axes";

export interface PersonaOverview {
  slug: string;
  name: string;
  color: string;
  customers: number;
  /** Of all customers with a persona, 0…1. */
  customerShare: number;
  revenueMinor: number;
  revenueShare: number;
  /** Customers now minus customers in the snapshot a week (or more) earlier; null without such a snapshot. */
  changeCustomers: number | null;
}

export interface TrendData {
  /** Snapshot days, oldest first ("YYYY-MM-DD"). */
  days: string[];
  series: { slug: string; name: string; color: string; values: number[] }[];
}

export interface GridCell {
  row: number;
  col: number;
  customers: number;
  avgMonetaryMinor: number | null;
  /** The persona most customers in the cell carry. */
  topPersona: { slug: string; name: string; color: string } | null;
  /** The customer list filtered to this cell. */
  href: string;
}

export interface GridData {
  axes: GridAxes;
  /** Dimension drawn as rows (5 at the top) and as columns (1 at the left). */
  rowDim: "r" | "f";
  colDim: "f" | "m";
  cells: GridCell[];
  maxCustomers: number;
}

export interface SyncStatus {
  phase: string;
  ordersDone: number;
  ordersEstimated: number | null;
  backfillStartedAt: string | null;
  backfillFinishedAt: string | null;
  lastSweepAt: string | null;
  lastRecomputeAt: string | null;
  lastError: string | null;
  /** Customers whose last write-back failed. */
  failedWrites: number;
  /** Bulk-export lines that could not be read (skipped; their orders re-read one by one). */
  skippedLines: number;
  /** Without read_all_orders the order history starts here (ISO); null when complete. */
  historyFrom: string | null;
  /** What the last write-back could not do (e.g. a metafield definition of another type), or null. */
  writebackProblem: string | null;
  /** Background jobs that gave up (out of attempts, or their process kept dying), newest first. */
  failedJobs: { type: string; attempts: number; lastError: string | null; failedAt: string }[];
  /** customers/data_request exports waiting for the merchant (kept 30 days), newest first. */
  /** `customer`: how the merchant knows the customer (their id in the store, or the guest key). */
  dataRequests: (DataRequestSummary & { customer: string })[];
  /** Set when the store's key only reads: personas are computed but not written; `reconnectUrl` offers other keys. */
  readOnly?: { reconnectUrl: string } | null;
  /** The merchant's go-ahead for writing to the store: anything but `granted` means nothing is being written. */
  writeConsent?: WriteConsentState;
}

export type DashboardEmptyState = "no-orders" | "backfill-running" | "nothing-scored" | null;

export interface DashboardData {
  currency: string;
  totals: {
    orders: number;
    customersScored: number;
    revenueMinor: number;
    /** Scored guests (email only): they have a persona but cannot be written back. */
    guestsScored: number;
    /** Customers we know with no counted order: no persona. */
    customersWithoutPersona: number;
  };
  personas: PersonaOverview[];
  /** The two snapshot days the change column compares, when there are two a week apart. */
  change: { latestDay: string; comparedDay: string } | null;
  trend: TrendData;
  grid: GridData;
  status: SyncStatus;
  emptyState: DashboardEmptyState;
}

export interface DashboardOptions {
  grid?: GridAxes;
  /** How many days of snapshots the trend shows, ending at the latest snapshot. */
  trendDays?: number;
}

const DIMENSIONS: Record<GridAxes, { rowDim: "r" | "f"; colDim: "f" | "m" }> = {
  rf: { rowDim: "r", colDim: "f" },
  fm: { rowDim: "f", colDim: "m" },
  rm: { rowDim: "r", colDim: "m" },
};

export async function getDashboard(db: Db, shopId: string, options: DashboardOptions = {}): Promise<DashboardData> {
  const axes = options.grid ?? "rf";
  const trendDays = options.trendDays ?? 90;
  const settings = await shopSettings(db, shopId);
  const currency = (await db.prepare(`SELECT currency FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string) ?? "USD";

  const current = await db
    .prepare(
      `SELECT persona, count(*) AS customers, coalesce(sum(monetaryMinor), 0) AS revenueMinor,
         coalesce(sum(guest), 0) AS guests
       FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona`,
    )
    .all(shopId) as { persona: string; customers: number; revenueMinor: number; guests: number }[];
  const customersWithoutPersona = await db
    .prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NULL`)
    .pluck()
    .get(shopId) as number;
  const orders = await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND deleted = FALSE`).pluck().get(shopId) as number;

  // Change since last week: the latest snapshot against the latest one at least 7 days older.
  const latestDay = await db.prepare(`SELECT max(day) FROM "PersonaSnapshot" WHERE shopId = ?`).pluck().get(shopId) as
    | string
    | null;
  let comparedDay: string | null = null;
  const snapshot = async (day: string) =>
    new Map(
      (
        await db.prepare(`SELECT persona, customers FROM "PersonaSnapshot" WHERE shopId = ? AND day = ?`).all(shopId, day) as {
          persona: string;
          customers: number;
        }[]
      ).map((r) => [r.persona, r.customers]),
    );
  let latestSnap = new Map<string, number>();
  let comparedSnap = new Map<string, number>();
  if (latestDay) {
    comparedDay = await db
      .prepare(`SELECT max(day) FROM "PersonaSnapshot" WHERE shopId = ? AND day <= ?`)
      .pluck()
      .get(shopId, shiftDay(latestDay, -7)) as string | null;
    latestSnap = await snapshot(latestDay);
    if (comparedDay) comparedSnap = await snapshot(comparedDay);
  }

  const catalog = withDataSlugs(settings, personaCatalog(settings), [
    ...current.map((r) => r.persona),
    ...latestSnap.keys(),
  ]);
  const bySlug = new Map(current.map((r) => [r.persona, r]));
  const customersScored = current.reduce((s, r) => s + r.customers, 0);
  const revenueMinor = current.reduce((s, r) => s + r.revenueMinor, 0);
  const personas: PersonaOverview[] = catalog
    .filter((p) => p.inMap || bySlug.has(p.slug))
    .map((p) => {
      const row = bySlug.get(p.slug);
      const customers = row?.customers ?? 0;
      const revenue = row?.revenueMinor ?? 0;
      return {
        slug: p.slug,
        name: p.name,
        color: p.color,
        customers,
        customerShare: customersScored > 0 ? customers / customersScored : 0,
        revenueMinor: revenue,
        revenueShare: revenueMinor > 0 ? revenue / revenueMinor : 0,
        changeCustomers: comparedDay ? (latestSnap.get(p.slug) ?? 0) - (comparedSnap.get(p.slug) ?? 0) : null,
      };
    });

  const trend = await trendData(db, shopId, latestDay, trendDays, catalog);
  const grid = await gridData(db, shopId, axes, catalog);
  const status = await syncStatus(db, shopId);

  let emptyState: DashboardEmptyState = null;
  if (customersScored === 0) {
    if (status.phase === "backfill" || (status.backfillStartedAt && !status.backfillFinishedAt)) emptyState = "backfill-running";
    else if (orders === 0) emptyState = "no-orders";
    else emptyState = "nothing-scored";
  }

  return {
    currency,
    totals: {
      orders,
      customersScored,
      revenueMinor,
      guestsScored: current.reduce((s, r) => s + r.guests, 0),
      customersWithoutPersona,
    },
    personas,
    change: latestDay && comparedDay ? { latestDay, comparedDay } : null,
    trend,
    grid,
    status,
    emptyState,
  };
}

function shiftDay(day: string, days: number): string {
  return isoDate(Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS) + days);
}

async function trendData(
  db: Db,
  shopId: string,
  latestDay: string | null,
  trendDays: number,
  catalog: { slug: string; name: string; color: string }[],
): Promise<TrendData> {
  if (!latestDay) return { days: [], series: [] };
  const rows = await db
    .prepare(
      `SELECT day, persona, customers FROM "PersonaSnapshot" WHERE shopId = ? AND day >= ? ORDER BY day`,
    )
    .all(shopId, shiftDay(latestDay, -(trendDays - 1))) as { day: string; persona: string; customers: number }[];
  const days = [...new Set(rows.map((r) => r.day))];
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const values = new Map<string, number[]>();
  for (const r of rows) {
    let v = values.get(r.persona);
    if (!v) values.set(r.persona, (v = new Array(days.length).fill(0)));
    v[dayIndex.get(r.day)!] = r.customers;
  }
  const series = catalog
    .filter((p) => values.get(p.slug)?.some((n) => n > 0))
    .map((p) => ({ slug: p.slug, name: p.name, color: p.color, values: values.get(p.slug)! }));
  return { days, series };
}

async function gridData(
  db: Db,
  shopId: string,
  axes: GridAxes,
  catalog: { slug: string; name: string; color: string }[],
): Promise<GridData> {
  const { rowDim, colDim } = DIMENSIONS[axes];
  // Column names come from the fixed table above, never from the request.
  const rows = await db
    .prepare(
      `SELECT ${rowDim} AS row, ${colDim} AS col, persona, count(*) AS customers, sum(monetaryMinor) AS spend
       FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL AND ${rowDim} IS NOT NULL AND ${colDim} IS NOT NULL
       GROUP BY ${rowDim}, ${colDim}, persona`,
    )
    .all(shopId) as { row: number; col: number; persona: string; customers: number; spend: number }[];
  const info = new Map(catalog.map((p) => [p.slug, p]));
  const cells: GridCell[] = [];
  let maxCustomers = 0;
  for (let row = 5; row >= 1; row--) {
    for (let col = 1; col <= 5; col++) {
      const inCell = rows.filter((r) => r.row === row && r.col === col);
      const customers = inCell.reduce((s, r) => s + r.customers, 0);
      const spend = inCell.reduce((s, r) => s + r.spend, 0);
      const top = inCell.reduce<(typeof inCell)[number] | null>((a, r) => (a && a.customers >= r.customers ? a : r), null);
      const topInfo = top ? info.get(top.persona) : undefined;
      maxCustomers = Math.max(maxCustomers, customers);
      cells.push({
        row,
        col,
        customers,
        avgMonetaryMinor: customers > 0 ? Math.round(spend / customers) : null,
        topPersona: top ? { slug: top.persona, name: topInfo?.name ?? top.persona, color: topInfo?.color ?? "#9E9E9E" } : null,
        href: `/app/customers?${rowDim}=${row}&${colDim}=${col}`,
      });
    }
  }
  return { axes, rowDim, colDim, cells, maxCustomers };
}

export async function syncStatus(db: Db, shopId: string): Promise<SyncStatus> {
  const row = await db
    .prepare(
      `SELECT phase, ordersDone, ordersEstimated, backfillStartedAt, backfillFinishedAt, lastSweepAt, lastRecomputeAt, lastError,
         skippedLines, historyFrom
       FROM "SyncState" WHERE shopId = ?`,
    )
    .get(shopId) as Record<string, unknown> | undefined;
  const failedWrites = await db
    .prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND writeStatus = 'failed'`)
    .pluck()
    .get(shopId) as number;
  return {
    phase: (row?.phase as string) ?? "idle",
    ordersDone: Number(row?.ordersDone ?? 0),
    ordersEstimated: row?.ordersEstimated === null || row?.ordersEstimated === undefined ? null : Number(row.ordersEstimated),
    backfillStartedAt: isoOrNull(row?.backfillStartedAt),
    backfillFinishedAt: isoOrNull(row?.backfillFinishedAt),
    lastSweepAt: isoOrNull(row?.lastSweepAt),
    lastRecomputeAt: isoOrNull(row?.lastRecomputeAt),
    lastError: (row?.lastError as string | null) ?? null,
    failedWrites,
    skippedLines: Number(row?.skippedLines ?? 0),
    historyFrom: isoOrNull(row?.historyFrom),
    writebackProblem: await writebackProblem(db, shopId),
    failedJobs: (await failedJobs(db, shopId)).map((j) => ({ type: j.type, attempts: j.attempts, lastError: j.lastError, failedAt: new Date(j.failedAt).toISOString() })),
    dataRequests: await dataRequestsOf(db, shopId),
    readOnly: await readOnlyAccess(db, shopId),
    writeConsent: (await writeConsent(db, shopId)).state,
  };
}

/** A store connected from the app with a key that cannot write (stores installed from their admin always can). */
async function readOnlyAccess(db: Db, shopId: string): Promise<SyncStatus["readOnly"]> {
  const platform = await db.prepare(`SELECT platform FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string;
  const access = await adapterFor(platform).connection?.access(db, { id: shopId });
  return access && !access.writable ? { reconnectUrl: access.reconnectUrl } : null;
}

async function dataRequestsOf(db: Db, shopId: string): Promise<SyncStatus["dataRequests"]> {
  const shop = await db.prepare(`SELECT domain, platform FROM "Shop" WHERE id = ?`).get(shopId) as { domain: string; platform: string };
  const ids = adapterFor(shop.platform).customers;
  return (await listDataRequests(db, shop.domain, new Date())).map((r) => {
    const id = ids.displayId(r.customerKey);
    return { ...r, customer: id === null ? r.customerKey : `customer ${id}` };
  });
}
