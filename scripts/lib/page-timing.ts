/** How the page benches time a call and print it: p50/p95 of `runs` calls after a warm one. */

/** The p-th percentile (nearest rank) of ascending figures. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface Timing {
  p50: number;
  p95: number;
}

/**
 * `settle`, when given, runs after each call and outside its time: for work the call leaves
 * running (a page's streamed parts), so that it does not overlap the next call.
 */
export async function timeRuns<T>(runs: number, fn: () => Promise<T>, settle?: (result: T) => Promise<unknown>): Promise<Timing> {
  await settle?.(await fn()); // warm: statements prepared, pages cached, as a serving process has them
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const result = await fn();
    ms.push(performance.now() - s);
    await settle?.(result);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

/** `label  p50 … ms  p95 … ms  (goal p95 ≤ N ms: met|MISSED)`: the line scripts/bench-pages.test.ts reads. */
export function timingLine(label: string, { p50, p95 }: Timing, goalMs: number): string {
  return `${label.padEnd(52)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  (goal p95 ≤ ${goalMs} ms: ${p95 <= goalMs ? "met" : "MISSED"})`;
}
