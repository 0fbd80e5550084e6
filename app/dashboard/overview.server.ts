/**
 * The dashboard: personas now (customers, revenue, shares, change since last week),
 * persona sizes over time (daily snapshots), a score grid (R×F, F×M or R×M) with
 * counts and average spend per cell, and sync / write-back status. Read-only.
 */
import { DAY_MS, isoDate } from "~/rfm";
import { dueJobTypes, failedJobs } from "~/jobs/queue.server";
import { shopSettings } from "~/shops/settings.server";
import type { Db } from "~/db/index.server";
import { writebackProblem } from "~/writeback/status.server";
import { personaCatalog, withDataSlugs } from "./catalog.server";
import type { GridAxes } from "./grid-axes";
import { adapterFor } from "~/platforms/registry.server";
import { listDataRequests, type DataRequestSummary } from "~/privacy/data-requests.server";
import { isoOrNull } from "./request.server";
import { customersWithoutPersona as withoutPersona, failedWrites as failedWriteCount, gridTotals, totalsPerPersona } from "./totals.server";
import { backdatedThrough } from "~/scoring/history.server";
import { writeConsent, type WriteConsentState } from "~/shops/write-consent.server";
import { writebackConsentView, type SummaryStore, type WritebackConsentView } from "~/writeback/consent.server";
import { shopScoreEdges, type ShopScoreEdges } from "./edges.server";

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
  /** Days up to this one were computed from order history under today's rules (install, rule change); null when none were. */
  backdatedThrough: string | null;
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

/**
 * What the shop's data is waiting for, from the job queue as much as from SyncState: the first
 * page load can run before the install hook has recorded a sync state, right after install the
 * import is only queued (SyncState still says idle), and after the import the first scoring is
 * a queued job. `null`: nothing to wait for.
 */
export type SyncBusy = "import" | "score" | "write" | null;

export interface SyncStatus {
  phase: string;
  /** What is under way or queued to start now; the pages poll while it is set. */
  busy: SyncBusy;
  /** True until the shop's customers were scored once. */
  firstRun: boolean;
  /** Seconds the import still needs at its current pace, once it has a pace to measure; else null. */
  importEtaSeconds: number | null;
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
    /** Counted spend in the lookback window (what a customer's score is based on); all counted spend when the window is all time. */
    revenueMinor: number;
    /** Scored guests (email only): they have a persona but cannot be written back. */
    guestsScored: number;
    /** Customers who ordered but have no counted order (every order left out by a rule): no persona. */
    customersWithoutPersona: number;
    /** What every figure covers: counted orders up to `asOf` ("YYYY-MM-DD", the last scoring's day), spend within the last `lookbackDays` (null = all time). */
    period: { asOf: string | null; lookbackDays: number | null };
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
  /** How many days of snapshots the trend shows, ending at the latest snapshot: a year, as backdated on install. */
  trendDays?: number;
}

const DIMENSIONS: Record<GridAxes, { rowDim: "r" | "f"; colDim: "f" | "m" }> = {
  rf: { rowDim: "r", colDim: "f" },
  fm: { rowDim: "f", colDim: "m" },
  rm: { rowDim: "r", colDim: "m" },
};

