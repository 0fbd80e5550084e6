import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://rfm.example.com",
};

/** What production needs besides the three credentials. */
const productionExtras = { NODE_ENV: "production", TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };

describe("environment validation", () => {
  it("GIVEN a complete environment WHEN parsed THEN defaults fill the rest", () => {
    const env = parseEnv(valid);
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe("file:./data/rfm.db");
    expect(env.SCOPES).toContain("read_all_orders");
  });

  it("GIVEN no SHOPIFY_API_SECRET WHEN parsed THEN start-up stops with a message naming it", () => {
    const { SHOPIFY_API_SECRET: _omit, ...rest } = valid;
    expect(() => parseEnv(rest)).toThrow(EnvError);
    expect(() => parseEnv(rest)).toThrow(/SHOPIFY_API_SECRET is required/);
  });

  it("GIVEN an empty SHOPIFY_API_SECRET WHEN parsed THEN it counts as missing", () => {
    expect(() => parseEnv({ ...valid, SHOPIFY_API_SECRET: "" })).toThrow(/SHOPIFY_API_SECRET is required/);
  });

  it("GIVEN a simulator URL off this machine WHEN parsed THEN it is refused", () => {
    expect(() => parseEnv({ ...valid, SHOPIFY_ADMIN_SIMULATOR_URL: "https://example.com" })).toThrow(/simulator on this machine/);
    expect(parseEnv({ ...valid, SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:8787" }).SHOPIFY_ADMIN_SIMULATOR_URL).toBe("http://127.0.0.1:8787");
  });

  it("GIVEN NODE_ENV=production and a deployed app URL WHEN a simulator URL is set THEN start-up stops naming SHOPIFY_ADMIN_SIMULATOR_URL", () => {
    const production = { ...valid, ...productionExtras, SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:8787" };

    expect(() => parseEnv(production)).toThrow(EnvError);
    expect(() => parseEnv(production)).toThrow(/SHOPIFY_ADMIN_SIMULATOR_URL must not be set with NODE_ENV=production/);
    // Not by dressing the deployed URL up: only plain http on this machine is a local-only app.
    for (const appUrl of ["https://localhost:3000", "http://rfm.example.com", "http://localhost.example.com", "http://127.0.0.2"]) {
      expect(() => parseEnv({ ...production, SHOPIFY_APP_URL: appUrl })).toThrow(/SHOPIFY_ADMIN_SIMULATOR_URL must not be set/);
    }
    // Production without the simulator starts as before.
    expect(parseEnv({ ...valid, ...productionExtras }).SHOPIFY_ADMIN_SIMULATOR_URL).toBeUndefined();
  });

  it("GIVEN the production build served at http://localhost (demo, browser tests) WHEN a simulator URL is set THEN it is accepted", () => {
    for (const appUrl of ["http://localhost:41234", "http://127.0.0.1:3000", "http://[::1]:3000"]) {
      const env = parseEnv({ ...valid, ...productionExtras, SHOPIFY_APP_URL: appUrl, SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:8787" });
      expect(env.SHOPIFY_ADMIN_SIMULATOR_URL).toBe("http://127.0.0.1:8787");
    }
    // Development and tests keep using it with any app URL (shopify app dev tunnels are https).
    expect(parseEnv({ ...valid, NODE_ENV: "development", SHOPIFY_ADMIN_SIMULATOR_URL: "http://127.0.0.1:8787" }).SHOPIFY_ADMIN_SIMULATOR_URL).toBeDefined();
  });

  it("GIVEN malformed values WHEN parsed THEN each bad variable is named with why", () => {
    try {
      parseEnv({ ...valid, SHOPIFY_APP_URL: "not a url", PORT: "eighty", DATABASE_URL: "mysql://x" });
      expect.unreachable();
    } catch (e) {
      const problems = (e as EnvError).problems.join("\n");
      expect(problems).toMatch(/SHOPIFY_APP_URL must be the app's public https URL/);
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL must start with file:/);
    }
  });
});
