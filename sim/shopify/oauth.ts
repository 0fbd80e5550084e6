import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../kit/clock";

/**
 * Shopify OAuth as the app sees it (https://shopify.dev/docs/apps/build/authentication-authorization):
 * - authorization-code grant: GET /admin/oauth/authorize (auto-approved here) → redirect with a signed
 *   `code` → POST /admin/oauth/access_token {client_id, client_secret, code}
 * - token exchange: POST /admin/oauth/access_token with grant_type token-exchange and a session token
 *   (HS256 JWT signed with the app secret) → offline or online access token
 * - expiring offline tokens (`expiring=1`) with refresh_token rotation, and the migration of a
 *   non-expiring offline token to an expiring one.
 */

export interface AppCredentials {
  apiKey: string;
  apiSecret: string;
  /** Scopes granted on install (what shopify.app.toml asks for). */
  scopes: string[];
}

export interface AccessTokenRecord {
  token: string;
  shop: string;
  scopes: string[];
  online: boolean;
  /** Epoch ms; null for non-expiring offline tokens. */
  expiresAt: number | null;
  userId: number | null;
  /** Set for tokens of another app installed on the shop (ownership tests); absent = the simulated app. */
  apiClientId?: string;
}

interface RefreshTokenRecord {
  token: string;
  shop: string;
  scopes: string[];
  expiresAt: number;
}

interface AuthorizationCode {
  shop: string;
  scopes: string[];
  online: boolean;
  expiresAt: number;
}

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

const EXPIRING_OFFLINE_TTL_S = 3600;
const REFRESH_TTL_S = 90 * 24 * 3600;
const ONLINE_TTL_S = 86399;
/** Shopify's libraries allow 10 s of clock skew on session tokens. */
const JWT_CLOCK_TOLERANCE_S = 10;

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

function oauthError(status: number, error: string, description: string): TokenResponse {
  return { status, body: { error, error_description: description } };
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
}

/** Mints a session token the way App Bridge hands one to the app (tests use it for token exchange). */
export function signSessionToken(options: {
  apiKey: string;
  apiSecret: string;
  shop: string;
  userId?: number;
  nowMs?: number;
  ttlSeconds?: number;
}): string {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: String(options.userId ?? 1),
    exp: now + (options.ttlSeconds ?? 60),
    nbf: now - 1,
    iat: now - 1,
    jti: randomBytes(16).toString("hex"),
    sid: randomBytes(16).toString("hex"),
  };
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", options.apiSecret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** Verifies an HS256 session token; returns its claims or the reason it is refused. */
export function verifySessionToken(
  token: string,
  app: AppCredentials,
  nowMs: number
): { ok: true; claims: SessionTokenClaims } | { ok: false; reason: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed JWT" };
  const [h, p, s] = parts;
  let header: { alg?: string };
  let claims: SessionTokenClaims;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed JWT" };
  }
  if (header.alg !== "HS256") return { ok: false, reason: `unsupported alg ${header.alg}` };
  const expected = createHmac("sha256", app.apiSecret).update(`${h}.${p}`).digest("base64url");
  if (!safeEqual(expected, s)) return { ok: false, reason: "signature verification failed" };
  const now = nowMs / 1000;
  if (typeof claims.exp !== "number" || claims.exp + JWT_CLOCK_TOLERANCE_S < now) return { ok: false, reason: "token expired" };
  if (typeof claims.nbf === "number" && claims.nbf - JWT_CLOCK_TOLERANCE_S > now) return { ok: false, reason: "token not yet valid" };
  if (claims.aud !== app.apiKey) return { ok: false, reason: "audience does not match the client id" };
  return { ok: true, claims };
}

/** Hex HMAC over sorted query parameters, as Shopify signs OAuth redirects. */
export function signQuery(params: Record<string, string>, secret: string): string {
  const message = Object.keys(params)
    .filter((k) => k !== "hmac" && k !== "signature")
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join("&");
  return createHmac("sha256", secret).update(message).digest("hex");
}

export class TokenRegistry {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly codes = new Map<string, AuthorizationCode>();

  /**
   * What a shop's merchant granted, when not everything the app asks for: read_all_orders,
   * for one, needs Shopify's approval, and without it the app never gets it.
   */
  grantedScopes: (shop: string) => readonly string[] | null = () => null;

  constructor(readonly app: AppCredentials, private readonly clock: Clock) {}

  /** The app's scopes as this shop grants them. */
  scopesFor(shop: string): string[] {
    const granted = this.grantedScopes(shop);
    return granted ? this.app.scopes.filter((s) => granted.includes(s)) : [...this.app.scopes];
  }

  /** Issues a token directly (tests, the standalone script); defaults to a non-expiring offline token with the app's scopes. */
  issue(
    shop: string,
    options: { scopes?: string[]; online?: boolean; ttlSeconds?: number | null; userId?: number; token?: string; apiClientId?: string } = {}
  ): AccessTokenRecord {
    const online = options.online ?? false;
    const prefix = online ? "shpua" : "shpat";
    const ttl = options.ttlSeconds === undefined ? (online ? ONLINE_TTL_S : null) : options.ttlSeconds;
    const record: AccessTokenRecord = {
      token: options.token ?? `${prefix}_${randomBytes(16).toString("hex")}`,
      shop,
      scopes: options.scopes ?? this.scopesFor(shop),
      online,
      expiresAt: ttl === null ? null : this.clock.now() + ttl * 1000,
      userId: online ? options.userId ?? 1 : null,
      ...(options.apiClientId ? { apiClientId: options.apiClientId } : {}),
    };
    this.accessTokens.set(record.token, record);
    return record;
  }

