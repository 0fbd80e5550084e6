/**
 * AES-256-GCM for secrets at rest (the shops' Admin API access and refresh tokens).
 *
 * Keys come from TOKEN_ENCRYPTION_KEY: one or more base64-encoded 32-byte keys separated by
 * commas. The first encrypts; every listed key decrypts, so a key is rotated by putting the
 * new one first and keeping the old one listed until every stored token was re-encrypted.
 *
 * Stored form: `enc:v1:<key id>:<iv>:<ciphertext+tag>` (base64url). The key id (the first
 * 8 bytes of the key's SHA-256) says which key to use; it reveals nothing about the key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";

export interface TokenKey {
  id: string;
  key: Buffer;
}

export class TokenKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenKeyError";
  }
}

/** "k1,k2" (base64, 32 bytes each) → keys, first = the one that encrypts. Throws naming the bad entry. */
export function parseTokenKeys(value: string): TokenKey[] {
  const entries = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new TokenKeyError("must list at least one key");
  return entries.map((entry, i) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(entry) ? Buffer.from(entry, "base64") : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new TokenKeyError(
        `key ${i + 1} must be 32 bytes, base64-encoded (e.g. \`openssl rand -base64 32\`)${key.length ? `; it decodes to ${key.length} bytes` : ""}`,
      );
    }
    return { id: createHash("sha256").update(key).digest("base64url").slice(0, 11), key };
  });
}

export const isEncrypted = (value: string) => value.startsWith(PREFIX);

export function encryptToken(plaintext: string, keys: TokenKey[]): string {
  const [{ id, key }] = keys;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  // The key id is bound as associated data: a value cannot be passed off under another key.
  cipher.setAAD(Buffer.from(id));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${id}:${iv.toString("base64url")}:${body.toString("base64url")}`;
}

/** Decrypts a stored value; a value stored before encryption was enabled is returned as it is. */
export function decryptToken(stored: string, keys: TokenKey[]): string {
  if (!isEncrypted(stored)) return stored;
  const [id, iv, body] = stored.slice(PREFIX.length).split(":");
  const match = keys.find((k) => k.id === id);
  if (!match || !iv || !body) {
    throw new TokenKeyError(`a stored token was encrypted with key ${id}, which TOKEN_ENCRYPTION_KEY no longer lists`);
  }
  const raw = Buffer.from(body, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", match.key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString("utf8");
}

/** Whether a stored value should be rewritten: plaintext, or encrypted under a key other than the first. */
export function needsReencryption(stored: string, keys: TokenKey[]): boolean {
  return !isEncrypted(stored) || !stored.startsWith(`${PREFIX}${keys[0].id}:`);
}
