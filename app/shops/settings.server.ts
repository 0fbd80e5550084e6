/**
 * The merchant's settings as stored on the Shop row (JSON, validated by
 * app/settings/shop-settings.ts before it is written): the one place they are read and written.
 */
import { DEFAULT_SHOP_SETTINGS, parseShopSettings, type ShopSettings } from "~/settings/shop-settings";
import type { Db } from "~/db/index.server";

async function storedSettings(db: Db, shopId: string): Promise<unknown> {
  const row = await db.prepare(`SELECT settings FROM "Shop" WHERE id = ?`).get(shopId) as { settings: string } | undefined;
  if (!row) throw new Error(`unknown shop ${shopId}`);
  return JSON.parse(row.settings || "{}");
}

/** The shop's settings; stored settings were validated when saved, so a parse failure means defaults. */
export async function shopSettings(db: Db, shopId: string): Promise<ShopSettings> {
  const parsed = parseShopSettings(await storedSettings(db, shopId));
  return parsed.ok ? parsed.settings : DEFAULT_SHOP_SETTINGS;
}

/** Stores settings that were validated (parseShopSettings). */
export async function writeShopSettings(db: Db, shopId: string, settings: ShopSettings, now: Date): Promise<void> {
  await db.prepare(`UPDATE "Shop" SET settings = ?, updatedAt = ? WHERE id = ?`).run(JSON.stringify(settings), now, shopId);
}

/**
 * Turns write-back off, changing nothing else as stored (an unvalidated or partial stored
 * document stays as it is, so defaults added later still apply to the rest).
 */
export async function disableWriteback(db: Db, shopId: string, now: Date): Promise<void> {
  await setWritebackEnabled(db, shopId, false, now);
}

async function setWritebackEnabled(db: Db, shopId: string, enabled: boolean, now: Date): Promise<void> {
  const current = (await storedSettings(db, shopId)) as { writeback?: Record<string, unknown> };
  const next = { ...current, writeback: { ...current.writeback, enabled } };
  await db.prepare(`UPDATE "Shop" SET settings = ?, updatedAt = ? WHERE id = ?`).run(JSON.stringify(next), now, shopId);
}

/** Turns write-back on (the merchant approved writing), changing nothing else as stored. */
export async function enableWriteback(db: Db, shopId: string, now: Date): Promise<void> {
  await setWritebackEnabled(db, shopId, true, now);
}
