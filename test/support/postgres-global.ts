import { PgBoss } from "pg-boss";
import type { TestProject } from "vitest/node";
import { PG_BOSS_SCHEMA } from "../../app/jobs/pg-boss.server";
import { migrate } from "../../scripts/db.mjs";
import { startPostgres } from "../../scripts/pg-server.mjs";

/** The migrated database every test database is copied from (test/support/postgres.ts). */
export const POSTGRES_TEMPLATE = "rfm_template";

/**
 * vitest globalSetup for `npm run test:pg`: a throwaway PostgreSQL server (durability off),
 * with the template database migrated from prisma/postgresql/migrations and pg-boss's schema
 * installed (as every production database has it once a web or worker process has started):
 * the app reads jobs from it (dashboard, cancel on uninstall) without starting a runner.
 */
export default async function setup(project: TestProject) {
  const server = await startPostgres({ fast: true });
  const template = await server.createDatabase(POSTGRES_TEMPLATE);
  await migrate(template);
  await installJobSchema(template);
  project.provide("postgresAdminUrl", server.adminUrl);
  // app/db/seam.test.ts runs its PostgreSQL half where this names a server.
  process.env.RFM_TEST_PG_URL = server.adminUrl;
  return () => server.stop();
}

/** pg-boss's own installation (its migrations, at the version the app runs), nothing started. */
async function installJobSchema(url: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, schema: PG_BOSS_SCHEMA, max: 1, supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}
