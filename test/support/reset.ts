/**
 * The one table reset for tests. The tables come from the Prisma schema (like the shop
 * erasure in app/shops/shop-data.server.ts), so a table added later starts empty in every
 * test that resets without anyone remembering to list it.
 */
import { Prisma } from "@prisma/client";
import type { Db } from "~/db/index.server";

/** Every table of the schema. */
export function schemaTables(): string[] {
  return Prisma.dmmf.datamodel.models.map((m) => m.dbName ?? m.name);
}

/** Empties every table of the schema (the migration history stays), in one transaction. */
export async function resetDatabase(db: Db): Promise<void> {
  await db.transaction(async () => {
    for (const table of schemaTables()) await db.prepare(`DELETE FROM "${table}"`).run();
  });
}
