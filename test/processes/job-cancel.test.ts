import { describe, expect, it } from "vitest";
import { createJobRunner } from "~/jobs/queue.server";
import { services } from "~/services.server";
import { addShop } from "../support/db";
import { signedWebhook, deliverWebhook } from "../support/webhooks";

const SHOP = "cancel.myshopify.com";

const deliver = deliverWebhook;

describe("a job cancelled by an uninstall while it runs", () => {
  it("GIVEN a running write-back WHEN a signed app/uninstalled arrives and the job then finishes THEN the job stays cancelled", async () => {
    const { db } = services();
    const shopId = await addShop(db, SHOP);
    let uninstall: Response | undefined;
    const runner = createJobRunner({
      db,
      handlers: {
        writeback: async () => {
          uninstall = await deliver(signedWebhook("app/uninstalled", SHOP, { id: 1, domain: SHOP }));
        },
      },
    });
    await runner.enqueue("writeback", shopId);

    expect(await runner.drain()).toBe(1);

    expect(uninstall?.status).toBe(200);
    expect(await db.prepare(`SELECT status FROM "Job" WHERE shopId = ?`).pluck().get(shopId)).toBe("cancelled");
  });
});
