/**
 * A shop's life in our database ends here: `shop/redact` erases every row we hold for the
 * shop. Which tables hold shop data is read from the Prisma schema (a model with a shopId,
 * shopDomain or shop column, plus the Shop row itself), so a table added later is erased
 * without anyone remembering to list it. test/privacy/compliance.test.ts holds every model
 * of the schema to that.
 */
import { Prisma } from "@prisma/client";
import { isPostgres, type Db } from "~/db/index.server";
import { deletePgBossJobs } from "~/jobs/pg-boss.server";

/** A table holding shop data, and the column that names the shop (by Shop.id or Shop.domain). */
export interface ShopDataTable {
  table: string;
  column: string;
  by: "id" | "domain";
}

/** Column names that tie a row to a shop, and what they hold. */
export const SHOP_COLUMNS: Record<string, ShopDataTable["by"]> = { shopId: "id", shopDomain: "domain", shop: "domain" };

let cachedTables: ShopDataTable[] | undefined;

/** Every table holding shop data, from the schema; the Shop row itself comes last. */
export function shopDataTables(): ShopDataTable[] {
  if (cachedTables) return cachedTables;
  const tables: ShopDataTable[] = [];
  for (const model of Prisma.dmmf.datamodel.models) {
    if (model.name === "Shop") continue;
    const field = model.fields.find((f) => f.kind === "scalar" && f.name in SHOP_COLUMNS);
    if (field) tables.push({ table: model.dbName ?? model.name, column: field.name, by: SHOP_COLUMNS[field.name] });
  }
  tables.push({ table: "Shop", column: "id", by: "id" });
  cachedTables = tables;
  return tables;
}

/** Every row we hold for the shop, gone (joins the webhook's transaction). */
export async function deleteShopData(db: Db, shopId: string, domain: string): Promise<number> {
  let deleted = 0;
  for (const { table, column, by } of shopDataTables()) {
    deleted += (await db.prepare(`DELETE FROM "${table}" WHERE "${column}" = ?`).run(by === "id" ? shopId : domain)).changes;
  }
  // On PostgreSQL the shop's jobs live in pg-boss's table, outside the schema.
  if (isPostgres(db)) deleted += await deletePgBossJobs(db, shopId);
  return deleted;
}

/** Whether the shop has the app installed (a row without uninstalledAt). */
export async function isInstalled(db: Db, shopId: string): Promise<boolean> {
  const shop = await db.prepare(`SELECT uninstalledAt FROM "Shop" WHERE id = ?`).get(shopId) as { uninstalledAt: unknown } | undefined;
  return !!shop && shop.uninstalledAt === null;
}

export type ShopRedactOutcome = "erased" | "installed";

/**
 * `shop/redact` for a shop whose signed domain matched: erases everything, unless the shop
 * is installed (no uninstalledAt) — Shopify sends shop/redact 48 hours after an uninstall,
 * so an installed shop is a reinstall or a replayed request, never something to erase.
 */
export async function redactShop(db: Db, shopId: string, domain: string): Promise<ShopRedactOutcome> {
  if (await isInstalled(db, shopId)) return "installed";
  await deleteShopData(db, shopId, domain);
  return "erased";
}
