/**
 * Backdated history, stored: on install (the first recompute after an import) and after a rule
 * change, a recompute also scores the shop as of each of the past 51 weeks under today's rules
 * (app/rfm/history.ts, from the counted orders it has just read) and stores those weekly
 * snapshots and the moves between them, so the trend, "change since last week" and movement
 * mean something on the first day. See docs/decisions/027-backdated-history.md.
 *
 * A backdated snapshot row carries the fingerprint of what it was computed under (the RFM
 * settings and which import); a recompute computes the history again when that differs.
 */
import { createHash } from "node:crypto";
import { backdatedHistory, type BackdatedHistory, type HistoryMove } from "~/rfm/history";
import { isoDate, type CountedOrderColumns, type RfmSettings, type ScoredCustomerColumns } from "~/rfm";
import type { Db } from "~/db/index.server";

/** Points of the trend right after install, today's included: a year of weeks. */
export const HISTORY_WEEKS = 52;

/** What a shop's backdated history depends on beyond its orders: the RFM settings, and the import it was computed after. */
export async function historyFingerprint(db: Db, shopId: string, settings: RfmSettings): Promise<string> {
  const sync = (await db.prepare(`SELECT backfillFinishedAt, historyFrom FROM "SyncState" WHERE shopId = ?`).get(shopId)) as
    | { backfillFinishedAt: unknown; historyFrom: unknown }
    | undefined;
  const text = JSON.stringify({ settings, importedAt: sync?.backfillFinishedAt ?? null, historyFrom: sync?.historyFrom ?? null });
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

/** True when the stored history was computed under something else (or never). */
export async function historyDue(db: Db, shopId: string, fingerprint: string): Promise<boolean> {
  const under = (await db
    .prepare(`SELECT backdatedUnder FROM "PersonaSnapshot" WHERE shopId = ? AND backdatedUnder IS NOT NULL LIMIT 1`)
    .pluck()
    .get(shopId)) as string | undefined;
  return under !== fingerprint;
}

/** The shop day where the synced order history starts, when the store served only part of it. */
async function historyFromDay(db: Db, shopId: string, dayOf: (ms: number) => number): Promise<number | null> {
  const from = (await db.prepare(`SELECT historyFrom FROM "SyncState" WHERE shopId = ?`).pluck().get(shopId)) as unknown;
  if (from === null || from === undefined) return null;
  const ms = typeof from === "number" ? from : typeof from === "bigint" ? Number(from) : Date.parse(String(from));
  return Number.isFinite(ms) ? dayOf(ms) : null;
}

export interface HistoryInput {
  columns: CountedOrderColumns;
  settings: RfmSettings;
  asOf: Date;
  timeZone: string | null | undefined;
  dayOf: (ms: number) => number;
  /** The recompute's own scoring as of today. */
  live: ScoredCustomerColumns;
}

/** The weekly history a recompute stores, or null when it has none to store (no week with a customer yet). */
export async function computeHistory(db: Db, shopId: string, input: HistoryInput): Promise<BackdatedHistory | null> {
  const history = backdatedHistory(input.columns, input.settings, input.asOf, {
    weeks: HISTORY_WEEKS,
    timeZone: input.timeZone,
    notBeforeDay: await historyFromDay(db, shopId, input.dayOf),
    live: input.live,
  });
  return history.points.length > 0 ? history : null;
}

/**
 * Replaces what the shop's snapshots and moves say about the past with the history (call inside
 * the recompute's snapshot transaction): snapshots before today and moves up to today go (they
 * were recorded under other rules, or were everyone arriving at install), the weekly points and
 * their moves come in, and today's moves become those from last week's point to today.
 */
export async function storeHistory(db: Db, shopId: string, today: string, history: BackdatedHistory, fingerprint: string): Promise<void> {
  await db.prepare(`DELETE FROM "PersonaSnapshot" WHERE shopId = ? AND day < ?`).run(shopId, today);
  await db.prepare(`DELETE FROM "PersonaTransition" WHERE shopId = ? AND day <= ?`).run(shopId, today);
  const snapshot = db.prepare(
    `INSERT INTO "PersonaSnapshot" (shopId, day, persona, customers, orders, revenueMinor, backdatedUnder) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const move = db.prepare(`INSERT INTO "PersonaTransition" (shopId, day, fromPersona, toPersona, customers) VALUES (?, ?, ?, ?, ?)`);
  const moves = async (day: string, list: readonly HistoryMove[]) => {
    for (const m of list) await move.run(shopId, day, m.from, m.to, m.customers);
  };
  for (const point of history.points) {
    const day = isoDate(point.day);
    for (const p of point.personas) await snapshot.run(shopId, day, p.slug, p.customers, p.orders, Math.round(p.revenueMinor), fingerprint);
    await moves(day, point.moves);
  }
  await moves(today, history.movesToAsOf);
}

/** The newest backdated snapshot day of a shop ("YYYY-MM-DD"), or null when it has none. */
export async function backdatedThrough(db: Db, shopId: string): Promise<string | null> {
  return (
    ((await db.prepare(`SELECT max(day) FROM "PersonaSnapshot" WHERE shopId = ? AND backdatedUnder IS NOT NULL`).pluck().get(shopId)) as
      | string
      | null) ?? null
  );
}
