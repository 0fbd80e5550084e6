/**
 * PostgreSQL for tests (`npm run test:pg`): test/support/postgres-global.ts starts one throwaway
 * server per run and migrates a template database; every test file (or test) takes its own
 * copy of it, which is a file copy on the server, far cheaper than migrating again.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createDatabase } from "../../scripts/pg-server.mjs";
import { POSTGRES_TEMPLATE } from "./postgres-global";

/** A fresh, migrated PostgreSQL database of its own; returns its URL. */
export function freshPostgresDatabase(): Promise<string> {
  return createDatabase(inject("postgresAdminUrl"), `test_${randomUUID().replaceAll("-", "")}`, POSTGRES_TEMPLATE);
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
