/**
 * The job runner of the test's engine: the embedded one on SQLite (`npm test`), pg-boss on
 * PostgreSQL (`npm run test:pg`), as the app's services pick them. Stopped after the file.
 */
import { afterAll } from "vitest";
import { isSqlite, type Db } from "~/db/index.server";
import { createPgBossRunner } from "~/jobs/pg-boss.server";
import { createJobQueue, createJobRunner } from "~/jobs/queue.server";
import type { JobHandler, JobQueue, JobRunner, JobType } from "~/jobs/types";

const runners: JobRunner[] = [];
afterAll(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

export interface TestRunnerOptions {
  handlers?: Partial<Record<JobType, JobHandler>>;
  /** Attempts before a job is failed for good (both runners' default: 6). */
  maxAttempts?: number;
}

export function jobRunnerOf(db: Db, { handlers = {}, maxAttempts }: TestRunnerOptions = {}): JobRunner {
  const runner = isSqlite(db)
    ? createJobRunner({ db, handlers, maxAttempts })
    : createPgBossRunner({ db: db as never, handlers, retryLimit: maxAttempts === undefined ? undefined : maxAttempts - 1 });
  runners.push(runner);
  return runner;
}

/** The queue of the test's engine, not running jobs: tests read what was queued with queuedJobs. */
export function jobQueueOf(db: Db): JobQueue {
  return isSqlite(db) ? createJobQueue(db) : jobRunnerOf(db).queue;
}
