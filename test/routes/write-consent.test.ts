/**
 * The write-back go-ahead through the routes, with real signed requests: the dashboard shows
 * the setup guide's summary and takes the approval; settings pause it and remove persona data.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { seedCustomer } from "~/dashboard/test/seed";
import { action as dashboardAction, loader as dashboardLoader } from "~/routes/app._index";
import { action as settingsAction } from "~/routes/app.settings/route";
import { services } from "~/services.server";
import { queuedJobs } from "../support/queued-jobs";
import { addShop, appRequest, args, formPost, resetDatabase, run, sessionToken, storeOfflineSession } from "./support";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
let alpha = "";
let beta = "";

beforeEach(async () => {
  await resetDatabase();
  alpha = await addShop(ALPHA, { writeConsent: "pending" });
  beta = await addShop(BETA, { writeConsent: "pending" });
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  const { db } = services();
  await seedCustomer(db, alpha, { customerKey: "gid://shopify/Customer/1", persona: "champions", r: 5, f: 5, m: 5, monetaryMinor: 10_000 });
  await seedCustomer(db, alpha, { customerKey: "gid://shopify/Customer/2", persona: "lost", r: 1, f: 1, m: 1, monetaryMinor: 500 });
  // Scored: the first scoring has finished.
  await db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = ? WHERE shopId IN (?, ?)`).run(new Date(), alpha, beta);
});

const consentOf = async (shopId: string) => await services().db.prepare(`SELECT writeConsent, writeConsentAt FROM "Shop" WHERE id = ?`).get(shopId) as { writeConsent: string; writeConsentAt: number | null };
const jobs = async () =>
  (await Promise.all([alpha, beta].map(async (shopId) => (await queuedJobs(services().db, shopId)).map(({ type, payload }) => ({ shopId, type, payload }))))).flat();
const approve = async (shop: string, fields: Record<string, string> = { intent: "approve-writeback" }) =>
  run(async () => dashboardAction(args(await formPost("/app?index", shop, fields))));

describe("the dashboard's setup guide", () => {
  it("GIVEN a scored shop that has not approved WHEN the dashboard loads THEN it carries the plan's summary: customers to tag, fields, segments, no trigger yet", async () => {
    const out = await run(async () => dashboardLoader(args(await appRequest("/app", ALPHA))));

    expect(out.status).toBe(200);
    expect(out.data.writebackConsent.consent).toEqual({ state: "pending", at: null });
    // Streamed: the page does not wait for the count.
    expect(out.data.writebackConsent.summary).toBeInstanceOf(Promise);
    expect(await out.data.writebackConsent.summary).toMatchObject({
      customers: 2,
      customersLabelled: 2,
      customersWithFields: 2,
      personaChangedTriggers: 0,
      carries: { labels: true, fields: true, segments: true, personaChangedTrigger: true },
    });
    expect((await out.data.writebackConsent.summary).segmentsToCreate).toHaveLength(11);
  });

  it("GIVEN a shop whose first scoring is still running WHEN the dashboard loads THEN the guide waits and nothing is counted; once scored it is", async () => {
    const { db, runner } = services();
    await db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = NULL WHERE shopId = ?`).run(alpha);
    await runner.queue.enqueue("recompute", alpha);

    const scoring = await run(async () => dashboardLoader(args(await appRequest("/app", ALPHA))));

    expect(scoring.data.status.busy).toBe("score");
    expect(scoring.data.writebackConsent.consent).toEqual({ state: "pending", at: null });
    expect(scoring.data.writebackConsent.summary).toBeNull();
    await db.prepare(`DELETE FROM "Job" WHERE shopId = ?`).run(alpha);
    await db.prepare(`UPDATE "SyncState" SET lastRecomputeAt = ? WHERE shopId = ?`).run(new Date(), alpha);
    const scored = await run(async () => dashboardLoader(args(await appRequest("/app", ALPHA))));
    expect((await scored.data.writebackConsent.summary).customers).toBe(2);
  });

  it("GIVEN a forged session token WHEN approving THEN 401 and nothing is recorded or queued", async () => {
    const forged = await sessionToken(ALPHA, "not-the-app-secret");
    const request = new Request("https://rfm.test/app?index", {
      method: "POST",
      headers: { Authorization: `Bearer ${forged}` },
      body: new URLSearchParams({ intent: "approve-writeback" }),
    });

    const out = await run(() => dashboardAction(args(request)));

    expect(out.status).toBe(401);
    expect((await consentOf(alpha)).writeConsent).toBe("pending");
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN an unknown intent or a body that is not a form WHEN posted THEN 400 naming the field, nothing recorded", async () => {
    const unknown = await approve(ALPHA, { intent: "write-everything" });
    const notAForm = await run(async () => dashboardAction(args(await appRequest("/app?index", ALPHA, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } }))));

    expect(unknown.status).toBe(400);
    expect(unknown.data.errors).toEqual({ intent: "must be approve-writeback" });
    expect(notAForm.status).toBe(400);
    expect((await consentOf(alpha)).writeConsent).toBe("pending");
    expect(await jobs()).toEqual([]);
  });

  it("GIVEN the guide WHEN the merchant approves THEN that shop's consent and its time are stored and a write-back is queued; the other shop still waits", async () => {
    const out = await approve(ALPHA);

    expect(out.data).toEqual({ approved: true });
    expect((await consentOf(alpha)).writeConsent).toBe("granted");
    expect((await consentOf(alpha)).writeConsentAt).toBeGreaterThan(Date.now() - 60_000);
    expect(await consentOf(beta)).toEqual({ writeConsent: "pending", writeConsentAt: null });
    expect(await jobs()).toEqual([{ shopId: alpha, type: "writeback", payload: "{}" }]);
    const reloaded = await run(async () => dashboardLoader(args(await appRequest("/app", ALPHA))));
    expect(reloaded.data.writebackConsent.summary).toBeNull();
  });
});

describe("settings: pause and remove", () => {
  it("GIVEN an approved shop WHEN the merchant pauses THEN consent is paused and the dashboard asks again", async () => {
    await approve(ALPHA);

    const out = await run(async () => settingsAction(args(await formPost("/app/settings", ALPHA, { intent: "pause" }))));

    expect(out.data).toEqual({ intent: "pause", paused: true });
    expect((await consentOf(alpha)).writeConsent).toBe("paused");
    const dashboard = await run(async () => dashboardLoader(args(await appRequest("/app", ALPHA))));
    expect(dashboard.data.writebackConsent.consent.state).toBe("paused");
    expect((await dashboard.data.writebackConsent.summary).customersLabelled).toBe(2);
  });

  it("GIVEN an approved shop WHEN the merchant confirms removal with the segments THEN write-back is paused as removed and the cleanup is queued with the segments", async () => {
    await approve(ALPHA);

    const out = await run(async () => settingsAction(args(await formPost("/app/settings", ALPHA, { intent: "remove", segments: "true" }))));

    expect(out.data).toEqual({ intent: "remove", removing: true });
    expect((await consentOf(alpha)).writeConsent).toBe("removed");
    expect(await jobs()).toContainEqual({ shopId: alpha, type: "cleanup", payload: JSON.stringify({ segments: true }) });
  });
});
