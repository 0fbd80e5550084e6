import { beforeEach, describe, expect, it } from "vitest";
import { seedCustomer, seedSnapshot } from "~/dashboard/test/seed";
import { loader } from "~/routes/app._index";
import { services } from "~/services.server";
import {
  addShop,
  appRequest,
  args,
  BROWSER,
  documentRequest,
  resetDatabase,
  run,
  sessionToken,
  storeOfflineSession,
} from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  await resetDatabase();
  alpha = await addShop(ALPHA);
  beta = await addShop(BETA);
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  const { db } = services();
  await seedCustomer(db, alpha, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 10_000 });
  await seedCustomer(db, beta, { customerKey: "gid://shopify/Customer/2", persona: "lost", r: 1, f: 1, m: 1, monetaryMinor: 777 });
  await seedSnapshot(db, beta, "2026-06-30", { lost: 1 });
});

describe("GET /app (dashboard)", () => {
  it("GIVEN no session token and no shop WHEN a browser opens it THEN it is sent to log in", async () => {
    const out = await run(() => loader(args(new Request("https://rfm.test/app", { headers: { "User-Agent": BROWSER } }))));

    expect(out.status).toBe(302);
    expect(out.headers.get("Location")).toMatch(/\/auth\/login/);
  });

  it("GIVEN a session token signed with another secret WHEN fetched THEN it is refused with 401", async () => {
    const forged = await sessionToken(ALPHA, "not-the-app-secret");
    const request = new Request("https://rfm.test/app", { headers: { Authorization: `Bearer ${forged}` } });

    const out = await run(() => loader(args(request)));

    expect(out.status).toBe(401);
  });

  it("GIVEN the admin loads the app WHEN the document request carries id_token THEN the dashboard data is this shop's", async () => {
    const out = await run(async () => loader(args(await documentRequest("/app", ALPHA))));

    expect(out.status).toBe(200);
    expect(out.data.totals).toMatchObject({ customersScored: 1, revenueMinor: 10_000 });
    expect(out.data.personas.find((p: { slug: string }) => p.slug === "lost").customers).toBe(0);
    expect(out.data.trend.days).toEqual([]); // beta's snapshot is not ours
  });

  it("GIVEN two shops WHEN each fetches its dashboard THEN neither sees the other's customers", async () => {
    const a = await run(async () => loader(args(await appRequest("/app", ALPHA))));
    const b = await run(async () => loader(args(await appRequest("/app?grid=rm", BETA))));

    expect(a.data.totals.revenueMinor).toBe(10_000);
    expect(b.data.totals.revenueMinor).toBe(777);
    expect(b.data.grid.axes).toBe("rm");
    expect(b.data.trend.days).toEqual(["2026-06-30"]);
  });

  it("GIVEN an unknown grid WHEN fetched THEN 400 names the parameter", async () => {
    const out = await run(async () => loader(args(await appRequest("/app?grid=xy", ALPHA))));

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ grid: "must be rf, fm or rm" });
  });

  it("GIVEN a first load that beats the install hook WHEN fetched THEN the shop is recorded and the empty state shows", async () => {
    await storeOfflineSession("newcomer.myshopify.com");

    const out = await run(async () => loader(args(await appRequest("/app", "newcomer.myshopify.com"))));

    expect(out.status).toBe(200);
    expect(await services().db.prepare(`SELECT count(*) n FROM "Shop" WHERE domain = ?`).get("newcomer.myshopify.com")).toEqual({ n: 1 });
  });

  it("GIVEN an uninstalled shop WHEN fetched THEN 404", async () => {
    await services().db.prepare(`UPDATE "Shop" SET uninstalledAt = ? WHERE id = ?`).run(new Date(), alpha);

    const out = await run(async () => loader(args(await appRequest("/app", ALPHA))));

    expect(out.status).toBe(404);
  });
});
