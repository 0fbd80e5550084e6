/**
 * Write-back against the Shopify Admin simulator over real HTTP: the app's database says
 * which persona each customer has; after a run the simulated store must say the same.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runWriteback, removeAllPersonaData, shopifyWriteSession } from "~/platforms/shopify/writeback/writer.server";
import type { WriteSession } from "~/platforms/types";
import { runWriteback as runCore } from "~/writeback/run.server";
import type { WriteJob } from "~/writeback/shop-plan";
import type { BucketMemory } from "~/platforms/shopify/writeback/pacer";
import { loadCustomers } from "~/writeback/store.server";
import { parseWritten } from "~/writeback/state";
import {
  appNamespaceOf,
  createTestShop,
  customerGid,
  expectStoreMatchesDatabase,
  merchantTags,
  scoredCustomer,
  simCustomerId,
  startWritebackSim,
  type WritebackSim,
} from "./support";
import { upsertScoredCustomers } from "./sim-client";

let h: WritebackSim;
beforeAll(async () => {
  h = await startWritebackSim();
});
afterAll(async () => {
  await h.sim.stop();
});

const DAY = 86_400_000;
const day0 = () => h.clock.now();
const scored = (count: number, at: number, variant = 0) => Array.from({ length: count }, (_, n) => scoredCustomer(n, at, variant));

describe("stepped write-back (after the first labelling)", () => {
  it("GIVEN a labelled shop where 50 customers were re-scored and one who just ordered changed persona WHEN written back in steps of 20 THEN the buyer's persona is in the store after the first step, and the steps together write everyone once", async () => {
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()) });
    await runWriteback(t.shopId, t.deps);
    h.clock.advance(DAY);
    // GIVEN: an order moved a quintile edge (50 re-scored, same personas) and moved the buyer (customer 57) to a new persona.
    const rescored = scored(50, day0()).map((c) => (c.persona === null ? c : { ...c, m: c.m === 5 ? 4 : 5 }));
    const buyer = customerGid(57);
    await upsertScoredCustomers(t.db, t.shopId, [
      ...rescored,
      { ...scoredCustomer(57, day0()), persona: "champions", previousPersona: scoredCustomer(57, day0()).persona, personaSince: day0(), r: 5, f: 5, m: 5 },
    ]);
    await t.db.prepare(`UPDATE "Customer" SET lastOrderAt = ? WHERE shopId = ? AND customerKey != ?`).run(new Date(day0() - 90 * DAY), t.shopId, buyer);
    await t.db.prepare(`UPDATE "Customer" SET lastOrderAt = ? WHERE shopId = ? AND customerKey = ?`).run(new Date(day0()), t.shopId, buyer);
    // WHEN: the first step
    const first = await runWriteback(t.shopId, { ...t.deps, step: 20, steps: 1 });

    // THEN: the buyer went first, the rest is left for later steps
    const toWrite = first.customers.toWrite;
    expect(toWrite).toBeGreaterThan(40);
    expect(first.customers.written).toBe(20);
    expect(first.more).toBe(toWrite - 20);
    expect(t.shop.store.customers.get(simCustomerId(buyer))!.tags).toContain("rfm:champions");
    const runsBefore = (await t.db.prepare(`SELECT count(*) FROM "WritebackRun" WHERE shopId = ?`).pluck().get(t.shopId)) as number;
    const rest = await runWriteback(t.shopId, { ...t.deps, step: 20 });
    expect(rest.more).toBe(0);
    expect((await t.db.prepare(`SELECT count(*) FROM "WritebackRun" WHERE shopId = ?`).pluck().get(t.shopId)) as number).toBe(runsBefore + Math.ceil((toWrite - 20) / 20));
    await expectStoreMatchesDatabase(t);
    // One persona change, one trigger, however many steps.
    expect(t.shop.flowTriggerCalls).toHaveLength(1);
  });

  it("GIVEN a stepped write-back under way WHEN a recompute rescores another customer between its steps THEN a later step of the same run writes them, planning only what is left and who was rescored", async () => {
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()) });
    await runWriteback(t.shopId, t.deps);
    h.clock.advance(DAY);
    // Rescored an hour before this write-back started.
    await upsertScoredCustomers(t.db, t.shopId, scored(40, day0() - 3_600_000).map((c) => (c.persona === null ? c : { ...c, m: c.m === 5 ? 4 : 5 })));
    const late = customerGid(55);
    let batches = 0;
    const graphql = (async (query: string, variables?: Record<string, unknown>) => {
      const response = await t.deps.graphql(query, variables);
      // A recompute lands while the first step is being written.
      if (query.includes("RfmWritebackBatch") && ++batches === 1) {
        await upsertScoredCustomers(t.db, t.shopId, [{ ...scoredCustomer(55, day0() + 1), persona: "champions", previousPersona: scoredCustomer(55, day0()).persona, personaSince: day0(), r: 5, f: 5, m: 5 }]);
      }
      return response;
    }) as typeof t.deps.graphql;

    const report = await runWriteback(t.shopId, { ...t.deps, graphql, step: 10 });

    expect(report.more).toBe(0);
    expect(batches).toBeGreaterThan(2);
    expect(t.shop.store.customers.get(simCustomerId(late))!.tags).toContain("rfm:champions");
    await expectStoreMatchesDatabase(t);
    // The last step planned from what was left and who was rescored, not from all 60 customers.
    expect(report.customers.customers).toBeLessThan(40);
  });

  it("GIVEN a shop whose last write-back left nothing behind WHEN a recompute's write-back plans from that moment THEN it reads only the rescored and the unsettled (a failed write), and writes them", async () => {
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()) });
    const labelled = await runWriteback(t.shopId, t.deps);
    expect(labelled.settled).toBe(true);
    h.clock.advance(DAY);
    const settledAt = day0();
    // Rescored after that plan: three customers change persona.
    await upsertScoredCustomers(t.db, t.shopId, [1, 2, 3].map((n) => ({ ...scoredCustomer(n, settledAt + 1), persona: "champions", previousPersona: scoredCustomer(n, settledAt).persona, personaSince: settledAt, r: 5, f: 5, m: 5 })));
    // A write that failed a day ago and is still owed.
    await upsertScoredCustomers(t.db, t.shopId, [{ ...scoredCustomer(30, settledAt - DAY), persona: "lost", r: 1, f: 1, m: 1 }]);
    await t.db.prepare(`UPDATE "Customer" SET writeStatus = 'failed', writeAttempts = 1 WHERE shopId = ? AND customerKey = ?`).run(t.shopId, customerGid(30));

    const report = await runWriteback(t.shopId, { ...t.deps, step: 8, rescoredSince: settledAt });

    expect(report.customers.customers).toBe(4);
    expect(report.customers.written).toBe(4);
    expect(report.settled).toBe(true);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a labelled shop whose rate-limit bucket the last run left nearly empty, and customers re-scored besides a buyer who changed persona WHEN a stepped write-back runs THEN its first step writes the buyer alone (what the bucket holds), and the steps together write everyone once", async () => {
    // A small, slow bucket, so that labelling 60 customers drains it.
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()), shop: { throttle: { maximumAvailable: 200, restoreRate: 10 } } });
    const bucket: BucketMemory = { known: null };
    await runWriteback(t.shopId, { ...t.deps, bucket });
    expect(t.shop.bucket.status().currentlyAvailable).toBeLessThan(40);
    const buyer = customerGid(57);
    const moved = scored(30, day0()).filter((c) => c.persona !== null);
    await upsertScoredCustomers(t.db, t.shopId, [
      ...moved.map((c) => ({ ...c, persona: c.persona === "lost" ? "hibernating" : "lost" })),
      { ...scoredCustomer(57, day0()), persona: "champions", previousPersona: scoredCustomer(57, day0()).persona, personaSince: day0(), r: 5, f: 5, m: 5 },
    ]);
    await t.db.prepare(`UPDATE "Customer" SET lastOrderAt = ? WHERE shopId = ? AND customerKey != ?`).run(new Date(day0() - 90 * DAY), t.shopId, buyer);
    await t.db.prepare(`UPDATE "Customer" SET lastOrderAt = ? WHERE shopId = ? AND customerKey = ?`).run(new Date(day0()), t.shopId, buyer);

    // WHEN: the first step, knowing the bucket as the last run left it
    const first = await runWriteback(t.shopId, { ...t.deps, bucket, step: 8, steps: 1 });

    // THEN: the buyer alone, not a full step of 8 that would wait for 8 customers' points
    expect(first.customers.written).toBe(1);
    expect(t.shop.store.customers.get(simCustomerId(buyer))!.tags).toContain("rfm:champions");
    // The rest at 10 points/s: a run hands over after 30 s of (simulated) time.
    let more = first.more;
    for (let runs = 0; more > 0 && runs < 20; runs++) more = (await runWriteback(t.shopId, { ...t.deps, bucket, step: 8 })).more;
    expect(more).toBe(0);
    await expectStoreMatchesDatabase(t);
    // One trigger per persona change, however the steps fell.
    expect(t.shop.flowTriggerCalls).toHaveLength(moved.length + 1);
  });

  it("GIVEN a shop never written to WHEN its first write-back runs with a step THEN it labels everyone in one run (a first labelling sends no triggers, so it is not split)", async () => {
    const t = await createTestShop(h, { count: 45, customers: scored(45, day0()) });

    const report = await runWriteback(t.shopId, { ...t.deps, step: 20 });

    expect(report.more).toBe(0);
    expect(report.customers.written).toBe(report.customers.toWrite);
    await expectStoreMatchesDatabase(t);
  });
});

describe("online write-back", () => {
  it("GIVEN scored customers and guests WHEN written back THEN every customer carries its persona, the merchant's tags survive, guests are counted", async () => {
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()) });
    await upsertScoredCustomers(t.db, t.shopId, [{ customerKey: "email:guest@example.com", guest: true, persona: "loyal", r: 3, f: 4, m: 2 }]);

    const report = await runWriteback(t.shopId, t.deps);

    expect(report).toMatchObject({ status: "done", mode: "online" });
    expect(report.customers).toMatchObject({ customers: 61, guests: 1, failed: 0, toWrite: 56, written: 56 });
    await expectStoreMatchesDatabase(t);
    // Many customers per request: 56 customers need 56 tagsAdd + 19 shared metafieldsSet calls.
    expect(report.requests).toBeLessThanOrEqual(2);
    expect(t.shop.stats().mutations.filter((m) => m === "metafieldsSet").length).toBeLessThanOrEqual(Math.ceil((56 * 8) / 24));
    const run = await t.db.prepare(`SELECT * FROM "WritebackRun" WHERE id = ?`).get(report.runId) as Record<string, unknown>;
    expect(run).toMatchObject({ status: "done", mode: "online", customersWritten: 56, requests: report.requests, costPoints: report.costPoints });
  });

  it("GIVEN nothing changed since the last write-back WHEN run again (even with a newer computation) THEN no write calls", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30, day0()) });
    await runWriteback(t.shopId, t.deps);
    // A daily recompute with the same outcome: only scoredAt moves.
    await upsertScoredCustomers(t.db, t.shopId, scored(30, day0()).map((c) => ({ ...c, scoredAt: day0() + DAY })));
    t.shop.resetStats();

    const report = await runWriteback(t.shopId, t.deps);

    expect(report.customers).toMatchObject({ toWrite: 0, written: 0 });
    expect(report.requests).toBe(0);
    expect(t.shop.stats().graphqlRequests).toBe(0);
  });

  it("GIVEN a persona change WHEN written back THEN the tag is swapped, metafields follow, and the Flow trigger fires with a valid payload", async () => {
    const t = await createTestShop(h, { count: 20, customers: scored(20, day0()) });
    await runWriteback(t.shopId, t.deps);
    expect(t.shop.flowTriggerCalls).toHaveLength(0); // the first labelling is not a change

    const key = customerGid(4); // has the merchant's tags "vip", "newsletter"
    const before = (await loadCustomers(t.db, t.shopId)).find((c) => c.customerKey === key)!;
    h.clock.advance(DAY);
    await upsertScoredCustomers(t.db, t.shopId, [
      { ...scoredCustomer(4, day0()), persona: "at-risk", previousPersona: before.persona, personaSince: day0(), r: 1, f: 5, m: 2 },
    ]);
    t.shop.resetStats();

    const report = await runWriteback(t.shopId, t.deps);

    expect(report.customers.written).toBe(1);
    const simCustomer = t.shop.store.customers.get(simCustomerId(key))!;
    expect(simCustomer.tags).toContain("rfm:at-risk");
    expect(simCustomer.tags).not.toContain(`rfm:${before.persona}`);
    for (const tag of merchantTags(key)) expect(simCustomer.tags).toContain(tag);
    await expectStoreMatchesDatabase(t);
    expect(t.shop.flowTriggerCalls).toEqual([
      {
        handle: "rfm-persona-changed",
        payload: { customer_id: simCustomerId(key), "previous persona": "Promising", "new persona": "At Risk", "rfm score": "152" },
        receivedAt: expect.any(String),
      },
    ]);
    expect(report.flowTriggers).toEqual({ sent: 1, failed: 0 });
    expect(parseWritten((await loadCustomers(t.db, t.shopId)).find((c) => c.customerKey === key)!.written)!.trigger).toBeUndefined();
  });

  it("GIVEN a customer who lost their persona WHEN written back THEN its persona tag and metafields are removed", async () => {
    const t = await createTestShop(h, { count: 10, customers: scored(10, day0()) });
    await runWriteback(t.shopId, t.deps);
    await upsertScoredCustomers(t.db, t.shopId, [{ customerKey: customerGid(1), persona: null, previousPersona: "loyal", scoredAt: day0() + DAY }]);

    await runWriteback(t.shopId, t.deps);

    const simCustomer = t.shop.store.customers.get(simCustomerId(customerGid(1)))!;
    expect(simCustomer.tags.filter((tag) => tag.startsWith("rfm:"))).toEqual([]);
    expect(t.shop.store.metafieldsOf("CUSTOMER", simCustomer.id)).toEqual([]);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN the tag prefix changes (and the retired namespace setting is set) WHEN written back THEN the old tags are gone and metafields stay in the app's namespace", async () => {
    const t = await createTestShop(h, { count: 12, customers: scored(12, day0()), settings: { writeback: { extraTags: true } } });
    await runWriteback(t.shopId, t.deps);
    await t.db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(
      JSON.stringify({ writeback: { tagPrefix: "persona-", metafieldNamespace: "crm" } }),
      t.shopId,
    );

    await runWriteback(t.shopId, t.deps);

    for (const c of t.shop.store.customers.values()) {
      expect(c.tags.filter((tag) => tag.startsWith("rfm:"))).toEqual([]);
      expect(t.shop.store.metafieldsOf("CUSTOMER", c.id).filter((m) => m.namespace !== appNamespaceOf(t.shop))).toEqual([]);
    }
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a customer Shopify rejects WHEN written back THEN only that customer fails, with its error recorded", async () => {
    const t = await createTestShop(h, { count: 15, customers: scored(15, day0()) });
    t.shop.deleteCustomer(simCustomerId(customerGid(2)), { force: true });

    const report = await runWriteback(t.shopId, t.deps);

    expect(report.customers.failed).toBe(1);
    expect(report.errors[0]).toMatchObject({ customerKey: customerGid(2) });
    const rows = await loadCustomers(t.db, t.shopId);
    const failed = await t.db.prepare(`SELECT writeStatus, writeError, writeAttempts FROM "Customer" WHERE customerKey = ?`).get(customerGid(2));
    expect(failed).toMatchObject({ writeStatus: "failed", writeAttempts: 1, writeError: expect.stringMatching(/does not exist/) });
    expect(rows.filter((r) => r.writeStatus === "ok")).toHaveLength(report.customers.written);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN one customer's metafield is invalid WHEN it shares a metafieldsSet call THEN only that customer fails and its neighbours are retried alone", async () => {
    // A persona name with a line break is not a valid single-line text value.
    const rules = [
      { name: "Champ\nions", slug: "champions", r: [5, 5], f: [5, 5], m: [5, 5] },
      { name: "Everyone", slug: "loyal", r: [1, 5], f: [1, 5], m: [1, 5] },
    ];
    const customers = scored(12, day0()).map((c, n) => ({ ...c, persona: n === 5 ? "champions" : "loyal", previousPersona: null }));
    const t = await createTestShop(h, { count: 12, customers, settings: { personas: { map: "custom", rules } } });

    const report = await runWriteback(t.shopId, t.deps);

    expect(report.customers).toMatchObject({ failed: 1, written: 11 });
    expect(report.errors).toEqual([{ customerKey: customerGid(5), message: expect.stringMatching(/metafieldsSet: .*single line/) }]);
    const five = await t.db.prepare(`SELECT writeStatus, written FROM "Customer" WHERE customerKey = ?`).get(customerGid(5)) as { writeStatus: string; written: string };
    expect(five.writeStatus).toBe("failed");
    // Its tag went through; its metafields did not, and are retried next run.
    expect(parseWritten(five.written)).toMatchObject({ labels: ["rfm:champions"], fields: {} });
    const others = (await loadCustomers(t.db, t.shopId)).filter((c) => c.persona !== null && c.customerKey !== customerGid(5));
    expect(others.every((c) => c.writeStatus === "ok")).toBe(true);
    for (const c of others) expect(t.shop.store.metafieldsOf("CUSTOMER", simCustomerId(c.customerKey)).length).toBeGreaterThan(0);
  });

  it("GIVEN a crash after some requests WHEN run again THEN what succeeded is not sent again", async () => {
    const t = await createTestShop(h, { count: 40, customers: scored(40, day0()) });
    let calls = 0;
    const inner = t.deps.graphql;
    const crashing: typeof inner = async (query, variables) => {
      if (++calls === 3) throw new TypeError("process killed"); // not retriable: the run dies here
      return inner(query, variables);
    };
    await expect(runWriteback(t.shopId, { ...t.deps, graphql: crashing, fieldsPerRequest: 20 })).rejects.toThrow(/process killed/);
    const writtenFirst = (await loadCustomers(t.db, t.shopId)).filter((c) => c.writeStatus === "ok").length;
    expect(writtenFirst).toBeGreaterThan(0);
    t.shop.resetStats();

    const report = await runWriteback(t.shopId, { ...t.deps, fieldsPerRequest: 20 });

    expect(report.customers.toWrite).toBe(37 - writtenFirst);
    expect(t.shop.stats().mutations.filter((m) => m === "tagsAdd")).toHaveLength(37 - writtenFirst);
    await expectStoreMatchesDatabase(t);
  });
});

describe("bulk write-back", () => {
  it("GIVEN more changed customers than the threshold WHEN written back THEN the bulk path is used and per-line errors are recorded", async () => {
    const t = await createTestShop(h, { count: 80, customers: scored(80, day0()) });
    t.shop.deleteCustomer(simCustomerId(customerGid(5)), { force: true });
    t.shop.deleteCustomer(simCustomerId(customerGid(6)), { force: true });

    // 30 lines per file: 72 customers make 3 files per kind, 6 operations, more than the 5 Shopify runs at once.
    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 50, bulkLinesPerFile: 30 });

    expect(report.mode).toBe("bulk");
    expect(report.bulkOperations).toHaveLength(6);
    const mutations = t.shop.stats().mutations;
    expect(mutations).not.toContain("tagsAdd");
    // tagsAdd + metafieldsSet, 3 files each; a sixth submission that finds all five slots busy
    // (LIMIT_REACHED, timing-dependent) is retried, so submissions can exceed operations.
    expect(mutations.filter((m) => m === "bulkOperationRunMutation").length).toBeGreaterThanOrEqual(6);
    expect(report.customers).toMatchObject({ failed: 2, written: 74 - 2 });
    for (const n of [5, 6]) {
      const row = await t.db.prepare(`SELECT writeStatus, writeError, written FROM "Customer" WHERE customerKey = ?`).get(customerGid(n));
      expect(row).toMatchObject({ writeStatus: "failed", writeError: expect.stringMatching(/tagsAdd: .*does not exist/) });
    }
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a crash after the bulk operations were submitted WHEN run again THEN it polls them instead of re-sending", async () => {
    const t = await createTestShop(h, { count: 70, customers: scored(70, day0()) });
    const crash = { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 40, fetchFile: async () => Promise.reject(new TypeError("process killed")) };
    await expect(runWriteback(t.shopId, crash)).rejects.toThrow(/process killed/);
    expect((await loadCustomers(t.db, t.shopId)).filter((c) => c.writeStatus === "pending")).toHaveLength(65);
    t.shop.resetStats();

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 40 });

    expect(report.resumedRun).not.toBeNull();
    expect(t.shop.stats().mutations).not.toContain("bulkOperationRunMutation");
    expect(t.shop.stats().mutations).not.toContain("stagedUploadsCreate");
    expect(report.customers.toWrite).toBe(0);
    await expectStoreMatchesDatabase(t);
    const resumed = await t.db.prepare(`SELECT status, customersWritten FROM "WritebackRun" WHERE id = ?`).get(report.resumedRun);
    expect(resumed).toEqual({ status: "done", customersWritten: 65 });
  });

  it("GIVEN a crash before the files were uploaded WHEN run again THEN the same lines are uploaded and run once", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30, day0()) });
    const failingUpload: typeof fetch = async () => Promise.reject(new TypeError("process killed"));
    await expect(runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, httpFetch: failingUpload })).rejects.toThrow(/process killed/);
    expect(t.shop.stats().mutations.filter((m) => m === "bulkOperationRunMutation")).toHaveLength(0);

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });

    expect(report.resumedRun).not.toBeNull();
    expect(t.shop.stats().mutations.filter((m) => m === "bulkOperationRunMutation")).toHaveLength(2);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a first write-back in bulk WHEN Shopify runs its operations THEN the writer holds none of the plan's jobs and no file of the run is left on disk", async () => {
    const t = await createTestShop(h, { count: 60, customers: scored(60, day0()) });
    let handed: WriteJob[] = [];
    let planned = 0;
    const seen: { jobs: number; files: string[] }[] = [];
    const runDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith("rfm-writeback-"));
    const before = await runDirs();
    // The writer waits for Shopify's operations with pollSleep: what it holds then, it holds for minutes.
    const pollSleep = async (ms: number) => {
      const dirs = (await runDirs()).filter((name) => !before.includes(name));
      const files = (await Promise.all(dirs.map((dir) => readdir(path.join(tmpdir(), dir))))).flat();
      seen.push({ jobs: handed.length, files });
      await new Promise((r) => setTimeout(r, ms));
    };
    const session = shopifyWriteSession({ ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 25, pollSleep });
    const watched: WriteSession = {
      ...session,
      write: (jobs, run, record) => {
        handed = jobs;
        planned = jobs.length;
        return session.write(jobs, run, record);
      },
    };

    const report = await runCore(t.shopId, watched, { db: t.db, now: t.deps.now });

    expect(report.mode).toBe("bulk");
    expect(planned).toBeGreaterThan(50);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.jobs === 0)).toBe(true);
    // Each file goes once it is uploaded; the run's directory with the run.
    expect(seen.every((s) => s.files.length === 0)).toBe(true);
    expect((await runDirs()).filter((name) => !before.includes(name))).toEqual([]);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a first write-back that numbered its lines buyers-first, not in key order, and crashed before uploading WHEN run again THEN each customer's lines are uploaded at their own numbers: the customer the store no longer has is the one recorded as failed", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30, day0()) });
    // Even keys ordered lately, odd ones long ago: the plan (latest buyer first) numbers the even
    // keys before the odd ones, so in key order a file's customers are not next to each other.
    const lastOrder = t.db.prepare(`UPDATE "Customer" SET lastOrderAt = ? WHERE shopId = ? AND customerKey = ?`);
    for (let n = 0; n < 30; n++) await lastOrder.run(new Date(day0() - (n % 2 === 0 ? 10 + n : 400 + n) * DAY), t.shopId, customerGid(n));
    const failingUpload: typeof fetch = async () => Promise.reject(new TypeError("process killed"));
    await expect(runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 8, httpFetch: failingUpload })).rejects.toThrow(/process killed/);
    const lines = (await loadCustomers(t.db, t.shopId))
      .map((c) => (parseWritten(c.written)?.transport as { lines?: { tagsAdd?: number } } | undefined)?.lines?.tagsAdd)
      .filter((line) => line !== undefined);
    expect(lines.length).toBeGreaterThan(20);
    expect(lines).not.toEqual([...lines].sort((a, b) => a - b));
    // A line's result is read back by its number: a customer gone from the store must be the one that fails.
    t.shop.deleteCustomer(simCustomerId(customerGid(9)), { force: true });

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 8 });

    expect(report.resumedRun).not.toBeNull();
    const failed = (await loadCustomers(t.db, t.shopId)).filter((c) => c.writeStatus === "failed").map((c) => c.customerKey);
    expect(failed).toEqual([customerGid(9)]);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a first write-back that crashed before uploading, and one of its customers erased meanwhile WHEN run again THEN the erased customer's line is left out, not left blank, and each other customer's result is its own", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30, day0()) });
    const failingUpload: typeof fetch = async () => Promise.reject(new TypeError("process killed"));
    await expect(runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 8, httpFetch: failingUpload })).rejects.toThrow(/process killed/);
    // customers/redact removes the customer's row; its line numbers stay unused in the resumed files.
    await t.db.prepare(`DELETE FROM "Customer" WHERE shopId = ? AND customerKey = ?`).run(t.shopId, customerGid(3));
    t.shop.deleteCustomer(simCustomerId(customerGid(5)), { force: true });
    const uploaded: string[] = [];
    const watching: typeof fetch = async (input, init) => {
      const file = (init?.body as FormData | undefined)?.get("file");
      if (file instanceof Blob) uploaded.push(await file.text());
      return fetch(input, init);
    };

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, bulkLinesPerFile: 8, httpFetch: watching });

    expect(report.resumedRun).not.toBeNull();
    expect(uploaded.length).toBeGreaterThan(0);
    expect(uploaded.every((text) => !text.split("\n").slice(0, -1).some((line) => line.trim() === ""))).toBe(true);
    const failed = (await loadCustomers(t.db, t.shopId)).filter((c) => c.writeStatus === "failed").map((c) => c.customerKey);
    expect(failed).toEqual([customerGid(5)]);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN the upload storage drops a connection and then answers 503 WHEN written back in bulk THEN the upload is tried again and the same run writes everything", async () => {
    const t = await createTestShop(h, { count: 30, customers: scored(30, day0()) });
    let posts = 0;
    const flaky: typeof fetch = async (input, init) => {
      posts++;
      if (posts === 1) throw new TypeError("fetch failed");
      if (posts === 2) return new Response("Service Unavailable", { status: 503 });
      return fetch(input, init);
    };

    const warned: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warned.push(String(line)));

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, httpFetch: flaky }).finally(() => warn.mockRestore());

    expect(report.status).toBe("done");
    expect(report.resumedRun).toBeNull();
    expect(posts).toBeGreaterThanOrEqual(3);
    // An operator sees each retry and why.
    const retries = warned.filter((line) => line.startsWith("[writeback] staged upload"));
    expect(retries).toEqual([expect.stringContaining("(fetch failed)"), expect.stringContaining("(HTTP 503)")]);
    expect(t.shop.stats().mutations.filter((m) => m === "bulkOperationRunMutation")).toHaveLength(2);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN a bulk operation that fails half-way WHEN written back THEN the lines it ran count, the rest is written by the next run", async () => {
    const t = await createTestShop(h, { count: 40, customers: scored(40, day0()), shop: { faults: { bulkOutcome: "FAILED" } } });

    const failed = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });

    expect(failed.status).toBe("done");
    expect(failed.customers.failed).toBeGreaterThan(0);
    expect(failed.errors[0].message).toMatch(/bulk operation failed/);
    const attempts = await t.db.prepare(`SELECT max(writeAttempts) AS n FROM "Customer"`).get() as { n: number };
    expect(attempts.n).toBe(0); // not the customers' fault
    t.shop.setFaults({});

    const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });

    expect(report.customers.failed).toBe(0);
    await expectStoreMatchesDatabase(t);
  });

  it("GIVEN persona data in the store WHEN removed THEN no persona tag or metafield of ours is left, the merchant's tags are", async () => {
    const t = await createTestShop(h, { count: 25, customers: scored(25, day0()), settings: { writeback: { extraTags: true } } });
    await runWriteback(t.shopId, t.deps);

    const report = await removeAllPersonaData(t.shopId, t.deps);

    expect(report.mode).toBe("bulk");
    for (const c of t.shop.store.customers.values()) {
      expect(c.tags.filter((tag) => tag.startsWith("rfm:"))).toEqual([]);
      expect(c.tags).toEqual(merchantTags(`gid://shopify/Customer/${c.id}`));
      expect(t.shop.store.metafieldsOf("CUSTOMER", c.id)).toEqual([]);
    }
  });
});

describe("faults", () => {
  for (const bulk of [false, true]) {
    it(`GIVEN THROTTLED and 5xx on 10% of requests WHEN written back ${bulk ? "in bulk" : "online"} THEN every customer ends correct`, async () => {
      const t = await createTestShop(h, {
        count: 90,
        customers: scored(90, day0()),
        shop: {
          faults: { throttledRate: 0.1, http500Rate: 0.05, http503Rate: 0.05, seed: bulk ? "bulk-8" : "online" },
          // This seed's first draws are a 500, a 503 and a THROTTLED, so the bulk path's few requests meet them.
          bulk: { delayMs: 50 },
        },
      });
      const deps = { ...t.deps, fieldsPerRequest: 10, bulkThreshold: bulk ? 20 : 1000 };

      const first = await runWriteback(t.shopId, deps);
      await upsertScoredCustomers(t.db, t.shopId, scored(90, day0() + DAY, 3));
      const second = await runWriteback(t.shopId, deps);

      expect(first.customers.failed + second.customers.failed).toBe(0);
      const stats = t.shop.stats();
      expect(stats.faults.http500 + stats.faults.http503).toBeGreaterThan(0);
      expect(stats.faults.throttled).toBeGreaterThan(0);
      expect(first.throttled + second.throttled).toBe(stats.throttledCount);
      await expectStoreMatchesDatabase(t);
    });
  }

  it("GIVEN a small bucket WHEN written back online THEN requests are paced and THROTTLED stays rare", async () => {
    const t = await createTestShop(h, { count: 120, customers: scored(120, day0()), shop: { throttle: { maximumAvailable: 300, restoreRate: 50 } } });

    // Default batches would cost 1,000 points; they shrink to what the 300-point bucket can hold.
    const report = await runWriteback(t.shopId, t.deps);

    expect(report.throttled).toBe(0);
    expect(report.throttleWaitMs).toBeGreaterThan(0);
    await expectStoreMatchesDatabase(t);
  });
});
