/**
 * Each scoring thread's young generation is capped: V8 sizes it from the machine's memory
 * (48 MB here), and a recompute's read makes a short-lived value per order and column, so the
 * young generation filled to its cap and stayed there, ~90 MB above what the recompute holds.
 * 12 MB took a 1M-order shop's first and daily recompute from ~400 MB to ~300 MB peak RSS at
 * the same speed (docs/decisions/062-scoring-thread-memory.md; npm run bench:recompute runs
 * them on such a thread). A module of its own so the benchmark's main thread loads nothing else.
 */
export const SCORING_THREAD_LIMITS = { maxYoungGenerationSizeMb: 12 } as const;
