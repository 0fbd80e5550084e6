/**
 * The neutral write-back core over a store that is not Shopify: a stand-in store that
 * carries fields only (as WooCommerce meta does) — no labels, segments or triggers, no
 * resume. Capabilities decide what a run does; the shop's platform name does not.
 */
import { describe, expect, it } from "vitest";
import type { WriteSession, WriterCapabilities } from "~/platforms/types";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { removeAllPersonaData, runWriteback } from "./run.server";
import { parseWritten } from "./state";
import { loadCustomers } from "./store.server";

const PLACE = "_rfm";
const FIELDS_ONLY: WriterCapabilities = { labels: false, fields: true, segments: false, personaChangedTrigger: false };

/** A store keyed "wc:<n>", holding per customer the fields it was sent; one request per write call. */
function metaStore() {
  const customers = new Map<string, Record<string, string>>();
  let requests = 0;
  const labelsSent: string[] = [];
  const session: WriteSession = {
    capabilities: FIELDS_ONLY,
    fieldPlace: PLACE,
    isWritable: (key) => /^wc:\d+$/.test(key),
    modeFor: () => "online",
    async write(jobs, _run, record) {
      requests++;
      for (const job of jobs) {
        labelsSent.push(...job.plan.labelsAdd, ...job.plan.labelsRemove);
        const meta = { ...customers.get(job.customerKey) };
        for (const f of job.plan.fieldsDelete) delete meta[`${f.place}.${f.key}`];
        for (const f of job.plan.fieldsSet) meta[`${f.place}.${f.key}`] = f.value;
        customers.set(job.customerKey, meta);
      }
      await record(jobs.map((j) => ({ customerKey: j.customerKey, written: { ...j.target }, status: "ok", error: null })));
      return { written: jobs.length, failed: 0, errors: [], triggers: [] };
    },
    traffic: () => ({ requests, costPoints: 0, throttled: 0, retries: 0, waitedMs: 0 }),
  };
  return { session, customers, labelsSent };
}

const T0 = Date.parse("2026-11-01T06:00:00Z");

interface Scored {
  customerKey: string;
  guest?: boolean;
  persona: string | null;
  previousPersona?: string | null;
}

const scored = (n: number, persona: string | null, previousPersona: string | null = null): Scored => ({
  customerKey: `wc:${n}`,
  persona,
  previousPersona,
});

/** Customers as recompute leaves them: scores 4-3-2, scored and in their persona since T0. */
async function upsertScoredCustomers(db: Db, shopId: string, customers: readonly Scored[]): Promise<void> {
  const stmt = db.prepare(`
    INSERT INTO "Customer" (shopId, customerKey, guest, frequency, monetaryMinor, r, f, m, persona, previousPersona, personaSince, scoredAt)
    VALUES (?, ?, ?, 1, 100, 4, 3, 2, ?, ?, ?, ?)
    ON CONFLICT (shopId, customerKey) DO UPDATE SET persona = excluded.persona, previousPersona = excluded.previousPersona`);
  await db.transaction(async () => {
    for (const c of customers) await stmt.run(shopId, c.customerKey, c.guest ?? false, c.persona, c.previousPersona ?? null, new Date(T0), new Date(T0));
  });
}

async function wooShop() {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "meta-store.example", { platform: "woocommerce" });
  await upsertScoredCustomers(db, shopId, [
    scored(1, "champions"),
    scored(2, "at-risk"),
    scored(3, null),
    { customerKey: "email:guest@example.com", guest: true, persona: "loyal" },
  ]);
  return { db, shopId };
}

describe("write-back core over a fields-only store", () => {
  it("GIVEN a WooCommerce shop and a fields-only writer WHEN written back THEN persona fields land in the writer's place, no labels are planned, guests are counted, the run is recorded", async () => {
    const { db, shopId } = await wooShop();
    const store = metaStore();

    const report = await runWriteback(shopId, store.session, { db, now: () => new Date(T0) });

    expect(report).toMatchObject({ status: "done", mode: "online", requests: 1, flowTriggers: { sent: 0, failed: 0 } });
    expect(report.customers).toMatchObject({ customers: 4, guests: 1, toWrite: 2, written: 2, unchanged: 1 });
    expect(store.labelsSent).toEqual([]);
    expect(store.customers.get("wc:1")).toMatchObject({ "_rfm.persona": "Champions", "_rfm.score": "432" });
    expect(store.customers.get("wc:2")).toMatchObject({ "_rfm.persona": "At Risk" });
    expect(store.customers.has("wc:3")).toBe(false);
    const run = await db.prepare(`SELECT status, mode, customersWritten, requests FROM "WritebackRun" WHERE id = ?`).get(report.runId);
    expect(run).toEqual({ status: "done", mode: "online", customersWritten: 2, requests: 1 });
  });

  it("GIVEN a persona change after the first run WHEN written back THEN only that customer is written and no trigger is owed (the writer has none)", async () => {
    const { db, shopId } = await wooShop();
    const store = metaStore();
    await runWriteback(shopId, store.session, { db, now: () => new Date(T0) });
    await upsertScoredCustomers(db, shopId, [scored(1, "at-risk", "champions")]);

    const report = await runWriteback(shopId, store.session, { db, now: () => new Date(T0) });

    expect(report.customers).toMatchObject({ toWrite: 1, written: 1 });
    expect(store.customers.get("wc:1")).toMatchObject({ "_rfm.persona": "At Risk", "_rfm.previous_persona": "Champions" });
    const written = parseWritten((await loadCustomers(db, shopId)).find((c) => c.customerKey === "wc:1")!.written)!;
    expect(written.trigger).toBeUndefined();
    expect(written.labels).toEqual([]);
  });

  it("GIVEN personas written WHEN all persona data is removed THEN every field we wrote is deleted", async () => {
    const { db, shopId } = await wooShop();
    const store = metaStore();
    await runWriteback(shopId, store.session, { db, now: () => new Date(T0) });

    const report = await removeAllPersonaData(shopId, store.session, { db, now: () => new Date(T0) });

    expect(report.customers).toMatchObject({ toWrite: 2, written: 2 });
    expect([...store.customers.values()]).toEqual([{}, {}]);
  });
});
