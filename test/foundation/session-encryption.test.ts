import { randomBytes } from "node:crypto";
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "~/db.server";
import { EnvError, parseEnv } from "~/env.server";
import { EncryptedSessionStorage } from "~/platforms/shopify/encrypted-session-storage.server";
import { parseTokenKeys } from "~/privacy/token-cipher";
import { services } from "~/services.server";
import { sessionStorage } from "~/platforms/shopify/shopify.server";
import { resetDatabase } from "../support/reset";

afterAll(() => prisma.$disconnect());

const newKey = () => randomBytes(32).toString("base64");

function offlineSession(shop: string): Session {
  return new Session({
    id: `offline_${shop}`,
    shop,
    state: "state-1",
    isOnline: false,
    scope: "read_orders,read_customers",
    accessToken: `shpat_secret_${shop}`,
    refreshToken: `shprt_secret_${shop}`,
    refreshTokenExpires: new Date("2027-01-01T00:00:00Z"),
    expires: new Date("2026-12-31T00:00:00Z"),
  });
}

/** The Session row exactly as it sits in the SQLite file. */
async function rawRow(id: string) {
  return (await services().db.prepare(`SELECT * FROM "Session" WHERE id = ?`).get(id)) as Record<string, unknown> | undefined;
}

beforeEach(async () => {
  await resetDatabase(services().db);
});

describe("access tokens at rest", () => {
  it("GIVEN the app's session storage WHEN an offline session is stored THEN the row holds no token, and it loads back whole", async () => {
    const session = offlineSession("cipher.myshopify.com");

    await sessionStorage.storeSession(session);

    const row = (await rawRow(session.id))!;
    const raw = JSON.stringify(row);
    expect(raw).not.toContain("shpat_secret");
    expect(raw).not.toContain("shprt_secret");
    expect(row.accessToken).toMatch(/^enc:v1:/);
    expect(row.refreshToken).toMatch(/^enc:v1:/);
    const loaded = await sessionStorage.loadSession(session.id);
    expect(loaded!.toObject()).toEqual(session.toObject());
    expect((await sessionStorage.findSessionsByShop(session.shop)).map((s) => s.accessToken)).toEqual([session.accessToken]);
  });

  it("GIVEN a row stored in plaintext before encryption WHEN loaded THEN it works and the row is re-encrypted", async () => {
    const session = offlineSession("legacy.myshopify.com");
    await new PrismaSessionStorage(prisma).storeSession(session);
    expect((await rawRow(session.id))!.accessToken).toBe("shpat_secret_legacy.myshopify.com");

    const loaded = await sessionStorage.loadSession(session.id);

    expect(loaded!.accessToken).toBe(session.accessToken);
    expect(JSON.stringify(await rawRow(session.id))).not.toContain("secret_legacy");
  });

  it("GIVEN a new key listed first WHEN a session stored under the old key is loaded THEN it decrypts and is rewritten under the new key", async () => {
    const [oldKey, nextKey] = [newKey(), newKey()];
    const before = new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(oldKey));
    const after = new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(`${nextKey},${oldKey}`));
    const onlyNew = new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(nextKey));
    const session = offlineSession("rotate.myshopify.com");
    await before.storeSession(session);
    const oldCipher = (await rawRow(session.id))!.accessToken;

    expect((await after.loadSession(session.id))!.accessToken).toBe(session.accessToken);

    const newCipher = (await rawRow(session.id))!.accessToken;
    expect(newCipher).not.toBe(oldCipher);
    // Rewritten under the new key: the old key can be dropped from the list.
    expect((await onlyNew.loadSession(session.id))!.accessToken).toBe(session.accessToken);
  });

  it("GIVEN a stored token whose key is no longer listed WHEN loaded THEN the error says which key is missing", async () => {
    const session = offlineSession("lostkey.myshopify.com");
    await new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(newKey())).storeSession(session);

    const other = new EncryptedSessionStorage(new PrismaSessionStorage(prisma), parseTokenKeys(newKey()));

    await expect(other.loadSession(session.id)).rejects.toThrow(/TOKEN_ENCRYPTION_KEY no longer lists/);
  });
});

describe("TOKEN_ENCRYPTION_KEY", () => {
  const base = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://rfm.example.com" };
  const problems = (env: Record<string, string>) => {
    try {
      parseEnv(env);
      return [];
    } catch (e) {
      return (e as EnvError).problems;
    }
  };

  it("GIVEN production without a key WHEN the app starts THEN it refuses, naming the variable", () => {
    expect(problems({ ...base, NODE_ENV: "production" })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY is required in production/),
    ]);
    expect(problems({ ...base, NODE_ENV: "production", TOKEN_ENCRYPTION_KEY: newKey() })).toEqual([]);
  });

  it("GIVEN a key that is not 32 bytes of base64 WHEN parsed THEN the error names the variable and the key", () => {
    expect(problems({ ...base, TOKEN_ENCRYPTION_KEY: `${newKey()},c2hvcnQ=` })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY key 2 must be 32 bytes, base64-encoded.*decodes to 5 bytes/),
    ]);
    expect(problems({ ...base, TOKEN_ENCRYPTION_KEY: "not base64!" })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY key 1 must be 32 bytes/),
    ]);
  });
});
