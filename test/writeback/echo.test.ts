/**
 * Our own writes come back: Shopify sends customers/update for every tag or metafield change,
 * so each customer write-back touches produces signed echoes to the app's /webhooks. They must
 * not cause more work: one write-back, then silence.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed } from "../../sim/shopify";
import { startHarness, type Harness } from "../support/app-harness";
import { queuedJobs } from "../support/queued-jobs";

const WRITE_MUTATIONS = new Set(["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete", "bulkOperationRunMutation", "flowTriggerReceive"]);

let h: Harness;
let shopId: string;

async function db() {
  return (await import("~/services.server")).services().db;
}

beforeAll(async () => {
  const seed = generateSeed({ dataset: "cdnow", maxCustomers: 40, shiftDatesTo: new Date(), seed: 8 });
  h = await startHarness({ data: seed });
  shopId = await h.install();
  await h.runJobs();
  // The merchant approves write-back on the dashboard once the import is scored.
  await h.grantWriteConsent();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("customers/update echoes of our own writes", () => {
  it("GIVEN the first write-back after install WHEN its customers/update echoes are delivered and every job drained THEN no second write-back runs and no further write is sent", async () => {
    const database = await db();
    const shop = h.sim.shop(h.shopDomain);
    const runs = async () =>
      (await database.prepare(`SELECT id, customersWritten FROM "WritebackRun" WHERE shopId = ? ORDER BY id`).all(shopId)) as {
        id: number;
        customersWritten: number;
      }[];
    const writes = () => shop.stats().mutations.filter((m) => WRITE_MUTATIONS.has(m)).length;

    // The install's one write-back labelled the customers...
    const [first, ...others] = await runs();
    expect(first.customersWritten).toBeGreaterThan(0);
    expect(others).toEqual([]);
    // ...and Shopify announced every tag and every metafield change: two signed echoes per customer, all answered.
    const echoes = shop.webhooks.deliveries.filter((d) => d.topic === "customers/update");
    expect(echoes.length).toBeGreaterThanOrEqual(2 * first.customersWritten);
    expect(echoes.every((d) => d.state === "delivered" && d.attempts.at(-1)?.status === 200)).toBe(true);

    // Let anything the echoes queued run (the harness already drained once; drain again to be sure).
    const writesBefore = writes();
    const echoesBefore = echoes.length;
    await h.runJobs();

    expect(await runs()).toHaveLength(1);
    expect(writes()).toBe(writesBefore);
    expect(shop.webhooks.deliveries.filter((d) => d.topic === "customers/update")).toHaveLength(echoesBefore);
    // The shop's scheduled daily recompute is not the echoes' doing: it may fall in the next hour.
    const due = Date.now() + 3_600_000;
    const queued = (await queuedJobs(database, shopId)).filter(
      (j) => (j.type === "recompute" || j.type === "writeback") && j.status === "pending" && j.runAt <= due && j.key !== "daily",
    );
    expect(queued).toEqual([]);
  });
});