  /** The live token record, or null when unknown, revoked or expired. */
  lookup(token: string): AccessTokenRecord | null {
    const record = this.accessTokens.get(token);
    if (!record) return null;
    if (record.expiresAt !== null && record.expiresAt <= this.clock.now()) return null;
    return record;
  }

  revokeShop(shop: string): void {
    for (const [token, record] of this.accessTokens) if (record.shop === shop) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.shop === shop) this.refreshTokens.delete(token);
  }

  createAuthorizationCode(shop: string, options: { scopes?: string[]; online?: boolean } = {}): string {
    const code = randomBytes(16).toString("hex");
    this.codes.set(code, {
      shop,
      scopes: options.scopes ?? this.scopesFor(shop),
      online: options.online ?? false,
      expiresAt: this.clock.now() + 10 * 60 * 1000,
    });
    return code;
  }

  /** POST /admin/oauth/access_token for `shop`; body already parsed from JSON or form encoding. */
  exchange(shop: string, body: Record<string, unknown>): TokenResponse {
    const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
    if (str("client_id") !== this.app.apiKey || str("client_secret") !== this.app.apiSecret) {
      return oauthError(400, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret.");
    }
    const expiring = str("expiring") === "1";
    const grantType = str("grant_type");

    if (grantType === undefined || grantType === "authorization_code") {
      const code = str("code");
      const grant = code ? this.codes.get(code) : undefined;
      if (!code || !grant || grant.shop !== shop || grant.expiresAt <= this.clock.now()) {
        return oauthError(400, "invalid_request", "The authorization code was not found or was already used.");
      }
      this.codes.delete(code);
      return this.grant(shop, grant.scopes, grant.online, expiring, 1);
    }

    if (grantType === TOKEN_EXCHANGE_GRANT) {
      const subject = str("subject_token") ?? "";
      const requested = str("requested_token_type") ?? OFFLINE_TOKEN_TYPE;
      if (requested !== OFFLINE_TOKEN_TYPE && requested !== ONLINE_TOKEN_TYPE) {
        return oauthError(400, "invalid_request", `Unsupported requested_token_type ${requested}.`);
      }
      if (str("subject_token_type") === OFFLINE_TOKEN_TYPE) {
        // Migrating a non-expiring offline token to an expiring one revokes the old token.
        const old = this.lookup(subject);
        if (!old || old.shop !== shop || old.online || old.expiresAt !== null) {
          return oauthError(400, "invalid_subject_token", "The subject token is not a non-expiring offline token for this shop.");
        }
        this.accessTokens.delete(subject);
        return this.grant(shop, old.scopes, false, true, 1);
      }
      const verified = verifySessionToken(subject, this.app, this.clock.now());
      if (!verified.ok) return oauthError(400, "invalid_subject_token", `Session token rejected: ${verified.reason}.`);
      if (verified.claims.dest !== `https://${shop}`) {
        return oauthError(400, "invalid_subject_token", "Session token was issued for another shop.");
      }
      return this.grant(shop, this.scopesFor(shop), requested === ONLINE_TOKEN_TYPE, expiring, Number(verified.claims.sub) || 1);
    }

    if (grantType === "refresh_token") {
      const refresh = this.refreshTokens.get(str("refresh_token") ?? "");
      if (!refresh || refresh.shop !== shop || refresh.expiresAt <= this.clock.now()) {
        return oauthError(400, "invalid_grant", "The refresh token is invalid, expired or was already used.");
      }
      this.refreshTokens.delete(refresh.token);
      return this.grant(shop, refresh.scopes, false, true, 1);
    }

    return oauthError(400, "unsupported_grant_type", `Unsupported grant_type ${grantType}.`);
  }

  private grant(shop: string, scopes: string[], online: boolean, expiring: boolean, userId: number): TokenResponse {
    if (online) {
      const record = this.issue(shop, { scopes, online: true, userId });
      return {
        status: 200,
        body: {
          access_token: record.token,
          scope: scopes.join(","),
          expires_in: ONLINE_TTL_S,
          associated_user_scope: scopes.join(","),
          associated_user: {
            id: userId,
            first_name: "Sim",
            last_name: `User ${userId}`,
            email: `user${userId}@example.com`,
            account_owner: userId === 1,
            locale: "en",
            collaborator: false,
            email_verified: true,
          },
        },
      };
    }
    if (!expiring) {
      const record = this.issue(shop, { scopes });
      return { status: 200, body: { access_token: record.token, scope: scopes.join(",") } };
    }
    const record = this.issue(shop, { scopes, ttlSeconds: EXPIRING_OFFLINE_TTL_S });
    const refresh: RefreshTokenRecord = {
      token: `shprt_${randomBytes(16).toString("hex")}`,
      shop,
      scopes,
      expiresAt: this.clock.now() + REFRESH_TTL_S * 1000,
    };
    this.refreshTokens.set(refresh.token, refresh);
    return {
      status: 200,
      body: {
        access_token: record.token,
        scope: scopes.join(","),
        expires_in: EXPIRING_OFFLINE_TTL_S,
        refresh_token: refresh.token,
        refresh_token_expires_in: REFRESH_TTL_S,
      },
    };
  }
}
