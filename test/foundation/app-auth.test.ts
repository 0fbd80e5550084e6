import { describe, expect, it } from "vitest";
import { loader as appLoader } from "~/routes/app";
import { loader as healthLoader } from "~/routes/healthz";
import { BROWSER as browser } from "../support/routes";

async function thrown(fn: () => Promise<unknown>): Promise<Response> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
  throw new Error("expected the loader to throw a Response");
}

describe("the embedded app shell", () => {
  it("GIVEN a browser request to /app without a shop or session token WHEN loaded THEN it is sent to log in", async () => {
    const request = new Request("https://rfm.test/app", { headers: { "User-Agent": browser } });

    const response = await thrown(() => appLoader({ request, params: {}, context: {} }));

    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/\/auth\/login/);
  });

  it("GIVEN a fetch to /app with a forged session token WHEN loaded THEN it is refused with 401", async () => {
    const request = new Request("https://rfm.test/app", {
      headers: { "User-Agent": browser, Authorization: "Bearer not.a.jwt" },
    });

    const response = await thrown(() => appLoader({ request, params: {}, context: {} }));

    expect(response.status).toBe(401);
  });

  it("GIVEN a running app WHEN /healthz is requested THEN it answers 200 with the database reachable", async () => {
    const response = (await healthLoader()) as Response;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
