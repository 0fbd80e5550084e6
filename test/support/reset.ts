/**
 * The one table reset for tests. The tables come from the Prisma schema (like the shop
 * erasure in app/shops/shop-data.server.ts), so a table added later starts empty in every
 * test that resets without anyone remembering to list it.
 */
import { Prisma } from "@prisma/client";
import { isPostgres, type Db } from "~/db/index.server";
import { PG_BOSS_SCHEMA } from "~/jobs/pg-boss.server";

/** Every table of the schema. */
export function schemaTables(): string[] {
  return Prisma.dmmf.datamodel.models.map((m) => m.dbName ?? m.name);
}

/** Empties every table of the schema (the migration history stays), in one transaction. */
export async function resetDatabase(db: Db): Promise<void> {
  await db.transaction(async () => {
    for (const table of schemaTables()) await db.prepare(`DELETE FROM "${table}"`).run();
    // On PostgreSQL the jobs live in pg-boss's own table, outside the schema.
    if (isPostgres(db)) await db.exec(`DO $$ BEGIN IF to_regclass('${PG_BOSS_SCHEMA}.job') IS NOT NULL THEN DELETE FROM ${PG_BOSS_SCHEMA}.job; END IF; END $$`);
  });
}
