/**
 * At LOG_LEVEL=debug each process logs how late its event loop ran, every LOOP_LOG_MS: a job
 * that waits in a queue it polls, or a webhook answered late, shows here when the process's
 * own thread was busy (or starved of CPU) rather than waiting on the database.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

export const LOOP_LOG_MS = 5_000;

export interface LoopDelay {
  role: string;
  pid: number;
  /** Milliseconds the loop ran late over the interval: median, 99th percentile, worst. */
  p50: number;
  p99: number;
  max: number;
  at: number;
}

/** Calls `log` every `everyMs` with the loop's delays since the last call; returns a stop. The timer never keeps the process alive. */
export function loopDelayLog(role: string, log: (delay: LoopDelay) => void, everyMs = LOOP_LOG_MS): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const timer = setInterval(() => {
    log({ role, pid: process.pid, p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), at: Date.now() });
    histogram.reset();
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}

let started = false;

/** The process log's `[loop]` lines; the first call names the process's role, later calls do nothing. */
export function logEventLoopDelay(role: string): void {
  if (started) return;
  started = true;
  loopDelayLog(role, (delay) => console.log(`[loop] ${JSON.stringify(delay)}`));
}
