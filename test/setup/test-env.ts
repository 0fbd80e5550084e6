import { copyFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";

// Every test file gets its own SQLite database, copied from the migrated template.
const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-test-file-"));
const file = path.join(dir, "test.db");
copyFileSync(inject("templateDatabase"), file);
process.env.DATABASE_URL = `file:${file}`;

// A complete, valid app environment for tests; individual tests override what they exercise.
process.env.NODE_ENV = "test";
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SHOPIFY_APP_URL ??= "https://rfm.test";
process.env.SCOPES ??= "read_orders,read_all_orders,read_customers,write_customers";
process.env.LOG_LEVEL ??= "warn";
// Access tokens encrypted at rest, as in production (a fixed test key; never a real one).
process.env.TOKEN_ENCRYPTION_KEY ??= "OFeLDxVM2t01CdJN9jyqTQZbSTOyYFBdqFBN+vSDCiA=";
