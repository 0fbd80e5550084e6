import { describe, expect, it } from "vitest";
import { createJobRunner } from "~/jobs/queue.server";
import { action } from "~/routes/webhooks";
import { services } from "~/services.server";
import { addShop } from "../support/db";
import { signedWebhook } from "../support/webhooks";

const SHOP = "cancel.myshopify.com";

async function deliver(request: Request): Promise<Response> {
  try {
    return await action({ request, params: {}, context: {} });
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
}

describe("a job cancelled by an uninstall while it runs", () => {
  it("GIVEN a running write-back WHEN a signed app/uninstalled arrives and the job then finishes THEN the job stays cancelled", async () => {
    const { db } = services();
    const shopId = addShop(db, SHOP);
    let uninstall: Response | undefined;
    const runner = createJobRunner({
      db,
      handlers: {
        writeback: async () => {
          uninstall = await deliver(signedWebhook("app/uninstalled", SHOP, { id: 1, domain: SHOP }));
        },
      },
    });
    runner.enqueue("writeback", shopId);

    expect(await runner.drain()).toBe(1);

    expect(uninstall?.status).toBe(200);
    expect(db.prepare(`SELECT status FROM "Job" WHERE shopId = ?`).pluck().get(shopId)).toBe("cancelled");
  });
});
