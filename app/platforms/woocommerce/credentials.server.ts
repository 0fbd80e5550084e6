/**
 * A WooCommerce store's REST keys and the secret our webhooks are signed with, at rest.
 * Secrets are encrypted with TOKEN_ENCRYPTION_KEY exactly as Shopify's access tokens are
 * (app/privacy/token-cipher.ts); without a key configured (development only: production
 * refuses to start without one) they are stored as given, and read back either way.
 */
import { env } from "~/env.server";
import { decryptToken, encryptToken, parseTokenKeys, type TokenKey } from "~/privacy/token-cipher";
import type { Db } from "~/db/index.server";

export type KeyPermissions = "read" | "write" | "read_write";

export interface WooCredentials {
  shopId: string;
  /** Scheme + host (+ path), no trailing slash: the REST base and what X-WC-Webhook-Source names. */
  siteUrl: string;
  consumerKey: string;
  consumerSecret: string;
  keyPermissions: KeyPermissions;
  webhookSecret: string;
  /** topic → the store's webhook id. */
  webhooks: Record<string, number>;
}

/** The keys from the environment; null when none is configured. */
export function credentialKeys(): TokenKey[] | null {
  const value = env().TOKEN_ENCRYPTION_KEY;
  return value ? parseTokenKeys(value) : null;
}

/** "https://Shop.example/wp/" → "https://shop.example/wp": one spelling for lookups. */
export function normalizeSiteUrl(url: string): string {
  const u = new URL(url.trim());
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, "")}`;
}

const seal = (value: string, keys: TokenKey[] | null) => (keys ? encryptToken(value, keys) : value);
const open = (value: string, keys: TokenKey[] | null) => (keys ? decryptToken(value, keys) : value);

interface Row {
  shopId: string;
  siteUrl: string;
  consumerKey: string;
  consumerSecret: string;
  keyPermissions: string;
  webhookSecret: string;
  webhooks: string;
}

function fromRow(row: Row, keys: TokenKey[] | null): WooCredentials {
  return {
    shopId: row.shopId,
    siteUrl: row.siteUrl,
    consumerKey: row.consumerKey,
    consumerSecret: open(row.consumerSecret, keys),
    keyPermissions: row.keyPermissions as KeyPermissions,
    webhookSecret: open(row.webhookSecret, keys),
    webhooks: JSON.parse(row.webhooks) as Record<string, number>,
  };
}

/** Stores (or replaces) a shop's credentials, secrets encrypted. */
export async function saveCredentials(db: Db, c: WooCredentials, keys = credentialKeys(), now = new Date()): Promise<void> {
  await db.prepare(
    `INSERT INTO "StoreCredential" (shopId, siteUrl, consumerKey, consumerSecret, keyPermissions, webhookSecret, webhooks, createdAt, updatedAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (shopId) DO UPDATE SET siteUrl = excluded.siteUrl, consumerKey = excluded.consumerKey,
       consumerSecret = excluded.consumerSecret, keyPermissions = excluded.keyPermissions,
       webhookSecret = excluded.webhookSecret, webhooks = excluded.webhooks, updatedAt = excluded.updatedAt`,
  ).run(
    c.shopId,
    normalizeSiteUrl(c.siteUrl),
    c.consumerKey,
    seal(c.consumerSecret, keys),
    c.keyPermissions,
    seal(c.webhookSecret, keys),
    JSON.stringify(c.webhooks),
    now,
    now,
  );
}

/** Records the store's webhook ids (after registering or healing them). */
export async function saveWebhookIds(db: Db, shopId: string, webhooks: Record<string, number>, now = new Date()): Promise<void> {
  await db.prepare(`UPDATE "StoreCredential" SET webhooks = ?, updatedAt = ? WHERE shopId = ?`).run(JSON.stringify(webhooks), now, shopId);
}

export async function loadCredentials(db: Db, shopId: string, keys = credentialKeys()): Promise<WooCredentials | null> {
  const row = await db.prepare(`SELECT * FROM "StoreCredential" WHERE shopId = ?`).get(shopId) as Row | undefined;
  return row ? fromRow(row, keys) : null;
}

/** The credentials of the installed shop at a site URL (how a webhook names its store). */
export async function credentialsForSite(
  db: Db,
  siteUrl: string,
  keys = credentialKeys(),
): Promise<(WooCredentials & { domain: string; currency: string }) | null> {
  let normalized: string;
  try {
    normalized = normalizeSiteUrl(siteUrl);
  } catch {
    return null;
  }
  const row = await db
    .prepare(
      `SELECT c.*, s.domain, s.currency FROM "StoreCredential" c JOIN "Shop" s ON s.id = c.shopId
       WHERE c.siteUrl = ? ORDER BY s.uninstalledAt IS NOT NULL, c.updatedAt DESC LIMIT 1`,
    )
    .get(normalized) as (Row & { domain: string; currency: string }) | undefined;
  return row ? { ...fromRow(row, keys), domain: row.domain, currency: row.currency } : null;
}

export async function deleteCredentials(db: Db, shopId: string): Promise<boolean> {
  return (await db.prepare(`DELETE FROM "StoreCredential" WHERE shopId = ?`).run(shopId)).changes > 0;
}
