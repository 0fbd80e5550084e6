import { beforeEach, describe, expect, it } from "vitest";
import { seedCustomer, seedTransition } from "~/dashboard/test/seed";
import { loader as detailLoader } from "~/routes/app.personas.$slug";
import { loader as listLoader } from "~/routes/app.personas._index";
import { services } from "~/services.server";
import { addShop, appRequest, args, BROWSER, resetDatabase, run, storeOfflineSession } from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  await resetDatabase();
  alpha = await addShop(ALPHA);
  beta = await addShop(BETA, { settings: { writeback: { tagPrefix: "beta-" } } });
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  const { db } = services();
  await seedCustomer(db, alpha, { customerKey: "gid://shopify/Customer/1", persona: "loyal", r: 4, f: 4, m: 3, frequency: 4, monetaryMinor: 8_000 });
  await seedCustomer(db, beta, { customerKey: "gid://shopify/Customer/2", persona: "loyal", r: 4, f: 4, m: 3, frequency: 9, monetaryMinor: 99_000 });
  const today = new Date().toISOString().slice(0, 10);
  await seedTransition(db, alpha, today, "potential-loyalist", "loyal", 1);
  await seedTransition(db, beta, today, "champions", "loyal", 40);
});

describe("GET /app/personas", () => {
  it("GIVEN no session WHEN a browser opens it THEN it is sent to log in", async () => {
    const out = await run(() => listLoader(args(new Request("https://rfm.test/app/personas", { headers: { "User-Agent": BROWSER } }))));

    expect(out.status).toBe(302);
  });

  it("GIVEN two shops WHEN listed THEN counts and tags are the requesting shop's", async () => {
    const a = await run(async () => listLoader(args(await appRequest("/app/personas", ALPHA))));
    const b = await run(async () => listLoader(args(await appRequest("/app/personas", BETA))));

    const loyal = (out: typeof a) => out.data.personas.find((p: { slug: string }) => p.slug === "loyal");
    expect(loyal(a)).toMatchObject({ customers: 1, revenueMinor: 8_000, tag: "rfm:loyal" });
    expect(loyal(b)).toMatchObject({ customers: 1, revenueMinor: 99_000, tag: "beta-loyal" });
  });
});

describe("GET /app/personas/:slug", () => {
  const detail = async (shop: string, path: string, slug: string) =>
    run(async () => detailLoader(args(await appRequest(path, shop), { slug })));

  it("GIVEN a forged token WHEN fetched THEN 401", async () => {
    const request = new Request("https://rfm.test/app/personas/loyal", { headers: { Authorization: "Bearer x.y.z" } });

    const out = await run(() => detailLoader(args(request, { slug: "loyal" })));

    expect(out.status).toBe(401);
  });

  it("GIVEN a persona WHEN fetched THEN its figures and transitions are this shop's only", async () => {
    const out = await detail(ALPHA, "/app/personas/loyal?days=7", "loyal");

    expect(out.status).toBe(200);
    expect(out.data.figures).toMatchObject({ customers: 1, orders: 4, revenueMinor: 8_000, aovMinor: 2_000 });
    expect(out.data.transitions).toMatchObject({ days: 7, totalIn: 1, totalOut: 0 });
    expect(out.data.persona).toMatchObject({ tag: "rfm:loyal", segment: "RFM: Loyal" });
    expect(out.data.definition.rules[0]).toMatchObject({ position: 2, r: [3, 5], f: [4, 5], m: [1, 5] });
  });

  it("GIVEN a period other than 7, 30 or 90 WHEN fetched THEN 400 names days", async () => {
    const out = await detail(ALPHA, "/app/personas/loyal?days=14", "loyal");

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ days: "must be 7, 30 or 90" });
  });

  it("GIVEN a malformed slug WHEN fetched THEN 400; GIVEN an unknown one THEN 404", async () => {
    expect((await detail(ALPHA, "/app/personas/Bad%20Slug", "Bad Slug")).status).toBe(400);
    expect((await detail(ALPHA, "/app/personas/unicorns", "unicorns")).status).toBe(404);
  });
});
