import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://rfm.example.com",
};

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
