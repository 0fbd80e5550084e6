import { copyFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import type { Platform } from "~/platforms/types";
import { createShop } from "~/shops/shop.server";
import { setWriteConsent, type WriteConsentState } from "~/shops/write-consent.server";
import { openSqlite, type SqliteDatabase } from "~/sync/sqlite.server";

/** A fresh, migrated SQLite database file of its own (copied from the run's template). */
export function freshDatabase(): { db: SqliteDatabase; url: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-db-"));
  const file = path.join(dir, "test.db");
  copyFileSync(inject("templateDatabase"), file);
  const url = `file:${file}`;
  return { db: openSqlite(url), url };
}

export interface ShopFixture {
  currency?: string;
  timezone?: string;
  platform?: Platform;
  settings?: unknown;
  /** Default: shop_<first label of the domain>. */
  id?: string;
  /** Epoch ms; the shop was installed and has since been uninstalled. */
  uninstalledAt?: number;
  /** Also the idle sync state install leaves (default true). */
  syncState?: boolean;
  /**
   * The merchant's go-ahead for write-back. Default `granted`: most tests are about what
   * write-back does once approved; install itself leaves a shop `pending`.
   */
  writeConsent?: WriteConsentState;
}

/**
 * The one shop factory for tests: a shop row as install leaves it (created the way the app
 * creates it), with its idle sync state; returns its id.
 */
export function addShop(db: SqliteDatabase, domain = "demo.myshopify.com", options: ShopFixture = {}): string {
  const now = new Date();
  const id = createShop(
    db,
    {
      id: options.id ?? `shop_${domain.split(".")[0]}`,
      domain,
      platform: options.platform ?? "shopify",
      currency: options.currency,
      timezone: options.timezone,
      settings: options.settings,
    },
    { now },
  );
  if (options.uninstalledAt !== undefined) {
    db.prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(options.uninstalledAt, id);
  }
  const consent = options.writeConsent ?? "granted";
  if (consent !== "pending") setWriteConsent(db, id, consent, now);
  if (options.syncState !== false) {
    db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES (?, 'idle', ?)`).run(id, now.getTime());
  }
  return id;
}
