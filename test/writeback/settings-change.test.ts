/**
 * A write-back a recompute asks for plans only the customers rescored since the last settled
 * write-back (decision 046). A settings save that changes what every customer carries — the tag
 * prefix — rescores nobody, so it must still reach every customer: through the real app, its
 * job queue and the simulator's store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveSettings } from "~/dashboard/settings.server";
import { shopSettings } from "~/shops/settings.server";
import { generateSeed } from "../../sim/shopify";
import { startHarness, type Harness } from "../support/app-harness";

let h: Harness;
let shopId: string;

const services = async () => (await import("~/services.server")).services();
const ourTags = () =>
  [...h.sim.shop(h.shopDomain).store.customers.values()].flatMap((c) => c.tags.filter((t) => t.startsWith("rfm:") || t.startsWith("vip-")));

beforeAll(async () => {
  h = await startHarness({ shop: "settings-change.myshopify.com", data: generateSeed({ dataset: "cdnow", maxCustomers: 40, shiftDatesTo: new Date(), seed: 7 }) });
  shopId = await h.install();
  await h.runJobs();
  await h.grantWriteConsent();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("settings that change what every customer carries", () => {
  it("GIVEN a labelled shop whose last recompute's write-back settled WHEN the merchant saves a new tag prefix THEN every customer's persona tag follows, though nobody was rescored", async () => {
    const shop = h.sim.shop(h.shopDomain);
    const buyer = shop.createCustomer({ email: "settled@example.com" });
    shop.createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 3_000 }] });
    await h.runJobs();
    const before = ourTags();
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((t) => t.startsWith("rfm:"))).toBe(true);

    const { db, runner } = await services();
    const settings = await shopSettings(db, shopId);
    await saveSettings(shopId, { ...settings, writeback: { ...settings.writeback, tagPrefix: "vip-" } }, { db, queue: runner.queue });
    await h.runJobs();

    const after = ourTags();
    expect(after).toHaveLength(before.length);
    expect(after.every((t) => t.startsWith("vip-"))).toBe(true);
  });
});
