/**
 * A WooCommerce shop's days are its own time zone's, as for a Shopify shop: the zone is read
 * from WordPress's REST index at connect and at every reconciliation (a merchant can change
 * it), from an order's local vs GMT dates when the index is closed, and orders are counted on
 * the shop's local day.
 */
import { afterEach, describe, expect, it } from "vitest";
import { localToUtc } from "../../sim/kit";
import { startReceiver } from "../../sim/kit/receiver";
import { startWooSimulator, type WooSimulator } from "../../sim/woocommerce";
import { startWooHarness, type WooHarness } from "./harness";

let h: WooHarness | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const close of closers.splice(0).reverse()) await close();
});

async function app() {
  const { services } = await import("~/services.server");
  return services();
}

const DAY = 86_400_000;
/** "YYYY-MM-DD" of an instant in a zone. */
const dateIn = (zone: string, ms: number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);

describe("GIVEN a WooCommerce store in America/New_York", () => {
  it("WHEN an order is placed at 23:30 local time THEN reconciliation learns the zone and the order is counted on that New York day, recency counted in New York days", async () => {
    h = await startWooHarness({ sim: { timeZone: "America/New_York" } });
    const shop = h.sim.shop;
    // Three New York days ago, at 23:30 New York time: the next day in UTC.
    const [y, m, d] = dateIn("America/New_York", Date.now() - 3 * DAY).split("-").map(Number);
    const placedAt = localToUtc("America/New_York", y, m, d, 23, 30);
    const localDate = dateIn("America/New_York", placedAt);
    expect(dateIn("UTC", placedAt)).not.toBe(localDate);
    const late = shop.createCustomer({ email: "late@example.com" });
    shop.createOrder({ customerId: late.id, status: "completed", createdAt: placedAt, lines: [{ name: "Beans", quantity: 1, unitPriceCents: 2_400 }] });

    const shopId = await h.connect();
    const { db } = await app();
    // Connected before the app read zones: the shop is on UTC until reconciliation reads it.
    await db.prepare(`UPDATE "Shop" SET timezone = 'UTC' WHERE id = ?`).run(shopId);
    await h.runJobs();

    expect(await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)).toBe("America/New_York");
    const row = (await db.prepare(`SELECT recencyDays, lastOrderAt FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(shopId, `woo:customer:${late.id}`)) as {
      recencyDays: number | null;
      lastOrderAt: number;
    };
    expect(new Date(row.lastOrderAt).toISOString().slice(0, 10)).toBe(localDate);
    expect(row.recencyDays).toBe(3);
  });

  it("WHEN the merchant switches to a manual offset (UTC+5.5) THEN the next reconciliation stores it and rescoring follows", async () => {
    h = await startWooHarness({ sim: { timeZone: "America/New_York" } });
    const shopId = await h.connect();
    await h.runJobs();
    const { db, runner } = await app();

    h.sim.shop.setTimeZone("UTC+5.5");
    await runner.queue.enqueue("sweep", shopId);
    await h.runJobs();

    expect(await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(shopId)).toBe("+05:30");
  });
});

describe("GIVEN the store's own REST index", () => {
  async function connectTo(sim: WooSimulator) {
    const hooks = await startReceiver();
    closers.push(hooks.close);
    const { db, runner } = await app();
    const { connectWithKey } = await import("~/platforms/woocommerce/connect.server");
    const key = sim.shop.addKey({ permissions: "read_write" });
    const result = await connectWithKey(
      { siteUrl: sim.url, consumerKey: key.consumerKey, consumerSecret: key.consumerSecret },
      { db, queue: runner.queue, appUrl: "", stateSecret: "tz-test", webhookUrl: `${hooks.url}/webhooks/woocommerce` },
    );
    if (!result.ok) throw new Error(result.problem);
    return await db.prepare(`SELECT timezone FROM "Shop" WHERE id = ?`).pluck().get(result.shopId);
  }

  it("WHEN a merchant connects a store in Asia/Kathmandu THEN the shop carries that zone", async () => {
    const sim = await startWooSimulator({ timeZone: "Asia/Kathmandu" });
    closers.push(() => sim.stop());
    expect(await connectTo(sim)).toBe("Asia/Kathmandu");
  });

  it("WHEN a security plugin closes the index THEN the zone comes from an order's local and GMT dates", async () => {
    const sim = await startWooSimulator({ timeZone: "UTC-3" });
    closers.push(() => sim.stop());
    sim.shop.restIndexClosed = true;
    const someone = sim.shop.createCustomer({ email: "a@example.com" });
    sim.shop.createOrder({ customerId: someone.id, status: "completed", lines: [{ name: "Beans", quantity: 1, unitPriceCents: 2_400 }] });
    expect(await connectTo(sim)).toBe("-03:00");
  });
});
