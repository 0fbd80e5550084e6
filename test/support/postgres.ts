/**
 * PostgreSQL for tests (`npm run test:pg`): test/support/postgres-global.ts starts one throwaway
 * server per run and migrates a template database; every test file (or test) takes its own
 * copy of it, which is a file copy on the server, far cheaper than migrating again.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDatabase } from "../../scripts/pg-server.mjs";
import { POSTGRES_TEMPLATE } from "./postgres-global";

const created: string[] = [];

/** A fresh, migrated PostgreSQL database of its own; returns its URL. Dropped after the file. */
export function freshPostgresDatabase(): Promise<string> {
  const name = `test_${randomUUID().replaceAll("-", "")}`;
  created.push(name);
  return createDatabase(inject("postgresAdminUrl"), name, POSTGRES_TEMPLATE);
}

/**
 * Drops the databases this file made (test/support/postgres-env.ts, after the file's tests), so
 * a long run does not pile up copies. One still connected is left to the server's removal:
 * forcing it would break the connection under whoever still holds it.
 */
export async function dropPostgresDatabases(): Promise<void> {
  const names = created.splice(0);
  if (names.length === 0) return;
  const admin = new pg.Client({ connectionString: inject("postgresAdminUrl") });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT DISTINCT datname FROM pg_stat_activity WHERE datname = ANY($1)", [names]);
    const inUse = new Set(rows.map((r) => r.datname));
    for (const name of names.filter((n) => !inUse.has(n))) await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  } finally {
    await admin.end();
  }
}

/** The superuser's URL on the run's server (CREATE DATABASE, settings). */
export function postgresAdminUrl(): string {
  return inject("postgresAdminUrl");
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
