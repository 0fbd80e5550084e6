import { beforeEach, describe, expect, it } from "vitest";
import { action, loader } from "~/routes/app.settings/route";
import { services } from "~/services.server";
import { cellIndex, DEFAULT_PERSONA_RULES } from "~/rfm";
import { gridFromRules, rulesFromGrid } from "~/rfm/persona-map";
import { queuedJobs } from "../support/queued-jobs";
import { addShop, appRequest, args, formPost, resetDatabase, run, storeOfflineSession } from "./support";

const SHOP = "mapmaker.myshopify.com";
let shopId = "";

beforeEach(async () => {
  await resetDatabase();
  shopId = await addShop(SHOP);
  await storeOfflineSession(SHOP);
});

const save = async (personas: unknown) =>
  run(async () => action(args(await formPost("/app/settings", SHOP, { intent: "save", settings: JSON.stringify({ personas }) }))));
const stored = async () => JSON.parse((await services().db.prepare(`SELECT settings FROM "Shop" WHERE id = ?`).pluck().get(shopId)) as string);
const jobs = async () => (await queuedJobs(services().db, shopId)).map(({ type }) => ({ type }));

const champions = DEFAULT_PERSONA_RULES[0];
const everyone = { name: "Everyone", slug: "everyone", r: [1, 5], f: [1, 5], m: [1, 5] };

describe("POST /app/settings (intent=save) with a persona map that may not be saved", async () => {
  it("GIVEN Champions listed after a rule that takes all its cells WHEN saved THEN 400 names Champions, nothing is stored and no recompute (so no write-back) is queued", async () => {
    const out = await save({ map: "custom", rules: [everyone, champions] });

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ "personas.rules.1": "“Champions” would never apply: personas listed before it already take all of its cells." });
    expect(await stored()).toEqual({});
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN a map leaving cells without a persona WHEN saved THEN 400 says how many cells", async () => {
    const out = await save({ map: "custom", rules: [{ ...everyone, r: [2, 5] }] });

    expect(out.status).toBe(400);
    expect(out.data.errors["personas.rules"]).toMatch(/^25 of the 125 cells have no persona \(R1 F1 M1–5/);
    expect(await stored()).toEqual({});
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN an empty slug, a slug with capitals and a slug borrowed from another persona WHEN saved THEN each slug is named", async () => {
    const out = await save({
      map: "custom",
      rules: [
        { ...everyone, r: [1, 1] },
        { ...everyone, name: "Blank", slug: "", r: [2, 2] },
        { ...everyone, name: "Derived", slug: undefined, r: [3, 3] },
        { ...everyone, name: "Caps", slug: "VIP", r: [4, 4] },
        { ...everyone, name: "Copycat", r: [5, 5] },
      ],
    });

    expect(out.status).toBe(400);
    expect(Object.keys(out.data.errors).sort()).toEqual(["personas.rules.1.slug", "personas.rules.3.slug"]);
    expect(out.data.errors["personas.rules.1.slug"]).toMatch(/must not be empty/);
    expect(await stored()).toEqual({});

    // With the schema's complaints fixed, the map's own checks name the rest.
    const next = await save({
      map: "custom",
      rules: [
        { ...everyone, r: [1, 1] },
        { ...everyone, name: "Derived", slug: undefined, r: [2, 3] },
        { ...everyone, name: "Copycat", r: [4, 5] },
      ],
    });
    expect(next.status).toBe(400);
    expect(next.data.errors).toEqual({
      "personas.rules.1.slug": expect.stringMatching(/^Give this persona a slug/),
      "personas.rules.2.slug": "“everyone” is already the slug of “Everyone”: each persona needs its own slug.",
    });
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN a broken map WHEN only previewed THEN it is not refused for the map (a preview writes nothing)", async () => {
    const out = await run(async () =>
      action(args(await formPost("/app/settings", SHOP, { intent: "preview", settings: JSON.stringify({ personas: { map: "custom", rules: [{ ...everyone, r: [2, 5] }] } }) }))),
    );
    expect(out.status).toBe(200);
  });
});

describe("POST /app/settings (intent=save) with a map drawn on the grid", async () => {
  it("GIVEN the default map with one cell repainted WHEN saved THEN it is stored and a recompute is queued", async () => {
    const grid = gridFromRules(DEFAULT_PERSONA_RULES);
    grid.cells[cellIndex(3, 5, 5)] = 0;
    const rules = rulesFromGrid(grid);

    const out = await save({ map: "custom", rules });

    expect(out.status).toBe(200);
    expect((await stored()).personas).toEqual({ map: "custom", rules });
    expect(await jobs()).toEqual([{ type: "recompute" }]);
  });
});

describe("GET /app/settings", async () => {
  it("GIVEN scored customers WHEN the page loads THEN it carries customers per score cell for the map", async () => {
    const insert = services().db.prepare(`INSERT INTO "Customer" (shopId, customerKey, r, f, m, persona) VALUES (?, ?, ?, ?, ?, ?)`);
    await insert.run(shopId, "c1", 5, 1, 2, "new-customers");
    await insert.run(shopId, "c2", 5, 1, 2, "new-customers");
    await insert.run(shopId, "c3", 1, 1, 1, "lost");
    await insert.run(shopId, "c4", null, null, null, null);

    const out = await run(async () => loader(args(await appRequest("/app/settings", SHOP))));

    expect(out.data.cellCustomers[cellIndex(5, 1, 2)]).toBe(2);
    expect(out.data.cellCustomers[cellIndex(1, 1, 1)]).toBe(1);
    expect(out.data.cellCustomers.reduce((a: number, b: number) => a + b, 0)).toBe(3);
  });
});