export async function getDashboard(db: Db, shopId: string, options: DashboardOptions = {}): Promise<DashboardData> {
  const axes = options.grid ?? "rf";
  const trendDays = options.trendDays ?? 364;
  const settings = await shopSettings(db, shopId);
  const currency = ((await db.prepare(`SELECT currency FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string) ?? "USD";

  // Spend is the lookback window's, as the settings preview counts it: a Lost customer whose
  // orders all predate the window is a customer here, with no spend in it.
  const { period, windowStartMs } = await countedPeriod(db, shopId, settings.rules.lookbackDays);
  // From the stored totals (a million customers are not summed per page view). No lookback
  // window: every order counts (none predates 1970).
  const current = (await totalsPerPersona(db, shopId, windowStartMs)).map((r) => ({
    persona: r.persona,
    customers: r.customers,
    revenueMinor: r.windowRevenueMinor,
    guests: r.guests,
  }));
  const customersWithoutPersona = await withoutPersona(db, shopId);
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
    if (status.busy) emptyState = "backfill-running";
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
      period,
    },
    personas,
    change: latestDay && comparedDay ? { latestDay, comparedDay } : null,
    trend,
    grid,
    status,
    emptyState,
  };
}

/** What the shop's figures cover: counted orders up to the last scoring's day, spend from the lookback window's first day (epoch ms). */
export async function countedPeriod(
  db: Db,
  shopId: string,
  lookbackDays: number | null,
): Promise<{ period: DashboardData["totals"]["period"]; windowStartMs: number }> {
  const scoringDay = (await db.prepare(`SELECT scoringDay FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) as number | null | undefined;
  return {
    period: { asOf: scoringDay != null ? isoDate(scoringDay) : null, lookbackDays },
    windowStartMs: scoringDay != null && lookbackDays !== null ? (scoringDay - lookbackDays + 1) * DAY_MS : Number.MIN_SAFE_INTEGER,
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
  if (!latestDay) return { days: [], series: [], backdatedThrough: null };
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
  const through = await backdatedThrough(db, shopId);
  return { days, series, backdatedThrough: through !== null && days.length > 0 && through >= days[0] ? through : null };
}

async function gridData(
  db: Db,
  shopId: string,
  axes: GridAxes,
  catalog: { slug: string; name: string; color: string }[],
): Promise<GridData> {
  const { rowDim, colDim } = DIMENSIONS[axes];
  const rows = await gridTotals(db, shopId, rowDim, colDim);
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
  const failedWrites = await failedWriteCount(db, shopId);
  const now = Date.now();
  const ordersDone = Number(row?.ordersDone ?? 0);
  const ordersEstimated = row?.ordersEstimated === null || row?.ordersEstimated === undefined ? null : Number(row.ordersEstimated);
  const busy = await syncBusy(db, shopId, now);
  return {
    phase: (row?.phase as string) ?? "idle",
    busy,
    firstRun: row?.lastRecomputeAt === null || row?.lastRecomputeAt === undefined,
    importEtaSeconds: busy === "import" ? importEta(ordersDone, ordersEstimated, row?.backfillStartedAt, now) : null,
    ordersDone,
    ordersEstimated,
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

/**
 * Work the merchant waits for: an import running or queued, scoring or write-back due now.
 * The daily rescore (queued hours ahead) and jobs that gave up do not count.
 */
export async function syncBusy(db: Db, shopId: string, now: number = Date.now()): Promise<SyncBusy> {
  const phase = (await db.prepare(`SELECT phase FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) as string | undefined;
  // No sync state yet: the very first page load raced the install, which creates it and queues the import.
  if (phase === undefined || phase === "backfill" || phase === "ingest") return "import";
  const due = await dueJobTypes(db, shopId, ["backfill", "recompute", "writeback"], new Date(now + DUE_SOON_MS));
  if (due.has("backfill")) return "import";
  if (due.has("recompute")) return "score";
  if (due.has("writeback")) return "write";
  return null;
}

/** For pages other than the dashboard: what the sync is doing, and how far the import is. */
export interface SyncProgress {
  busy: SyncBusy;
  ordersDone: number;
  ordersEstimated: number | null;
}

export async function syncProgress(db: Db, shopId: string): Promise<SyncProgress> {
  const row = (await db.prepare(`SELECT ordersDone, ordersEstimated FROM "SyncState" WHERE shopId = ?`).get(shopId)) as
    | { ordersDone: number; ordersEstimated: number | null }
    | undefined;
  return { busy: await syncBusy(db, shopId), ordersDone: Number(row?.ordersDone ?? 0), ordersEstimated: row?.ordersEstimated ?? null };
}

/** Debounced jobs wait a few seconds before they run: still "under way" for the merchant. */
const DUE_SOON_MS = 60_000;

/**
 * Remaining import time at the pace so far. A store's export produces nothing until it is
 * ready, so there is a pace only once orders arrive.
 */
function importEta(done: number, estimated: number | null, startedAt: unknown, now: number): number | null {
  const started = isoOrNull(startedAt);
  if (!estimated || done <= 0 || !started) return null;
  const elapsed = (now - Date.parse(started)) / 1000;
  if (elapsed <= 0) return null;
  return Math.max(0, Math.round(((estimated - Math.min(done, estimated)) * elapsed) / done));
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

/** What the dashboard's page shows: the figures, the score edges and write-back's go-ahead. */
export interface DashboardPageView extends DashboardData {
  scoreEdges: ShopScoreEdges | null;
  writebackConsent: WritebackConsentView;
}

/**
 * Everything the dashboard's loader sends. The setup guide's summary is left counting (its
 * promise streams in after the page, decision 071); while the shop's first scoring runs it is
 * not counted at all, as the guide waits for it.
 */
export async function dashboardPage(db: Db, shopId: string, store: SummaryStore, options: DashboardOptions = {}): Promise<DashboardPageView> {
  const dashboard = await getDashboard(db, shopId, options);
  const firstScoring = dashboard.status.firstRun && dashboard.status.busy !== null;
  return {
    ...dashboard,
    scoreEdges: await shopScoreEdges(db, shopId),
    writebackConsent: await writebackConsentView(db, shopId, store, { firstScoring }),
  };
}
