import pg from "pg";
import { describe, expect, it } from "vitest";
import { dropPostgresDatabases, freshPostgresDatabase, postgresAdminUrl } from "../support/postgres";

async function databases(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    return (await admin.query<{ datname: string }>("SELECT datname FROM pg_database")).rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

const nameOf = (url: string) => new URL(url).pathname.slice(1);

describe("test databases on the run's PostgreSQL server", () => {
  it("GIVEN two test databases, one still connected WHEN the file's databases are dropped THEN the idle one is gone and the connected one is left alone", async () => {
    const idle = await freshPostgresDatabase();
    const held = await freshPostgresDatabase();
    const holder = new pg.Client({ connectionString: held });
    await holder.connect();

    await dropPostgresDatabases();
    const left = await databases();
    const stillServed = (await holder.query("SELECT 1 AS one")).rows[0].one;
    await holder.end();

    expect(left).not.toContain(nameOf(idle));
    expect(left).toContain(nameOf(held));
    expect(stillServed).toBe(1);
  });
});
