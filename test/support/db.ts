import { copyFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, inject } from "vitest";
import { isPostgresUrl, openDatabase, type Db } from "~/db/index.server";
import type { Platform } from "~/platforms/types";
import { createShop } from "~/shops/shop.server";
import { setWriteConsent, type WriteConsentState } from "~/shops/write-consent.server";
import { freshPostgresDatabase } from "./postgres";

const opened: Db[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

/** Whether this run is on PostgreSQL (`npm run test:pg`) rather than SQLite (`npm test`). */
export function onPostgres(): boolean {
  return isPostgresUrl(process.env.DATABASE_URL ?? "");
}

/**
 * A fresh, migrated database of its own: a copy of the run's template, a SQLite file under
 * `npm test`, a PostgreSQL database under `npm run test:pg`. Closed after the file's tests.
 */
export async function freshDatabase(): Promise<{ db: Db; url: string }> {
  let url: string;
  if (onPostgres()) {
    url = await freshPostgresDatabase();
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rfm-db-"));
    const file = path.join(dir, "test.db");
    copyFileSync(inject("templateDatabase"), file);
    url = `file:${file}`;
  }
  const db = openDatabase(url);
  opened.push(db);
  return { db, url };
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
export async function addShop(db: Db, domain = "demo.myshopify.com", options: ShopFixture = {}): Promise<string> {
  const now = new Date();
  const id = await createShop(
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
    await db.prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(options.uninstalledAt), id);
  }
  const consent = options.writeConsent ?? "granted";
  if (consent !== "pending") await setWriteConsent(db, id, consent, now);
  if (options.syncState !== false) {
    await db.prepare(`INSERT INTO "SyncState" (shopId, phase, updatedAt) VALUES (?, 'idle', ?)`).run(id, now);
  }
  return id;
}
