import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { migrate } from "../../scripts/db.mjs";

/**
 * Migrate one template SQLite database per test run; every test file then starts
 * from its own copy of it (test/setup/test-env.ts), so files never share state.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-test-"));
  const template = path.join(dir, "template.db");
  await migrate(`file:${template}`);
  project.provide("templateDatabase", template);
  process.env.RFM_TEST_DB_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
