/**
 * Which write transactions a recompute holds SQLite's lock for, and how long: with
 * RFM_TRACE_WRITES naming a file, every write transaction the scoring thread opens appends a
 * line `{"label", "start" (epoch ms), "ms"}` to it, so `npm run bench:responsiveness --
 * --trace` can line slow webhook acks up with the holds that made them wait (decision 045).
 * Off (no file, no cost beyond one check) unless the variable is set.
 */
import { appendFileSync } from "node:fs";

const file = process.env.RFM_TRACE_WRITES;
const now = () => performance.timeOrigin + performance.now();

function record(label: string, start: number): void {
  appendFileSync(file!, `${JSON.stringify({ label, start, ms: now() - start })}\n`);
}

/** fn, timed under `label` when tracing (call it inside the transaction, after BEGIN got the lock). */
export function traced<A extends unknown[], T>(label: string, fn: (...args: A) => T): (...args: A) => T {
  if (!file) return fn;
  return (...args: A) => {
    const start = now();
    const result = fn(...args);
    if (result instanceof Promise) return result.finally(() => record(label, start)) as T;
    record(label, start);
    return result;
  };
}
