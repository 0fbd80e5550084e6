import { afterAll } from "vitest";
import { dropPostgresDatabases, freshPostgresDatabase } from "./postgres";

// Under `npm run test:pg` every test file runs on a PostgreSQL database of its own
// (after test/setup/test-env.ts, whose SQLite DATABASE_URL this replaces). Set before the app's
// modules load: ~/db.server makes the process's Prisma client from it on import.
process.env.DATABASE_URL = await freshPostgresDatabase();

afterAll(async () => {
  const { closePgPools } = await import("~/db.server");
  await closePgPools();
  await dropPostgresDatabases();
});
