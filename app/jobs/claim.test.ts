/**
 * Claiming the next job on SQLite while one shop has a backlog of due jobs (a webhook burst's
 * re-reads queue one per order, and a shop runs one job at a time): the backlog is skipped with
 * one look at the running jobs, not a search of the busy shop's rows per waiting job.
 */
import { describe, expect, it } from "vitest";
import { legacySync } from "~/db/sqlite.server";
import { addShop, freshDatabase, onPostgres } from "../../test/support/db";
import { NEXT_DUE_SQL } from "./queue.server";

describe.skipIf(onPostgres())("claiming the next due job (embedded queue)", () => {
  it("GIVEN a busy shop with 500 due jobs and another shop's due job WHEN the next job is chosen THEN it is the other shop's, and the busy shops are listed once, not per waiting job", async () => {
    const { db } = await freshDatabase();
    const busy = await addShop(db, "busy.myshopify.com");
    const idle = await addShop(db, "idle.myshopify.com");
    const native = legacySync(db);
    const insert = native.prepare(
      `INSERT INTO "Job" (id, shopId, type, key, status, payload, runAt, attempts, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, '{}', ?, 0, 0, 0)`,
    );
    insert.run(1, busy, "refresh-order", "r", "running", 1);
    for (let i = 0; i < 500; i++) insert.run(2 + i, busy, "refresh-order", `o${i}`, "pending", 10 + i);
    insert.run(1_000, idle, "recompute", "", "pending", 1_000);

    const next = native.prepare(NEXT_DUE_SQL).get(2_000) as { id: number };
    // The busy shop's store-write lane is free: its due write-back (earliest) can be taken.
    insert.run(999, busy, "writeback", "", "pending", 999);
    const afterWriteback = native.prepare(NEXT_DUE_SQL).get(2_000) as { id: number };
    const plan = (native.prepare(`EXPLAIN QUERY PLAN ${NEXT_DUE_SQL}`).all(2_000) as { detail: string }[]).map((r) => r.detail);

    expect(next.id).toBe(1_000);
    expect(afterWriteback.id).toBe(999);
    expect(plan.some((d) => d.startsWith("CORRELATED"))).toBe(false);
  });
});
