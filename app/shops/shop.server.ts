/**
 * The Shop row's life: created (here and nowhere else), loaded as a ShopRef, uninstalled.
 * Settings are read and written in settings.server.ts; erasure is shop-data.server.ts.
 *
 * Raw SQL on the SQL seam (app/db/), so install, the first page load and webhook
 * transactions all write the row the same way.
 */
import { randomUUID } from "node:crypto";
import type { Platform, ShopRef } from "~/platforms/types";
import { isPostgres, type Db } from "~/db/index.server";
import { cancelPgBossJobs } from "~/jobs/pg-boss.server";

/** What the store tells us about itself on install. */
export interface ShopDetails {
  name?: string | null;
  currency?: string;
  timezone?: string;
  /** Access the merchant granted, comma-separated, as last seen. */
  scopes?: string | null;
}

export interface NewShop extends ShopDetails {
  domain: string;
  platform: Platform;
  /** Tests, seeds and benchmarks pick readable ids; the app lets one be generated. */
  id?: string;
  settings?: unknown;
}

export interface CreateShopOptions {
  now?: Date;
  /**
   * A row for this domain already exists: `keep` leaves it as it is (a page load that raced
   * the install), `reinstall` marks it installed again with the store's fresh details,
   * keeping its settings and history.
   */
  existing?: "keep" | "reinstall";
}

/** Creates the shop's row (or keeps / reinstalls the one there is); returns its id. */
export async function createShop(db: Db, shop: NewShop, { now = new Date(), existing = "keep" }: CreateShopOptions = {}): Promise<string> {
  const t = now;
  const onConflict =
    existing === "reinstall"
      ? `DO UPDATE SET uninstalledAt = NULL, installedAt = excluded.installedAt, name = excluded.name,
           currency = excluded.currency, timezone = excluded.timezone, scopes = excluded.scopes, updatedAt = excluded.updatedAt`
      : "DO NOTHING";
  await db.prepare(
    `INSERT INTO "Shop" (id, domain, platform, name, currency, timezone, scopes, installedAt, settings, createdAt, updatedAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(domain) ${onConflict}`,
  ).run(
    shop.id ?? randomUUID(),
    shop.domain,
    shop.platform,
    shop.name ?? null,
    shop.currency ?? "USD",
    shop.timezone ?? "UTC",
    shop.scopes ?? null,
    t,
    JSON.stringify(shop.settings ?? {}),
    t,
    t,
  );
  return (await db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).pluck().get(shop.domain)) as string;
}

/** The shop as the admin pages know it: the neutral ShopRef plus the store's name. */
export interface MerchantShop extends ShopRef {
  name: string | null;
}

interface ShopRow extends MerchantShop {
  uninstalledAt: unknown;
}

const SHOP_COLUMNS = `id, domain, platform, name, currency, timezone, uninstalledAt`;

function toRef({ uninstalledAt: _, ...ref }: ShopRow): MerchantShop {
  return ref;
}

/** The installed shop with this domain, or null (unknown or uninstalled). */
export async function loadInstalledShop(db: Db, domain: string): Promise<MerchantShop | null> {
  const row = await db.prepare(`SELECT ${SHOP_COLUMNS} FROM "Shop" WHERE domain = ?`).get(domain) as ShopRow | undefined;
  return row && row.uninstalledAt === null ? toRef(row) : null;
}

/** The installed shop with this id, or null. */
export async function loadInstalledShopById(db: Db, shopId: string): Promise<MerchantShop | null> {
  const row = await db.prepare(`SELECT ${SHOP_COLUMNS} FROM "Shop" WHERE id = ?`).get(shopId) as ShopRow | undefined;
  return row && row.uninstalledAt === null ? toRef(row) : null;
}

/**
 * The merchant removed the app: the shop is marked uninstalled, its stored credentials are
 * dropped and its work stops. Its data stays until the store asks for erasure (48 hours
 * later on Shopify) in case the merchant returns. Joins the caller's transaction.
 */
export async function uninstallShop(db: Db, shopId: string, now: Date): Promise<void> {
  const domain = await db.prepare(`SELECT domain FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string | undefined;
  if (domain === undefined) return;
  await db.prepare(`UPDATE "Shop" SET uninstalledAt = ?, updatedAt = ? WHERE id = ?`).run(now, now, shopId);
  await db.prepare(`DELETE FROM "Session" WHERE shop = ?`).run(domain);
  if (isPostgres(db)) await cancelPgBossJobs(db, shopId);
  else await db.prepare(`UPDATE "Job" SET status = 'cancelled' WHERE shopId = ? AND status IN ('pending', 'running')`).run(shopId);
}
