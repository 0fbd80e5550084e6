/**
 * How a recompute shares SQLite's one write lock (decisions 013, 043): rows go in IMMEDIATE
 * transactions of at most `sliceMs` that end as soon as a writer of the process waits for the
 * lock, and that writer goes first before the next one begins.
 */
import type Database from "better-sqlite3";
import { letWaitersIn, someoneWaits } from "~/db/lock-waiters.server";
import { traced } from "./write-trace.server";

export interface WriteSlices {
  sliceMs: number;
  pauseMs: number;
  checkpoint?: boolean;
  /**
   * The process's lock-waiters signal (app/db/lock-waiters.server.ts): a slice also ends as
   * soon as a writer of the process waits for the lock, and the next one begins once it got in.
   */
  yieldTo?: Int32Array;
}

/**
 * In-process callers (CLI, benchmarks, tests): nobody in the process can wait meanwhile.
 * Transactions of up to 1 s, as on the scoring pool: every transaction of a large first write
 * dirties most leaf pages of the customer table's six B-trees again, so its commit and the
 * checkpoint after it cost about as much as its rows (decision 048); 250 ms transactions
 * wrote 2.6–3.0 GB for one 338k-customer first recompute, 1 s ones 1.7–1.8 GB. A writer in
 * another process, which cannot signal, waits up to this long.
 */
export const DEFAULT_SLICES: WriteSlices = { sliceMs: 1_000, pauseMs: 0, checkpoint: false };

/**
 * Yielding to the process's waiting writers never costs more than the short slices it
 * replaced (5 ms writing, 5 ms free): a transaction writes at least YIELD_AFTER_MS before it
 * commits for a waiter, and then leaves the lock to the waiters for at most YIELD_MAX_MS. A
 * steady stream of webhooks therefore slows a recompute to the old pace, never below it.
 */
const YIELD_AFTER_MS = 5;
export const YIELD_MAX_MS = 5;

/** Sleeps this thread without spinning (the scoring worker's own thread, never the web loop). */
export function pause(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface SlicedWriter {
  /**
   * Runs write(i) for i = 0 … to-1 in IMMEDIATE transactions of about sliceMs each (ending
   * early for a waiting writer), `endOfSlice` last in each, the lock left free between them.
   */
  write(label: string, to: number, write: (i: number) => void, endOfSlice?: () => void): void;
  /** Between two write transactions: leave the lock free (to waiters first), and keep the WAL short. */
  between(): void;
}

export function slicedWriter(native: Database.Database, { sliceMs, pauseMs, checkpoint, yieldTo }: WriteSlices): SlicedWriter {
  const between = () => {
    // Copy what this thread wrote into the database file now, so the WAL stays short and
    // another writer's commit does not inherit a long checkpoint (SQLite's auto-checkpoint
    // runs in whichever connection commits past 1000 pages).
    if (checkpoint) traced("checkpoint", () => native.pragma("wal_checkpoint(PASSIVE)"))();
    if (yieldTo) letWaitersIn(yieldTo, YIELD_MAX_MS);
    pause(pauseMs);
  };
  const yieldNow = yieldTo ? () => someoneWaits(yieldTo) : () => false;
  return {
    between,
    write(label, to, write, endOfSlice) {
      const slice = native.transaction(
        traced(label, (start: number): number => {
          const began = performance.now();
          const deadline = began + sliceMs;
          let i = start;
          while (i < to) {
            write(i++);
            if ((i & 31) === 0) {
              const now = performance.now();
              if (now >= deadline || (now - began >= YIELD_AFTER_MS && yieldNow())) break;
            }
          }
          endOfSlice?.();
          return i;
        }),
      ).immediate;
      for (let i = 0; i < to; ) {
        i = slice(i);
        if (i < to) between();
      }
    },
  };
}
