import { beforeEach, describe, expect, it } from "vitest";
import { action, loader } from "~/routes/app.settings/route";
import { recomputeShop } from "~/scoring/recompute.server";
import { services } from "~/services.server";
import { anOrder } from "../support/orders";
import { queuedJobs } from "../support/queued-jobs";
import { addShop, appRequest, args, BROWSER, formPost, resetDatabase, run, storeOfflineSession } from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  await resetDatabase();
  alpha = await addShop(ALPHA);
  beta = await addShop(BETA, { settings: { rules: { lookbackDays: 90 } } });
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
});

const post = async (shop: string, fields: Record<string, string>) => run(async () => action(args(await formPost("/app/settings", shop, fields))));
const storedSettings = async (shopId: string) =>
  JSON.parse((await services().db.prepare(`SELECT settings FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string);
const jobs = async () =>
  (await Promise.all([alpha, beta].map(async (shopId) => (await queuedJobs(services().db, shopId)).map(({ type, status }) => ({ shopId, type, status }))))).flat();

describe("GET /app/settings", () => {
  it("GIVEN no session WHEN a browser opens it THEN it is sent to log in", async () => {
    const out = await run(() => loader(args(new Request("https://rfm.test/app/settings", { headers: { "User-Agent": BROWSER } }))));

    expect(out.status).toBe(302);
  });

  it("GIVEN two shops WHEN each loads settings THEN each gets its own, with the persona map checked", async () => {
    const a = await run(async () => loader(args(await appRequest("/app/settings", ALPHA))));
    const b = await run(async () => loader(args(await appRequest("/app/settings", BETA))));

    expect(a.data.settings.rules.lookbackDays).toBe(365);
    expect(b.data.settings.rules.lookbackDays).toBe(90);
    expect(a.data.personaCheck).toMatchObject({ complete: true, gaps: [], unreachable: [] });
  });
});

describe("POST /app/settings", () => {
  it("GIVEN a forged token WHEN saving THEN 401 and nothing is stored", async () => {
    const request = new Request("https://rfm.test/app/settings", {
      method: "POST",
      headers: { Authorization: "Bearer a.b.c" },
      body: new URLSearchParams({ intent: "save", settings: JSON.stringify({ rules: { lookbackDays: 30 } }) }),
    });

    const out = await run(() => action(args(request)));

    expect(out.status).toBe(401);
    expect(await storedSettings(alpha)).toEqual({});
  });

  it("GIVEN invalid settings WHEN saved THEN 400 names each field and nothing is stored or queued", async () => {
    const settings = {
      rules: { lookbackDays: "a year" },
      scoring: { mode: "edges", edges: { r: [30, 10, 60, 90], f: [2, 3, 4, 5], m: [1, 2, 3, 4] } },
      personas: { map: "custom", rules: [{ name: "", r: [1, 5], f: [4, 2], m: [1, 5] }] },
      writeback: { tagPrefix: "has space" },
    };

    const out = await post(ALPHA, { intent: "save", settings: JSON.stringify(settings) });

    expect(out.status).toBe(400);
    expect(out.data.errors).toMatchObject({
      "rules.lookbackDays": "must be a number",
      "scoring.edges.r": "each edge must be higher than the one before",
      "personas.rules.0.name": "a persona needs a name",
      "personas.rules.0.f": "the lower score must not be above the higher one",
      "writeback.tagPrefix": expect.stringMatching(/tag prefix/),
    });
    expect(await storedSettings(alpha)).toEqual({});
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN edges mode without edges WHEN saved THEN the missing dimension is named", async () => {
    const out = await post(ALPHA, { intent: "save", settings: JSON.stringify({ scoring: { mode: "edges", edges: { r: [1, 2, 3, 4] } } }) });

    expect(out.status).toBe(400);
    expect(Object.keys(out.data.errors)).toEqual(["scoring.edges.f", "scoring.edges.m"]);
  });

  it("GIVEN an unknown intent or unreadable settings WHEN posted THEN 400", async () => {
    expect((await post(ALPHA, { intent: "delete", settings: "{}" })).data.errors).toEqual({ intent: "must be preview, save, remove or pause" });
    expect((await post(ALPHA, { intent: "save", settings: "{nope" })).data.errors).toEqual({ settings: "settings are not valid JSON" });
    expect((await post(ALPHA, { intent: "save" })).status).toBe(400);
  });

  it("GIVEN a merchant leaving WHEN they ask to remove persona data THEN write-back turns off and a removal is queued for that shop only", async () => {
    const out = await post(ALPHA, { intent: "remove" });

    expect(out.status).toBe(200);
    expect(out.data.removing).toBe(true);
    expect((await storedSettings(alpha)).writeback.enabled).toBe(false);
    expect((await storedSettings(beta)).writeback).toBeUndefined();
    expect(await jobs()).toEqual([{ shopId: alpha, type: "cleanup", status: "pending" }]);
  });

  it("GIVEN valid settings WHEN saved THEN they are stored for this shop only and a recompute is queued", async () => {
    const settings = { rules: { lookbackDays: null, excludePos: false }, writeback: { tagPrefix: "vip:" } };

    const out = await post(ALPHA, { intent: "save", settings: JSON.stringify(settings) });

    expect(out.status).toBe(200);
    expect(out.data).toEqual({ intent: "save", saved: true });
    expect(await storedSettings(alpha)).toMatchObject({ rules: { lookbackDays: null, excludePos: false }, writeback: { tagPrefix: "vip:" } });
    expect(await storedSettings(beta)).toEqual({ rules: { lookbackDays: 90 } });
    expect(await jobs()).toEqual([{ shopId: alpha, type: "recompute", status: "pending" }]);
  });

  it("GIVEN scored customers WHEN previewing new rules THEN the matrix comes back and nothing is written", async () => {
    const { db, store } = services();
    await store.upsertOrders(alpha, [
      anOrder({ customerKey: "gid://shopify/Customer/1", processedAt: new Date(Date.now() - 5 * 86_400_000).toISOString() }),
      anOrder({ customerKey: "gid://shopify/Customer/2", processedAt: new Date(Date.now() - 9 * 86_400_000).toISOString(), pos: true }),
    ]);
    await store.upsertOrders(beta, [anOrder({ customerKey: "gid://shopify/Customer/3" })]);
    await recomputeShop(alpha, { db });
    const customersBefore = await db.prepare(`SELECT * FROM "Customer" ORDER BY shopId, customerKey`).all();
    const snapshotsBefore = await db.prepare(`SELECT * FROM "PersonaSnapshot"`).all();

    const out = await post(ALPHA, { intent: "preview", settings: JSON.stringify({ rules: { excludePos: false } }) });

    expect(out.status).toBe(200);
    expect(out.data.intent).toBe("preview");
    expect(out.data.preview.customers).toBe(2); // beta's customer is not in alpha's preview
    expect(out.data.preview.matrix).toContainEqual({ from: "", to: expect.any(String), customers: 1 });
    expect(await db.prepare(`SELECT * FROM "Customer" ORDER BY shopId, customerKey`).all()).toEqual(customersBefore);
    expect(await db.prepare(`SELECT * FROM "PersonaSnapshot"`).all()).toEqual(snapshotsBefore);
    expect(await storedSettings(alpha)).toEqual({});
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN invalid settings WHEN previewed THEN 400 with field errors and no preview", async () => {
    const out = await post(ALPHA, { intent: "preview", settings: JSON.stringify({ scoring: { composite: { f: 0, m: 0 } } }) });

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ "scoring.composite": "composite weights must not both be 0" });
  });
});

describe("a persona map beyond the engine's limits", () => {
  // 249 rules with their own slugs, leaving cells unmatched: + "Others" + "Lost" = 251 personas.
  const tooMany = { personas: { map: "custom", rules: Array.from({ length: 249 }, (_, i) => ({ name: `Persona ${i}`, r: [1, 1], f: [1, 1], m: [1, 1] })) } };

  it("GIVEN 251 personas WHEN saved THEN 400 names personas.rules and nothing is stored or queued", async () => {
    const out = await post(ALPHA, { intent: "save", settings: JSON.stringify(tooMany) });

    expect(out.status).toBe(400);
    expect(out.data.errors["personas.rules"]).toMatch(/at most 250 personas; this one makes 251/);
    expect(await storedSettings(alpha)).toEqual({});
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN such a map stored before the check existed WHEN the dashboard, personas, customers and settings pages load THEN each answers 200", async () => {
    await services().db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify(tooMany), alpha);
    const { loader: dashboard } = await import("~/routes/app._index");
    const { loader: personas } = await import("~/routes/app.personas._index");
    const { loader: customers } = await import("~/routes/app.customers._index");

    for (const [page, load] of [["/app", dashboard], ["/app/personas", personas], ["/app/customers", customers], ["/app/settings", loader]] as const) {
      const out = await run(async () => load(args(await appRequest(page, ALPHA))));
      expect([page, out.status]).toEqual([page, 200]);
    }
  });
});
