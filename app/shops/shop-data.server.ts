/**
 * A shop's life in our database ends here: `shop/redact` erases every row we hold for the
 * shop. Which tables hold shop data is read from the Prisma schema (a model with a shopId,
 * shopDomain or shop column, plus the Shop row itself), so a table added later is erased
 * without anyone remembering to list it. test/privacy/compliance.test.ts holds every model
 * of the schema to that.
 */
import { Prisma } from "@prisma/client";
import { setImmediate as nextTurn } from "node:timers/promises";
import { isPostgres, isSqlite, type Db } from "~/db/index.server";
import { HOUSEKEEPING_SHOP } from "~/housekeeping/prune.server";
import type { JobQueue } from "~/jobs/types";
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
  for (const table of shopDataTables()) deleted += await deleteShopRows(db, table, shopId, domain);
  // On PostgreSQL the shop's jobs live in pg-boss's table, outside the schema.
  if (isPostgres(db)) deleted += await deletePgBossJobs(db, shopId);
  return deleted;
}

/** The rows of one shop-data table that belong to the shop; how many went. */
async function deleteShopRows(db: Db, { table, column, by }: ShopDataTable, shopId: string, domain: string): Promise<number> {
  return (await db.prepare(`DELETE FROM "${table}" WHERE "${column}" = ?`).run(by === "id" ? shopId : domain)).changes;
}

/** Whether the shop has the app installed (a row without uninstalledAt). */
export async function isInstalled(db: Db, shopId: string): Promise<boolean> {
  const shop = await db.prepare(`SELECT uninstalledAt FROM "Shop" WHERE id = ?`).get(shopId) as { uninstalledAt: unknown } | undefined;
  return !!shop && shop.uninstalledAt === null;
}

export type ShopRedactOutcome = "erasing" | "installed";

/**
 * `shop/redact` for a shop whose signed domain matched: queues the shop's erasure (eraseShop,
 * the `erase-shop` job), unless the shop is installed (no uninstalledAt) — Shopify sends
 * shop/redact 48 hours after an uninstall, so an installed shop is a reinstall or a replayed
 * request, never something to erase. In the webhook's transaction a large shop's erasure held
 * the inbox applier (and on SQLite the write lock and the process) for seconds: 5.2 s for a
 * shop of 1M orders (decision 069).
 */
export async function redactShop(db: Db, queue: JobQueue, shopId: string, domain: string): Promise<ShopRedactOutcome> {
  if (await isInstalled(db, shopId)) return "installed";
  // Queued for every shop (the housekeeping shop): a job of the shop itself would be erased with it.
  await queue.enqueue("erase-shop", HOUSEKEEPING_SHOP, { key: shopId, payload: { shopId, domain } });
  return "erasing";
}

/**
 * Every row we hold for an uninstalled shop, gone; "installed", and nothing more erased, once
 * the shop is installed again (a reinstall meanwhile: its backfill brings the store's data back).
 * PostgreSQL: one transaction (a delete there locks only its own rows). SQLite, where a
 * transaction holds the write lock and, better-sqlite3 being synchronous, the process: one
 * transaction per table, the event loop turning between them, the Shop row last (decision 069):
 * - the shop's totals paused first: its customers' deletes then leave the totals alone (they go
 *   too), 1.7 s instead of 2.7 s for 338k customers;
 * - its search texts next, on their own: their FTS5 index's deletes cost 1.2–1.5 s.
 * Slices of a table were tried: each transaction rewrites the pages of every index it touches,
 * and the customers' five indexes and the search index made 338k customers take 33–41 s.
 */
export async function eraseShop(db: Db, shopId: string, domain: string): Promise<ShopRedactOutcome | "erased"> {
  if (!isSqlite(db)) {
    return db.transaction(async () => {
      if (await isInstalled(db, shopId)) return "installed";
      await deleteShopData(db, shopId, domain);
      return "erased";
    });
  }
  const installed = await db.transaction(async () => {
    if (await isInstalled(db, shopId)) return true;
    await db.prepare(`UPDATE "SyncState" SET "totalsPaused" = TRUE WHERE "shopId" = ?`).run(shopId);
    await db.prepare(`DELETE FROM "CustomerSearchText" WHERE "shopId" = ?`).run(shopId);
    return false;
  });
  if (installed) return "installed";
  for (const table of shopDataTables()) {
    await nextTurn();
    const stopped = await db.transaction(async () => {
      if (await isInstalled(db, shopId)) return true;
      await deleteShopRows(db, table, shopId, domain);
      return false;
    });
    if (stopped) return "installed";
  }
  return "erased";
}
