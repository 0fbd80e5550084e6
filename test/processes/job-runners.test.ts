/**
 * The job queue across real processes on one SQLite file: per-shop exclusion, exactly-once,
 * kill -9 mid-job, poison jobs, SIGTERM mid-job.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createJobQueue, failedJobs } from "~/jobs/queue.server";
import { legacySync } from "~/db/sqlite.server";
import { addShop, freshDatabase, onPostgres } from "../support/db";
import { exitWithin, runTs, waitFor, type Child } from "./support";

type Native = ReturnType<typeof legacySync>;

const RUNNER = "test/processes/fixtures/job-runner.ts";
const children: Child[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
});

/** The embedded runner's multi-process behaviour: SQLite only (pg-boss has its own tests). */
async function setup() {
  const { db: seam, url } = await freshDatabase();
  const db = legacySync(seam);
  db.exec(`CREATE TABLE ProbeRun (tag TEXT, shopId TEXT, pid INTEGER, attempt INTEGER, phase TEXT);
           CREATE TABLE ProbeBusy (shopId TEXT PRIMARY KEY);`);
  return { db, seam, file: url.replace(/^file:/, ""), queue: createJobQueue(seam) };
}

function runner(file: string, env: Record<string, string> = {}): Child {
  const child = runTs(RUNNER, { RFM_DB: file, ...env });
  children.push(child);
  return child;
}

const runs = (db: Native, phase: string) =>
  db.prepare(`SELECT tag, pid, attempt FROM ProbeRun WHERE phase = ? ORDER BY rowid`).all(phase) as { tag: string; pid: number; attempt: number }[];
const job = (db: Native) =>
  db.prepare(`SELECT status, attempts, owner, lastError FROM "Job"`).get() as { status: string; attempts: number; owner: string | null; lastError: string | null };

