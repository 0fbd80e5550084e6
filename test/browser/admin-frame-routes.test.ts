/** The simulator's admin-frame routes over HTTP (no browser, no app: a bare simulator). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../sim/shopify";
import { verifySessionToken } from "../../sim/shopify/oauth";

describe("the simulated admin's routes", () => {
  let sim: Simulator;
  const app = { apiKey: "k", apiSecret: "s", appUrl: "http://localhost:9", title: "RFM Personas", handle: "rfm-personas" };
  beforeAll(async () => {
    sim = await startSimulator({ app, shops: [{ domain: "acme", name: "Acme & Co" }, { domain: "other" }] });
  });
  afterAll(() => sim.stop());

  it("GIVEN a shop WHEN its admin page is asked for THEN it frames the app's /app with embedded, shop, host and a fresh session token", async () => {
    const res = await fetch(`${sim.url}/admin/apps/rfm-personas?shop=acme.myshopify.com`);
    const html = await res.text();

    expect(res.status).toBe(200);
    expect(html).toContain("Acme &amp; Co");
    const src = new URL(/<iframe[^>]* src="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&"));
    expect(src.origin + src.pathname).toBe("http://localhost:9/app");
    expect(src.searchParams.get("embedded")).toBe("1");
    expect(src.searchParams.get("shop")).toBe("acme.myshopify.com");
    expect(Buffer.from(src.searchParams.get("host")!, "base64url").toString()).toBe("admin.shopify.com/store/acme");
    expect(verifySessionToken(src.searchParams.get("id_token")!, { ...app, scopes: [] }, Date.now())).toMatchObject({ ok: true });
  });

  it("GIVEN an admin URL with an app path and query WHEN it is opened THEN the iframe loads that app path with that query", async () => {
    const html = await (await fetch(`${sim.url}/admin/apps/rfm-personas/app/customers?shop=acme&persona=champions`)).text();
    const src = new URL(/<iframe[^>]* src="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&"));
    expect(src.pathname).toBe("/app/customers");
    expect(src.searchParams.get("persona")).toBe("champions");
  });

  it("GIVEN an unknown shop or app WHEN the admin page is asked for THEN it answers 404", async () => {
    expect((await fetch(`${sim.url}/admin/apps/rfm-personas?shop=nope`)).status).toBe(404);
    expect((await fetch(`${sim.url}/admin/apps/rfm-personas`)).status).toBe(404); // two shops: which one?
    expect((await fetch(`${sim.url}/admin/apps/another-app?shop=acme`)).status).toBe(404);
  });

  it("GIVEN the app's origin WHEN it asks the simulator for a session token THEN it gets a valid one with CORS headers", async () => {
    const preflight = await fetch(`${sim.url}/__sim/admin/session-token?shop=acme`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:9", "Access-Control-Request-Method": "GET" },
    });
    const res = await fetch(`${sim.url}/__sim/admin/session-token?shop=acme`, { headers: { Origin: "http://localhost:9" } });
    const body = (await res.json()) as { token: string };

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:9");
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:9");
    expect(verifySessionToken(body.token, { ...app, scopes: [] }, Date.now())).toMatchObject({ ok: true });
  });

  it("GIVEN the App Bridge stand-in WHEN it is fetched THEN it is JavaScript that defines the shopify global", async () => {
    const res = await fetch(`${sim.url}/__sim/app-bridge.js`);
    const script = await res.text();

    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain("window.shopify = shopify");
  });

  it("GIVEN the simulator's existing control API WHEN it is used THEN the new routes leave it alone", async () => {
    expect(await (await fetch(`${sim.url}/__sim/health`)).json()).toEqual({ ok: true });
    expect((await fetch(`${sim.url}/__sim/admin/unknown`)).status).toBe(404);
  });
});
