import { beforeEach, describe, expect, it } from "vitest";
import { parseShopSettings, type ShopSettings } from "~/settings/shop-settings";
import { createOrderStore, type OrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { previewSettings } from "./preview.server";
import { recomputeShop } from "./recompute.server";

let db: Db;
let store: OrderStore;
let shop: string;
const now = () => new Date("2026-06-30T12:00:00Z");

function settings(input: unknown): ShopSettings {
  const parsed = parseShopSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
}

const customer = (n: number) => `gid://shopify/Customer/${n}`;
const day = (d: string) => `${d}T10:00:00.000Z`;

beforeEach(async () => {
  db = (await freshDatabase()).db;
  store = createOrderStore(db);
  shop = await addShop(db, "alpha.myshopify.com");
  await store.upsertOrders(shop, [
    anOrder({ customerKey: customer(1), processedAt: day("2026-06-01") }),
    anOrder({ customerKey: customer(1), processedAt: day("2026-06-10") }),
    anOrder({ customerKey: customer(1), processedAt: day("2026-06-28") }),
    anOrder({ customerKey: customer(2), processedAt: day("2026-03-01") }),
    anOrder({ customerKey: customer(3), processedAt: day("2026-06-20"), pos: true, channel: "pos" }),
    anOrder({ customerKey: customer(4), processedAt: day("2026-06-25"), tags: ["wholesale"] }),
  ]);
});

async function everything() {
  return {
    customers: await db.prepare(`SELECT * FROM "Customer" ORDER BY shopId, customerKey`).all(),
    snapshots: await db.prepare(`SELECT * FROM "PersonaSnapshot" ORDER BY shopId, day, persona`).all(),
    transitions: await db.prepare(`SELECT * FROM "PersonaTransition" ORDER BY day, fromPersona, toPersona`).all(),
    shops: await db.prepare(`SELECT id, settings, updatedAt FROM "Shop"`).all(),
    sync: await db.prepare(`SELECT * FROM "SyncState"`).all(),
    jobs: await db.prepare(`SELECT * FROM "Job"`).all(),
  };
}

describe("previewSettings", async () => {
  it("GIVEN a scored shop WHEN previewing other rules THEN nothing in the database changes", async () => {
    await recomputeShop(shop, { db, now });
    const before = await everything();

    await previewSettings(shop, settings({ rules: { excludePos: false, lookbackDays: null } }), { db, now });

    expect(await everything()).toEqual(before);
  });

  it("GIVEN POS counted and a tag excluded WHEN previewed THEN the POS customer gains a persona and the tagged one loses theirs", async () => {
    const candidate = settings({ rules: { excludePos: false, excludedTags: ["wholesale"] } });

    const preview = await previewSettings(shop, candidate, { db, now });

    expect(preview.matrix.filter((m) => m.from === "")).toEqual([{ from: "", to: expect.any(String), customers: 1 }]);
    expect(preview.matrix.filter((m) => m.to === "")).toEqual([{ from: expect.any(String), to: "", customers: 1 }]);
    expect(preview.moved).toBeGreaterThanOrEqual(2);
    expect(preview.customers).toBe(4);
    expect(preview.current.customersWithPersona).toBe(3);
    expect(preview.candidate.customersWithPersona).toBe(3);

    const rule = (side: typeof preview.current, id: string) => side.rules.removed.find((r) => r.rule === id)!;
    expect(rule(preview.current, "pos")).toMatchObject({ applies: true, orders: 1, customers: 1, revenueMinor: 5000 });
    expect(rule(preview.candidate, "pos")).toMatchObject({ applies: false, orders: 0 });
    expect(rule(preview.current, "excludedTag")).toMatchObject({ applies: false, orders: 0 });
    expect(rule(preview.candidate, "excludedTag")).toMatchObject({ applies: true, orders: 1, customers: 1 });
    expect(preview.current.rules.counted.orders).toBe(5);
  });

  it("GIVEN the current settings WHEN previewed THEN the current side is exactly what a recompute produces", async () => {
    const preview = await previewSettings(shop, settings({}), { db, now });
    const summary = await recomputeShop(shop, { db, now });

    expect(preview.current.personas.map(({ slug, customers, revenueMinor }) => ({ slug, customers, revenueMinor }))).toEqual(
      summary.personas.map(({ slug, customers, revenueMinor }) => ({ slug, customers, revenueMinor })),
    );
    expect(preview.current.rules).toEqual(summary.rules);
  });

  it("GIVEN the same settings WHEN previewed THEN everyone stays put", async () => {
    const preview = await previewSettings(shop, settings({}), { db, now });

    expect(preview.moved).toBe(0);
    expect(preview.matrix.every((m) => m.from === m.to)).toBe(true);
    expect(preview.customers).toBe(3);
  });

  it("GIVEN a renamed persona WHEN previewed THEN the candidate side carries the new name under the same slug", async () => {
    const candidate = settings({
      personas: { map: "custom", rules: [{ name: "Everyone", slug: "everyone", r: [1, 5], f: [1, 5], m: [1, 5] }] },
    });

    const preview = await previewSettings(shop, candidate, { db, now });

    expect(preview.candidatePersonas.map((p) => p.slug)).toContain("everyone");
    expect(preview.matrix.every((m) => m.to === "everyone")).toBe(true);
    expect(preview.moved).toBe(3);
  });
});
