/**
 * One-time download tokens: how a file download (a top-level navigation, which carries
 * no App Bridge Authorization header) is authorised without putting a session token in
 * the URL, where access logs, browser history and Referer headers would keep it.
 *
 * An authenticated fetch mints a random token for one shop, one purpose and fixed
 * parameters; only its SHA-256 hash is stored. The download URL carries the token; the
 * first request within a minute spends it, every later one is refused.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "~/db/index.server";

/** Long enough for the browser to follow the link it was just handed, short enough that a logged URL is useless. */
export const DOWNLOAD_TOKEN_TTL_MS = 60_000;

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

export interface MintOptions {
  shopId: string;
  /** What the token may download, e.g. "customers-csv". */
  purpose: string;
  /** What to download (filters, ids), fixed at mint time: the URL cannot change them. */
  params: unknown;
  now?: Date;
  ttlMs?: number;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export async function mintDownloadToken(
  db: Db,
  { shopId, purpose, params, now = new Date(), ttlMs = DOWNLOAD_TOKEN_TTL_MS }: MintOptions,
): Promise<MintedToken> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.prepare(
    `INSERT INTO "DownloadToken" (tokenHash, shopId, purpose, params, expiresAt, usedAt, createdAt) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
  ).run(hashToken(token), shopId, purpose, JSON.stringify(params ?? {}), expiresAt, now);
  return { token, expiresAt };
}

export type RedeemResult =
  | { ok: true; shopId: string; params: unknown }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/**
 * Spends a token: succeeds once, for its purpose, before it expires. One conditional
 * UPDATE, so two requests racing with the same token cannot both win.
 */
export async function redeemDownloadToken(db: Db, token: string, purpose: string, now: Date = new Date()): Promise<RedeemResult> {
  const tokenHash = hashToken(token);
  const spent = (await db
    .prepare(
      `UPDATE "DownloadToken" SET usedAt = ?
       WHERE tokenHash = ? AND purpose = ? AND usedAt IS NULL AND expiresAt > ?
       RETURNING shopId, params`,
    )
    .get(now, tokenHash, purpose, now)) as { shopId: string; params: string } | undefined;
  if (spent) return { ok: true, shopId: spent.shopId, params: JSON.parse(spent.params) as unknown };
  const row = (await db.prepare(`SELECT usedAt FROM "DownloadToken" WHERE tokenHash = ? AND purpose = ?`).get(tokenHash, purpose)) as
    | { usedAt: number | null }
    | undefined;
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: row.usedAt !== null ? "used" : "expired" };
}
