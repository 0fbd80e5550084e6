import type { TestProject } from "vitest/node";
import { migrate } from "../../scripts/db.mjs";
import { startPostgres } from "../../scripts/pg-server.mjs";

/** The migrated database every test database is copied from (test/support/postgres.ts). */
export const POSTGRES_TEMPLATE = "rfm_template";

/**
 * vitest globalSetup for `npm run test:pg`: a throwaway PostgreSQL server (durability off),
 * with the template database migrated as production's is (`npm run db:migrate`): the app's
 * tables and pg-boss's, which the app reads (dashboard, cancel on uninstall) without a runner.
 */
export default async function setup(project: TestProject) {
  const server = await startPostgres({ fast: true });
  const template = await server.createDatabase(POSTGRES_TEMPLATE);
  await migrate(template);
  project.provide("postgresAdminUrl", server.adminUrl);
  // app/db/seam.test.ts runs its PostgreSQL half where this names a server.
  process.env.RFM_TEST_PG_URL = server.adminUrl;
  return () => server.stop();
}