describe.skipIf(onPostgres())("job runners in several processes on one database", () => {
  it("GIVEN two runner processes and 48 jobs for 4 shops WHEN they run THEN every job runs exactly once and no shop ever has two jobs of one lane running at once", async () => {
    const { db, seam, file, queue } = await setup();
    const shops: string[] = [];
    for (const s of ["a", "b", "c", "d"]) shops.push(await addShop(seam, `${s}.myshopify.com`));
    const tags: string[] = [];
    for (let i = 0; i < 12; i++) {
      for (const shop of shops) {
        const tag = `${shop}-${i}`;
        tags.push(tag);
        await queue.enqueue(i % 2 ? "recompute" : "writeback", shop, { key: tag, payload: { tag, sleepMs: 5 + ((i * 7) % 20) } });
      }
    }

    const [one, two] = [runner(file), runner(file)];
    await Promise.all([one.ready, two.ready]);
    await waitFor("every job done", () => (db.prepare(`SELECT count(*) FROM "Job" WHERE status != 'done'`).pluck().get() as number) === 0, 60_000);
    one.process.kill("SIGTERM");
    two.process.kill("SIGTERM");

    expect(await exitWithin(one, 30_000)).toEqual({ code: 0, signal: null });
    expect(await exitWithin(two, 30_000)).toEqual({ code: 0, signal: null });
    expect(runs(db, "overlap")).toEqual([]);
    expect(runs(db, "start").map((r) => r.tag).sort()).toEqual([...tags].sort());
    expect(runs(db, "end").map((r) => r.tag).sort()).toEqual([...tags].sort());
    expect(db.prepare(`SELECT DISTINCT attempts FROM "Job"`).pluck().all()).toEqual([1]);
  });

  it("GIVEN a runner killed with SIGKILL mid-job WHEN another runner polls THEN the job is retaken after its lease and counts a second attempt", async () => {
    const { db, seam, file, queue } = await setup();
    const shop = await addShop(seam);
    await queue.enqueue("backfill", shop, { payload: { tag: "export", hangOnAttempt: 1 } });

    const doomed = runner(file, { LEASE_MS: "1000" });
    await waitFor("the job started", () => runs(db, "start").length === 1);
    doomed.process.kill("SIGKILL");
    expect(await exitWithin(doomed, 30_000)).toEqual({ code: null, signal: "SIGKILL" });
    expect(job(db)).toMatchObject({ status: "running", attempts: 1 });

    const heir = runner(file, { LEASE_MS: "1000" });
    await waitFor("the job done", () => job(db).status === "done");

    expect(runs(db, "start")).toEqual([
      { tag: "export", pid: doomed.pid, attempt: 1 },
      { tag: "export", pid: heir.pid, attempt: 2 },
    ]);
    expect(job(db)).toEqual({ status: "done", attempts: 2, owner: null, lastError: null });
    heir.process.kill("SIGTERM");
    expect(await exitWithin(heir, 30_000)).toEqual({ code: 0, signal: null });
  });

  it("GIVEN a job that kills its process every time WHEN runners keep retaking it THEN it stops after the attempt limit as failed, and the dashboard's list shows it", async () => {
    const { db, seam, file, queue } = await setup();
    const shop = await addShop(seam);
    await queue.enqueue("writeback", shop, { payload: { tag: "poison", killAlways: true } });

    const env = { LEASE_MS: "300", MAX_ATTEMPTS: "3" };
    for (let i = 0; i < 3; i++) {
      const victim = runner(file, env);
      expect(await exitWithin(victim, 30_000)).toEqual({ code: null, signal: "SIGKILL" });
    }
    const survivor = runner(file, env);
    await waitFor("the job failed", () => job(db).status === "failed");
    survivor.process.kill("SIGTERM");
    expect(await exitWithin(survivor, 30_000)).toEqual({ code: 0, signal: null });

    expect(runs(db, "start").map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(job(db)).toMatchObject({ status: "failed", attempts: 3, owner: null });
    expect(job(db).lastError).toMatch(/never finished/);
    expect(await failedJobs(seam, shop)).toEqual([expect.objectContaining({ type: "writeback", attempts: 3 })]);
  });

  it("GIVEN SIGTERM while a job runs WHEN the job ends within the bound THEN it finishes and the process exits 0", async () => {
    const { db, seam, file, queue } = await setup();
    const shop = await addShop(seam);
    await queue.enqueue("sweep", shop, { payload: { tag: "sweep", sleepMs: 1500 } });

    const child = runner(file);
    await waitFor("the job started", () => runs(db, "start").length === 1);
    child.process.kill("SIGTERM");

    expect(await exitWithin(child, 30_000)).toEqual({ code: 0, signal: null });
    expect(runs(db, "end").map((r) => r.tag)).toEqual(["sweep"]);
    expect(job(db)).toMatchObject({ status: "done", attempts: 1, owner: null });
  });

  it("GIVEN SIGTERM while a job runs past the bound WHEN the bound passes THEN the process exits 0 and hands the job back, and another process runs it", async () => {
    const { db, seam, file, queue } = await setup();
    const shop = await addShop(seam);
    await queue.enqueue("recompute", shop, { payload: { tag: "long", hangOnAttempt: 1 } });

    const child = runner(file, { SHUTDOWN_MS: "500" });
    await waitFor("the job started", () => runs(db, "start").length === 1);
    child.process.kill("SIGTERM");

    // The bound is 0.5 s; the generous margin only keeps a busy machine from failing the test.
    expect(await exitWithin(child, 20_000)).toEqual({ code: 0, signal: null });
    expect(job(db)).toMatchObject({ status: "pending", attempts: 0, owner: null });

    const next = runner(file, { HANG: "0" });
    await waitFor("the job done", () => job(db).status === "done");
    expect(runs(db, "end")).toEqual([{ tag: "long", pid: next.pid, attempt: 1 }]);
    next.process.kill("SIGTERM");
    expect(await exitWithin(next, 30_000)).toEqual({ code: 0, signal: null });
  });
});
