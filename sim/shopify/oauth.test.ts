import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { createManualClock, signSessionToken, startSimulator, type ManualClock, type Simulator } from "./index";

const API_KEY = "oauth-key";
const API_SECRET = "oauth-secret";

async function tokenRequest(sim: Simulator, shop: string, body: Record<string, string>) {
  const response = await fetch(`${sim.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-Sim-Shop": shop },
    body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function shopName(sim: Simulator, shop: string, token: string | undefined) {
  const response = await fetch(`${sim.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Sim-Shop": shop, ...(token ? { "X-Shopify-Access-Token": token } : {}) },
    body: JSON.stringify({ query: "{ shop { name } }" }),
  });
  return response.status;
}

const EXCHANGE = {
  grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
  subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
  requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
};

describe("OAuth and access tokens", () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = createManualClock();
    sim = await startSimulator({
      clock,
      app: { apiKey: API_KEY, apiSecret: API_SECRET },
      shops: [{ domain: "auth-shop" }, { domain: "other-shop" }],
    });
  });
  afterAll(() => sim.stop());

  it("GIVEN no or a wrong access token WHEN calling GraphQL THEN 401", async () => {
    expect(await shopName(sim, "auth-shop.myshopify.com", undefined)).toBe(401);
    expect(await shopName(sim, "auth-shop.myshopify.com", "shpat_wrong")).toBe(401);
    const othersToken = sim.shop("other-shop").issueAccessToken();
    expect(await shopName(sim, "auth-shop.myshopify.com", othersToken)).toBe(401);
  });

  it("GIVEN a session token signed with the app secret WHEN exchanged THEN an offline token for the shop works", async () => {
    const subject_token = sim.sessionToken("auth-shop");
    const { status, body } = await tokenRequest(sim, "auth-shop.myshopify.com", { ...EXCHANGE, subject_token });
    expect(status).toBe(200);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^shpat_/),
      scope: "read_orders,read_all_orders,read_customers,write_customers",
    });
    expect(await shopName(sim, "auth-shop.myshopify.com", body.access_token as string)).toBe(200);
  });

  it("GIVEN a session token signed with another secret, for another shop, or expired WHEN exchanged THEN invalid_subject_token", async () => {
    const forged = signSessionToken({ apiKey: API_KEY, apiSecret: "not-the-secret", shop: "auth-shop.myshopify.com", nowMs: clock.now() });
    const elsewhere = sim.sessionToken("other-shop");
    const expired = signSessionToken({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      shop: "auth-shop.myshopify.com",
      nowMs: clock.now() - 3600_000,
    });
    for (const subject_token of [forged, elsewhere, expired]) {
      const { status, body } = await tokenRequest(sim, "auth-shop.myshopify.com", { ...EXCHANGE, subject_token });
      expect(status).toBe(400);
      expect(body.error).toBe("invalid_subject_token");
    }
  });

  it("GIVEN expiring=1 WHEN exchanged THEN the token expires with the clock and the refresh token rotates it", async () => {
    const { body } = await tokenRequest(sim, "auth-shop.myshopify.com", {
      ...EXCHANGE,
      subject_token: sim.sessionToken("auth-shop"),
      expiring: "1",
    });
    expect(body).toMatchObject({
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^shprt_/),
      refresh_token_expires_in: expect.any(Number),
    });
    clock.advance(3601_000);
    expect(await shopName(sim, "auth-shop.myshopify.com", body.access_token as string)).toBe(401);

    const refreshed = await tokenRequest(sim, "auth-shop.myshopify.com", {
      grant_type: "refresh_token",
      refresh_token: body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    expect(await shopName(sim, "auth-shop.myshopify.com", refreshed.body.access_token as string)).toBe(200);
    const reused = await tokenRequest(sim, "auth-shop.myshopify.com", {
      grant_type: "refresh_token",
      refresh_token: body.refresh_token as string,
    });
    expect(reused.body.error).toBe("invalid_grant");
  });

  it("GIVEN an online token request WHEN exchanged THEN the answer carries the associated user", async () => {
    const { body } = await tokenRequest(sim, "auth-shop.myshopify.com", {
      ...EXCHANGE,
      requested_token_type: "urn:shopify:params:oauth:token-type:online-access-token",
      subject_token: sim.sessionToken("auth-shop", { userId: 42 }),
    });
    expect(body).toMatchObject({ access_token: expect.stringMatching(/^shpua_/), expires_in: 86399, associated_user: { id: 42 } });
  });

  it("GIVEN the authorization-code grant WHEN the merchant is sent to /admin/oauth/authorize THEN the signed redirect's code buys a token", async () => {
    const authorize = new URL(`${sim.url}/admin/oauth/authorize`);
    authorize.search = new URLSearchParams({
      client_id: API_KEY,
      scope: "read_orders",
      redirect_uri: "https://rfm.test/auth/callback",
      state: "nonce-1",
      shop: "auth-shop.myshopify.com",
    }).toString();
    const response = await fetch(authorize, { redirect: "manual" });
    expect(response.status).toBe(302);
    const callback = new URL(response.headers.get("location")!);
    const params = Object.fromEntries(callback.searchParams);
    expect(params).toMatchObject({ shop: "auth-shop.myshopify.com", state: "nonce-1" });
    const { hmac, ...rest } = params;
    const message = Object.keys(rest)
      .sort()
      .map((k) => `${k}=${rest[k]}`)
      .join("&");
    expect(hmac).toBe(createHmac("sha256", API_SECRET).update(message).digest("hex"));

    const { status, body } = await tokenRequest(sim, "auth-shop.myshopify.com", { code: params.code });
    expect(status).toBe(200);
    expect(body.scope).toBe("read_orders");
    expect((await tokenRequest(sim, "auth-shop.myshopify.com", { code: params.code })).status).toBe(400);
  });

  it("GIVEN a wrong client secret WHEN requesting a token THEN invalid_client", async () => {
    const response = await fetch(`${sim.url}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Sim-Shop": "auth-shop.myshopify.com" },
      body: new URLSearchParams({ client_id: API_KEY, client_secret: "nope", ...EXCHANGE, subject_token: sim.sessionToken("auth-shop") }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_client");
  });

  it("GIVEN a token with fewer scopes WHEN the library asks for the app's access scopes THEN installation.accessScopes lists what was granted", async () => {
    const shop = sim.shop("auth-shop");
    const token = shop.issueAccessToken({ scopes: ["read_orders"] });
    const body = await shop.graphql<{
      app: { requestedAccessScopes: { handle: string }[]; installation: { accessScopes: { handle: string }[] } };
    }>(
      `query FetchAccessScopes { app { requestedAccessScopes { handle } optionalAccessScopes { handle } installation { accessScopes { handle } } } }`,
      {},
      { token }
    );
    expect(body.data!.app.requestedAccessScopes.map((s) => s.handle)).toEqual([
      "read_orders",
      "read_all_orders",
      "read_customers",
      "write_customers",
    ]);
    expect(body.data!.app.installation.accessScopes.map((s) => s.handle)).toEqual(["read_orders"]);

    const denied = await shop.graphql(`{ customers(first: 1) { nodes { id } } }`, {}, { token });
    expect(denied.errors?.[0]).toMatchObject({ extensions: { code: "ACCESS_DENIED" }, path: ["customers"] });
  });
});
