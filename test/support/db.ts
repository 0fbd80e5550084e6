import { copyFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { openSqlite, type SqliteDatabase } from "~/sync/sqlite.server";

/** A fresh, migrated SQLite database file of its own (copied from the run's template). */
export function freshDatabase(): { db: SqliteDatabase; url: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-db-"));
  const file = path.join(dir, "test.db");
  copyFileSync(inject("templateDatabase"), file);
  const url = `file:${file}`;
  return { db: openSqlite(url), url };
}

/** Adds a shop row; returns its id. */
export function addShop(db: SqliteDatabase, domain = "demo.myshopify.com", settings: unknown = {}): string {
  const id = `shop_${domain.split(".")[0]}`;
  const t = Date.now();
  db.prepare(
    `INSERT INTO "Shop" (id, domain, platform, currency, timezone, installedAt, settings, createdAt, updatedAt)
     VALUES (?, ?, 'shopify', 'USD', 'UTC', ?, ?, ?, ?)`,
  ).run(id, domain, t, JSON.stringify(settings), t, t);
  db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES (?, 'idle', ?)`).run(id, t);
  return id;
}
