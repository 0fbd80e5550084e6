import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createPrismaClient, PRISMA_BUSY_TIMEOUT_MS } from "~/db.server";
import { sqlitePath } from "~/db/index.server";
import { addShop, freshDatabase } from "../support/db";

describe("Prisma's SQLite connection", () => {
  const clients: { $disconnect(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.$disconnect()));
  });

  it("GIVEN the app's Prisma client WHEN it connects THEN it waits for other writers (busy timeout) in WAL mode", async () => {
    const { url } = await freshDatabase();
    const prisma = createPrismaClient(url);
    clients.push(prisma);

    const [timeout] = await prisma.$queryRawUnsafe<{ timeout: bigint }[]>("PRAGMA busy_timeout");
    const [mode] = await prisma.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");

    expect(Number(Object.values(timeout)[0])).toBe(PRISMA_BUSY_TIMEOUT_MS);
    expect(mode.journal_mode).toBe("wal");
  });

  it("GIVEN a Prisma transaction that reads, then writes WHEN another connection writes in between THEN the transaction still commits", async () => {
    const { db, url } = await freshDatabase();
    const shopId = await addShop(db);
    const prisma = createPrismaClient(url);
    clients.push(prisma);
    // Another process's connection, impatient so that a lock it cannot take shows at once.
    const other = new Database(sqlitePath(url), { timeout: 0 });

    let otherWrite: string = "not tried";
    await prisma.$transaction(async (tx) => {
      await tx.shop.findUniqueOrThrow({ where: { id: shopId } });
      try {
        other.prepare(`UPDATE "Shop" SET name = 'other' WHERE id = ?`).run(shopId);
        otherWrite = "committed";
      } catch (err) {
        otherWrite = (err as { code?: string }).code ?? String(err);
      }
      await tx.shop.update({ where: { id: shopId }, data: { name: "prisma" } });
    });
    other.close();

    // BEGIN IMMEDIATE held the write lock from the start: the other writer had to wait
    // (here: refused, having no timeout) and the transaction's own write went through.
    // A deferred BEGIN lets the other write commit and then fails with SQLITE_BUSY_SNAPSHOT.
    expect(otherWrite).toBe("SQLITE_BUSY");
    expect(await db.prepare(`SELECT name FROM "Shop" WHERE id = ?`).pluck().get(shopId)).toBe("prisma");
  });
});
