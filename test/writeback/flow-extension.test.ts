/**
 * The Flow trigger extension and the payloads the app sends must agree: every field of
 * the TOML is in the payload with the right type, and nothing else is.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOW_TRIGGER_HANDLE, flowPayload } from "~/platforms/shopify/writeback/flow";
import { runWriteback } from "~/platforms/shopify/writeback/writer.server";
import { upsertScoredCustomers } from "./sim-client";
import { createTestShop, scoredCustomer, startWritebackSim, type WritebackSim } from "./support";

interface TriggerField {
  type: string;
  key?: string;
  description?: string;
}
interface TriggerToml {
  extensions: { name: string; type: string; handle: string; description?: string }[];
  settings: { fields: TriggerField[] };
}

const toml = parse(
  readFileSync(path.join(__dirname, "../../extensions/rfm-persona-changed/shopify.extension.toml"), "utf8"),
) as unknown as TriggerToml;

/** Payload key and JSON type Flow expects for each field (https://shopify.dev/docs/apps/build/flow/triggers/reference). */
const REFERENCE_KEYS: Record<string, string> = { customer_reference: "customer_id", order_reference: "order_id", product_reference: "product_id" };
function expectedPayload(fields: TriggerField[]): Map<string, "number" | "string" | "boolean"> {
  const out = new Map<string, "number" | "string" | "boolean">();
  for (const f of fields) {
    if (f.type in REFERENCE_KEYS) out.set(REFERENCE_KEYS[f.type], "number");
    else if (f.type === "number_decimal") out.set(f.key!, "number");
    else if (f.type === "boolean") out.set(f.key!, "boolean");
    else out.set(f.key!, "string");
  }
  return out;
}

function expectValidPayload(payload: unknown): void {
  const expected = expectedPayload(toml.settings.fields);
  expect(typeof payload).toBe("object");
  const entries = Object.entries(payload as Record<string, unknown>);
  expect(entries.map(([k]) => k).sort()).toEqual([...expected.keys()].sort());
  for (const [key, value] of entries) expect(typeof value, key).toBe(expected.get(key));
  expect(Number.isInteger((payload as { customer_id: number }).customer_id)).toBe(true);
  expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(50_000);
}

describe("Flow trigger extension", () => {
  it("GIVEN the extension TOML WHEN read THEN it is a flow_trigger with a valid handle and a customer reference", async () => {
    const [extension] = toml.extensions;
    expect(extension).toMatchObject({ type: "flow_trigger", name: "RFM persona changed", handle: FLOW_TRIGGER_HANDLE });
    expect(extension.handle.length).toBeLessThanOrEqual(30);
    expect(extension.handle).toMatch(/^[a-z0-9-]+$/);
    expect(toml.settings.fields.filter((f) => f.type === "customer_reference")).toHaveLength(1);
    for (const f of toml.settings.fields.filter((f) => f.type !== "customer_reference")) {
      expect(f.key, "custom field keys are letters and spaces").toMatch(/^[A-Za-z ]+$/);
      expect(f.description).toBeTruthy();
    }
  });

  it("GIVEN a persona change WHEN its payload is built THEN it validates against the extension's fields", async () => {
    expectValidPayload(flowPayload("gid://shopify/Customer/7100000000004", { from: "Loyal", to: "At Risk", score: "152" }));
    expectValidPayload(flowPayload("gid://shopify/Customer/1", { from: "", to: "New Customers", score: "511" }));
  });

  describe("against the simulator", () => {
    let h: WritebackSim;
    beforeAll(async () => {
      h = await startWritebackSim();
    });
    afterAll(async () => {
      await h.sim.stop();
    });

    it("GIVEN customers changing persona WHEN written back THEN every trigger Flow received validates", async () => {
      const now = h.clock.now();
      const t = await createTestShop(h, { count: 30, customers: Array.from({ length: 30 }, (_, n) => scoredCustomer(n, now)) });
      await runWriteback(t.shopId, t.deps);
      await upsertScoredCustomers(t.db, t.shopId, Array.from({ length: 30 }, (_, n) => scoredCustomer(n, now + 86_400_000, n % 2)));

      const report = await runWriteback(t.shopId, t.deps);

      expect(report.flowTriggers.sent).toBeGreaterThan(5);
      expect(t.shop.flowTriggerCalls).toHaveLength(report.flowTriggers.sent);
      for (const call of t.shop.flowTriggerCalls) {
        expect(call.handle).toBe(FLOW_TRIGGER_HANDLE);
        expectValidPayload(call.payload);
      }
    });

    it("GIVEN many persona changes WHEN written back in bulk THEN the triggers go in a bulk operation and validate", async () => {
      const now = h.clock.now();
      const t = await createTestShop(h, { count: 40, customers: Array.from({ length: 40 }, (_, n) => scoredCustomer(n, now)) });
      await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });
      await upsertScoredCustomers(t.db, t.shopId, Array.from({ length: 40 }, (_, n) => scoredCustomer(n, now + 86_400_000, 1)));
      t.shop.resetStats();

      const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });

      expect(report.flowTriggers.sent).toBeGreaterThanOrEqual(10);
      expect(t.shop.stats().mutations).not.toContain("flowTriggerReceive");
      expect(t.shop.flowTriggerCalls).toHaveLength(report.flowTriggers.sent);
      for (const call of t.shop.flowTriggerCalls) expectValidPayload(call.payload);
    });

    it("GIVEN a crash while the bulk Flow operation runs WHEN run again THEN its results are read and no trigger fires twice", async () => {
      const now = h.clock.now();
      const t = await createTestShop(h, { count: 40, customers: Array.from({ length: 40 }, (_, n) => scoredCustomer(n, now)) });
      await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });
      await upsertScoredCustomers(t.db, t.shopId, Array.from({ length: 40 }, (_, n) => scoredCustomer(n, now + 86_400_000, 1)));
      // Three result files for the writes (tagsAdd, tagsRemove, metafieldsSet), then the Flow file: the process dies there.
      let downloads = 0;
      const dying = async (url: string) => (++downloads > 3 ? Promise.reject(new TypeError("process killed")) : fetch(url));
      await expect(runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10, fetchFile: dying })).rejects.toThrow(/process killed/);
      await t.shop.settle();
      const fired = t.shop.flowTriggerCalls.length;
      expect(fired).toBeGreaterThanOrEqual(10);

      const report = await runWriteback(t.shopId, { ...t.deps, bulkThreshold: 10 });

      expect(report.resumedRun).not.toBeNull();
      expect(report.flowTriggers.sent).toBe(0);
      expect(t.shop.flowTriggerCalls).toHaveLength(fired);
      const owed = await t.db.prepare(`SELECT count(*) AS n FROM "Customer" WHERE written LIKE '%"flow"%'`).get() as { n: number };
      expect(owed.n).toBe(0);
      const run = await t.db.prepare(`SELECT status, flowTriggers FROM "WritebackRun" WHERE id = ?`).get(report.resumedRun);
      expect(run).toEqual({ status: "done", flowTriggers: fired });
    });
  });
});
