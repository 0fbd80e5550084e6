import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import prisma, { createPrismaClient, pgPool } from "~/db.server";
import { freshPostgresDatabase, postgresAdminUrl } from "../support/postgres";

// Session storage (PrismaSessionStorage) on PostgreSQL: test/foundation/session-storage.test.ts,
// which npm run test:pg runs too.

afterAll(() => prisma.$disconnect());

async function order(shopId: string, id: string, totalMinor: bigint) {
  return prisma.order.create({
    data: { shopId, id, processedAt: new Date("2026-03-01T10:00:00.123Z"), updatedAt: new Date(), currency: "IDR", totalMinor },
  });
}

describe("Prisma on PostgreSQL (DATABASE_URL=postgresql://…)", () => {
  it("GIVEN the app's Prisma client WHEN it writes and reads a shop THEN it talks to PostgreSQL through the process's shared pool", async () => {
    const created = await prisma.shop.create({ data: { id: "shop_pg", domain: "pg.myshopify.com" } });

    const read = await prisma.shop.findUniqueOrThrow({ where: { id: "shop_pg" } });
    const [db] = await prisma.$queryRawUnsafe<{ name: string }[]>("SELECT current_database()::text AS name");

    expect(read).toEqual(created);
    expect(process.env.DATABASE_URL).toMatch(/^postgresql:\/\/.*\/test_/);
    expect(`/${db.name}`).toBe(new URL(process.env.DATABASE_URL!).pathname);
    expect(pgPool().totalCount).toBeGreaterThan(0);
  });

  it("GIVEN an order worth more than 2^31 minor units WHEN stored and summed THEN nothing overflows", async () => {
    await order("shop_pg", "o-big-1", 3_000_000_000n);
    await order("shop_pg", "o-big-2", 4_000_000_000n);

    const read = await prisma.order.findUniqueOrThrow({ where: { shopId_id: { shopId: "shop_pg", id: "o-big-1" } } });
    const sum = await prisma.order.aggregate({ where: { shopId: "shop_pg" }, _sum: { totalMinor: true } });

    expect(read.totalMinor).toBe(3_000_000_000n);
    expect(read.processedAt.toISOString()).toBe("2026-03-01T10:00:00.123Z");
    expect(sum._sum.totalMinor).toBe(7_000_000_000n);
  });
});

describe("the shared pg pool reads like SQLite's raw SQL", () => {
  it("GIVEN bigint, numeric sums and timestamps WHEN read through the pool THEN they are JS numbers, times as epoch milliseconds", async () => {
    const shop = await prisma.shop.findUniqueOrThrow({ where: { id: "shop_pg" } });

    const { rows } = await pgPool().query(
      `SELECT count(*) AS n, sum("totalMinor") AS total, max("processedAt") AS last, (SELECT "installedAt" FROM "Shop" WHERE id = $1) AS installed
         FROM "Order" WHERE "shopId" = $1`,
      ["shop_pg"],
    );

    expect(rows[0]).toEqual({ n: 2, total: 7_000_000_000, last: Date.parse("2026-03-01T10:00:00.123Z"), installed: shop.installedAt.getTime() });
  });

  it("GIVEN an int8 beyond 2^53 WHEN read through the pool THEN it fails loudly instead of rounding", async () => {
    await expect(pgPool().query("SELECT 9007199254740993::bigint AS n")).rejects.toThrow(/beyond 2\^53/);
  });

  it("GIVEN a database whose default time zone is not UTC WHEN the app connects THEN its sessions run in UTC and defaults store UTC", async () => {
    const url = await freshPostgresDatabase();
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${name}" SET TimeZone = 'Pacific/Auckland'`);
    await admin.end();
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    const plainZone = (await plain.query("SHOW TimeZone")).rows[0].TimeZone;
    await plain.end();
    const client = createPrismaClient(url);

    const before = Date.now();
    await client.shop.create({ data: { id: "shop_tz", domain: "tz.myshopify.com" } });
    await pgPool(url).query(`INSERT INTO "RedactedCustomer" ("shopId", "customerKey") VALUES ('shop_tz', 'c1')`);
    const after = Date.now();
    const zone = (await pgPool(url).query("SHOW TimeZone")).rows[0].TimeZone;
    const { rows } = await pgPool(url).query(`SELECT "redactedAt" AS at FROM "RedactedCustomer"`);
    const shop = await client.shop.findUniqueOrThrow({ where: { id: "shop_tz" } });
    await client.$disconnect();

    expect(plainZone).toBe("Pacific/Auckland");
    expect(zone).toBe("UTC");
    // A column default (CURRENT_TIMESTAMP) written in the session's zone reads back as now.
    expect(rows[0].at).toBeGreaterThanOrEqual(before - 1);
    expect(rows[0].at).toBeLessThanOrEqual(after + 1);
    expect(shop.installedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(shop.installedAt.getTime()).toBeLessThanOrEqual(after + 1);
  });
});
