/**
 * customers/data_request exports reach the merchant: listed in the dashboard's sync status,
 * downloadable in the app (authenticated, shop-scoped), gone after 30 days.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { pruneOldRows } from "~/housekeeping/prune.server";
import { loader as dashboard } from "~/routes/app._index";
import { loader as download } from "~/routes/app.data-requests.$id";
import { services } from "~/services.server";
import { addShop, appRequest, args, BROWSER, resetDatabase, run, storeOfflineSession } from "../routes/support";
import { deliverWebhook, restOrder, signedWebhook } from "../support/webhooks";

const ALPHA = "alpha.myshopify.com";
const BETA = "beta.myshopify.com";
const DAY = 86_400_000;

const deliver = deliverWebhook;

const dataRequest = (shop: string, requestId: number, customerId = 1) =>
  signedWebhook("customers/data_request", shop, {
    shop_id: 1,
    shop_domain: shop,
    customer: { id: customerId, email: `c${customerId}@example.com`, phone: null },
    orders_requested: [101],
    data_request: { id: requestId },
  });

beforeEach(async () => {
  await resetDatabase();
  await addShop(ALPHA);
  await addShop(BETA);
  await storeOfflineSession(ALPHA);
  await storeOfflineSession(BETA);
  await deliver(signedWebhook("orders/create", ALPHA, restOrder(101, 1, { total_price: "40.00" })));
  await deliver(signedWebhook("orders/create", ALPHA, restOrder(102, 2)));
});

const listed = async (shop: string) => {
  const out = await run(async () => dashboard(args(await appRequest("/app", shop))));
  expect(out.status).toBe(200);
  return out.data.status.dataRequests as { id: number; requestId: string; customerKey: string; createdAt: string; expiresAt: string }[];
};

describe("customers/data_request exports", () => {
  it("GIVEN a data request WHEN the dashboard loads THEN its sync status lists it, expiring 30 days after it arrived", async () => {
    const before = Date.now();
    expect((await deliver(dataRequest(ALPHA, 9001))).status).toBe(200);

    const requests = await listed(ALPHA);

    expect(requests).toEqual([
      expect.objectContaining({ requestId: "9001", customerKey: "gid://shopify/Customer/1" }),
    ]);
    const ttl = Date.parse(requests[0].expiresAt) - Date.parse(requests[0].createdAt);
    expect(ttl).toBe(30 * DAY);
    expect(Date.parse(requests[0].createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await listed(BETA)).toEqual([]);
  });

  it("GIVEN a listed export WHEN the app fetches it with its session token THEN it downloads as JSON with the customer's orders and lines", async () => {
    await deliver(dataRequest(ALPHA, 9002));
    const [{ id }] = await listed(ALPHA);

    const out = await run(async () => download(args(await appRequest(`/app/data-requests/${id}`, ALPHA), { id: String(id) })));

    expect(out.status).toBe(200);
    expect(out.headers.get("Content-Disposition")).toBe('attachment; filename="customer-data-request-9002.json"');
    expect(out.headers.get("Cache-Control")).toBe("no-store");
    const body = JSON.parse(await out.response!.text());
    expect(body.customerKey).toBe("gid://shopify/Customer/1");
    expect(body.orders).toEqual([
      expect.objectContaining({ id: "gid://shopify/Order/101", totalMinor: 4000, lineItems: [expect.objectContaining({ quantity: 2 })] }),
    ]);
  });

  it("GIVEN an export of one shop WHEN another shop's session asks for its id THEN 404", async () => {
    await deliver(dataRequest(ALPHA, 9003));
    const [{ id }] = await listed(ALPHA);

    const out = await run(async () => download(args(await appRequest(`/app/data-requests/${id}`, BETA), { id: String(id) })));

    expect(out.status).toBe(404);
  });

  it("GIVEN no session token WHEN the export is requested THEN it is not served", async () => {
    await deliver(dataRequest(ALPHA, 9004));
    const [{ id }] = await listed(ALPHA);
    const request = new Request(`https://rfm.test/app/data-requests/${id}?shop=${ALPHA}`, { headers: { "User-Agent": BROWSER } });

    const out = await run(() => download(args(request, { id: String(id) })));

    expect(out.status).not.toBe(200);
    expect(out.response ? await out.response.text() : "").not.toContain("gid://shopify/Order/101");
  });

  it("GIVEN a malformed id WHEN requested THEN 400 naming the id", async () => {
    const out = await run(async () => download(args(await appRequest(`/app/data-requests/abc`, ALPHA), { id: "abc" })));

    expect(out.status).toBe(400);
    expect(out.data.errors).toEqual({ id: "must be a number" });
  });

  it("GIVEN an export past its 30 days WHEN listed, downloaded or pruned THEN it is not offered, not served, then deleted", async () => {
    await deliver(dataRequest(ALPHA, 9005));
    const [{ id }] = await listed(ALPHA);
    const { db } = services();
    await db.prepare(`UPDATE "DataRequest" SET createdAt = ?, expiresAt = ? WHERE id = ?`).run(new Date(Date.now() - 31 * DAY), new Date(Date.now() - DAY), id);

    expect(await listed(ALPHA)).toEqual([]);
    const out = await run(async () => download(args(await appRequest(`/app/data-requests/${id}`, ALPHA), { id: String(id) })));
    expect(out.status).toBe(404);

    await pruneOldRows(db, new Date());
    expect(await db.prepare(`SELECT count(*) FROM "DataRequest"`).pluck().get()).toBe(0);
  });

  it("GIVEN an export of a customer WHEN that customer is redacted THEN the export is gone", async () => {
    await deliver(dataRequest(ALPHA, 9006, 1));
    await deliver(dataRequest(ALPHA, 9007, 2));

    await deliver(
      signedWebhook("customers/redact", ALPHA, { shop_id: 1, shop_domain: ALPHA, customer: { id: 1, email: "c1@example.com" }, orders_to_redact: [101] }),
    );

    expect((await listed(ALPHA)).map((r) => r.requestId)).toEqual(["9007"]);
  });
});
