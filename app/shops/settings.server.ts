/**
 * The merchant's settings as stored on the Shop row (JSON, validated by
 * app/settings/shop-settings.ts before it is written): the one place they are read and written.
 */
import { DEFAULT_SHOP_SETTINGS, parseShopSettings, type ShopSettings } from "~/settings/shop-settings";
import type { SqliteDatabase } from "~/sync/sqlite.server";

function storedSettings(db: SqliteDatabase, shopId: string): unknown {
  const row = db.prepare(`SELECT settings FROM "Shop" WHERE id = ?`).get(shopId) as { settings: string } | undefined;
  if (!row) throw new Error(`unknown shop ${shopId}`);
  return JSON.parse(row.settings || "{}");
}

/** The shop's settings; stored settings were validated when saved, so a parse failure means defaults. */
export function shopSettings(db: SqliteDatabase, shopId: string): ShopSettings {
  const parsed = parseShopSettings(storedSettings(db, shopId));
  return parsed.ok ? parsed.settings : DEFAULT_SHOP_SETTINGS;
}

/** Stores settings that were validated (parseShopSettings). */
export function writeShopSettings(db: SqliteDatabase, shopId: string, settings: ShopSettings, now: Date): void {
  db.prepare(`UPDATE "Shop" SET settings = ?, updatedAt = ? WHERE id = ?`).run(JSON.stringify(settings), now.getTime(), shopId);
}

/**
 * Turns write-back off, changing nothing else as stored (an unvalidated or partial stored
 * document stays as it is, so defaults added later still apply to the rest).
 */
export function disableWriteback(db: SqliteDatabase, shopId: string, now: Date): void {
  setWritebackEnabled(db, shopId, false, now);
}

function setWritebackEnabled(db: SqliteDatabase, shopId: string, enabled: boolean, now: Date): void {
  const current = storedSettings(db, shopId) as { writeback?: Record<string, unknown> };
  const next = { ...current, writeback: { ...current.writeback, enabled } };
  db.prepare(`UPDATE "Shop" SET settings = ?, updatedAt = ? WHERE id = ?`).run(JSON.stringify(next), now.getTime(), shopId);
}

/** Turns write-back on (the merchant approved writing), changing nothing else as stored. */
export function enableWriteback(db: SqliteDatabase, shopId: string, now: Date): void {
  setWritebackEnabled(db, shopId, true, now);
}
