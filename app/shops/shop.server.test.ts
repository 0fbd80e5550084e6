import { beforeEach, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/db";
import { jobQueueOf } from "../../test/support/job-runner";
import { queuedJobs } from "../../test/support/queued-jobs";
import type { Db } from "~/db/index.server";
import { createShop, loadInstalledShop, loadInstalledShopById, uninstallShop } from "./shop.server";
import { disableWriteback, shopSettings, writeShopSettings } from "./settings.server";
import { DEFAULT_SHOP_SETTINGS } from "~/settings/shop-settings";

let db: Db;
const DOMAIN = "alpha.myshopify.com";
const row = async (domain = DOMAIN) => await db.prepare(`SELECT * FROM "Shop" WHERE domain = ?`).get(domain) as Record<string, unknown>;

beforeEach(async () => {
  db = (await freshDatabase()).db;
});

describe("creating a shop", () => {
  it("GIVEN a new store WHEN created THEN one installed row holds its details and empty settings", async () => {
    const id = await createShop(db, { domain: DOMAIN, platform: "shopify", name: "Alpha", currency: "EUR", timezone: "Europe/Paris", scopes: "read_orders" });
    expect(await loadInstalledShop(db, DOMAIN)).toEqual({ id, domain: DOMAIN, platform: "shopify", name: "Alpha", currency: "EUR", timezone: "Europe/Paris" });
    expect(await row()).toMatchObject({ scopes: "read_orders", settings: "{}", uninstalledAt: null });
  });

  it("GIVEN a row for the domain WHEN created again without reinstall (a page load racing install) THEN the row is kept as it is", async () => {
    const id = await createShop(db, { domain: DOMAIN, platform: "shopify", name: "Alpha", currency: "EUR" });
    await uninstallShop(db, id, new Date());
    expect(await createShop(db, { domain: DOMAIN, platform: "shopify" })).toBe(id);
    expect(await row()).toMatchObject({ name: "Alpha", currency: "EUR" });
    expect(await loadInstalledShop(db, DOMAIN)).toBeNull();
  });

  it("GIVEN an uninstalled shop with settings WHEN reinstalled THEN it is installed again with fresh details and keeps its settings", async () => {
    const id = await createShop(db, { domain: DOMAIN, platform: "shopify", name: "Old", settings: { rules: { lookbackDays: 90 } } });
    await uninstallShop(db, id, new Date());
    const again = await createShop(db, { domain: DOMAIN, platform: "shopify", name: "New", currency: "GBP", scopes: "read_all_orders" }, { existing: "reinstall" });
    expect(again).toBe(id);
    expect(await loadInstalledShopById(db, id)).toMatchObject({ name: "New", currency: "GBP" });
    expect(await row()).toMatchObject({ scopes: "read_all_orders", uninstalledAt: null });
    expect((await shopSettings(db, id)).rules.lookbackDays).toBe(90);
  });
});

describe("uninstalling a shop", () => {
  it("GIVEN an installed shop with sessions and pending work WHEN uninstalled THEN it is marked, its sessions dropped and its work stopped; other shops untouched", async () => {
    const id = await createShop(db, { domain: DOMAIN, platform: "shopify" });
    const other = await createShop(db, { domain: "beta.myshopify.com", platform: "shopify" });
    const session = await db.prepare(`INSERT INTO "Session" (id, shop, state, isOnline, accessToken) VALUES (?, ?, 'x', false, 't')`);
    await session.run("offline_alpha", DOMAIN);
    await session.run("offline_beta", "beta.myshopify.com");
    const queue = jobQueueOf(db);
    await queue.enqueue("recompute", id);
    await queue.enqueue("recompute", other);
    const now = new Date("2026-07-01T00:00:00Z");

    await uninstallShop(db, id, now);

    expect(await row()).toMatchObject({ uninstalledAt: now.getTime() });
    expect(await db.prepare(`SELECT shop FROM "Session"`).pluck().all()).toEqual(["beta.myshopify.com"]);
    expect((await queuedJobs(db, id)).map((j) => j.status)).toEqual(["cancelled"]);
    expect((await queuedJobs(db, other)).map((j) => j.status)).toEqual(["pending"]);
  });
});

describe("settings", () => {
  it("GIVEN a shop WHEN settings are written THEN they read back; turning write-back off changes nothing else", async () => {
    const id = await createShop(db, { domain: DOMAIN, platform: "shopify" });
    expect(await shopSettings(db, id)).toEqual(DEFAULT_SHOP_SETTINGS);
    const settings = { ...DEFAULT_SHOP_SETTINGS, rules: { ...DEFAULT_SHOP_SETTINGS.rules, lookbackDays: 30 } };
    await writeShopSettings(db, id, settings, new Date());
    await disableWriteback(db, id, new Date());
    expect(await shopSettings(db, id)).toEqual({ ...settings, writeback: { ...settings.writeback, enabled: false } });
  });
});
