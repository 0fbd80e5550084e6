import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, describe, expect, it } from "vitest";
import prisma from "~/db.server";

afterAll(() => prisma.$disconnect());

function offlineSession(shop: string, id = `offline_${shop}`) {
  return new Session({
    id,
    shop,
    state: "state-1",
    isOnline: false,
    scope: "read_orders,read_customers,write_customers",
    accessToken: `shpat_${shop}`,
    expires: new Date(Date.now() + 3600_000),
  });
}

describe("PrismaSessionStorage on the app's SQLite database", () => {
  const storage = new PrismaSessionStorage(prisma);

  it("GIVEN a stored offline session WHEN loaded THEN it equals what was stored", async () => {
    const session = offlineSession("alpha.myshopify.com");

    expect(await storage.storeSession(session)).toBe(true);
    const loaded = await storage.loadSession(session.id);

    expect(loaded).toBeDefined();
    expect(loaded!.toObject()).toEqual(session.toObject());
    expect(loaded!.isActive(session.scope)).toBe(true);
  });

  it("GIVEN sessions of two shops WHEN finding by shop THEN only that shop's sessions come back", async () => {
    await storage.storeSession(offlineSession("beta.myshopify.com"));
    await storage.storeSession(offlineSession("beta.myshopify.com", "beta-online-1"));
    await storage.storeSession(offlineSession("gamma.myshopify.com"));

    const found = await storage.findSessionsByShop("beta.myshopify.com");

    expect(found.map((s) => s.id).sort()).toEqual(["beta-online-1", "offline_beta.myshopify.com"]);
  });

  it("GIVEN a stored session WHEN deleted THEN it can no longer be loaded", async () => {
    const session = offlineSession("delta.myshopify.com");
    await storage.storeSession(session);

    expect(await storage.deleteSession(session.id)).toBe(true);

    expect(await storage.loadSession(session.id)).toBeUndefined();
  });
});
