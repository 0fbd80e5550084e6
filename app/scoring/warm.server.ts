/**
 * Scoring states built ahead of need (decision 059). Each process that runs jobs keeps, per
 * shop, the scoring state its incremental recomputes start from; a process gets one from a
 * full recompute of its own, and with several worker processes the first recompute each one
 * ran for a shop was a full one (seconds for a large shop) while an order waited for it. So
 * every WARM_EVERY_MS a process looks at the shops scored within WARM_WINDOW_MS, whose orders
 * are arriving, and builds the states it lacks, one at a time, on a lane that has nothing
 * else to do: a warm-up never delays a recompute queued in this process.
 */
import type { Db } from "~/db/index.server";
import type { WarmResult } from "./incremental.server";
import { laneIdle, warmInWorker } from "./pool.server";

export const WARM_EVERY_MS = 5_000;
/** Shops scored within this long are kept warm. */
export const WARM_WINDOW_MS = 60 * 60_000;
/** At most this many shops per look, the most recently scored first. */
export const WARM_SHOPS = 50;

export interface WarmingDeps {
  db: Db;
  now?: () => Date;
  everyMs?: number;
  /** Told what each warm-up did (`held` is not told: nothing to say). */
  onWarm?: (shopId: string, result: WarmResult, ms: number) => void;
  /** Tests: the warm-up itself (default: on the shop's recompute lane). */
  warm?: (shopId: string) => Promise<WarmResult>;
  idle?: (shopId: string) => boolean;
}

/**
 * A state this process holds stays good while it can catch up (decision 054): until the shop
 * has been scored this many more times (the log keeps 64 generations), its warm-up is not
 * asked again — each ask opens a connection on the scoring thread.
 */
const RECHECK_AFTER_GENERATIONS = 32;

/** Shops whose states are worth having now, with their scoring generation. */
export async function shopsToWarm(db: Db, now: Date): Promise<{ shopId: string; generation: number }[]> {
  const rows = (await db
    .prepare(`SELECT shopId, scoringGeneration FROM "SyncState" WHERE scoringGeneration > 0 AND lastRecomputeAt >= ? ORDER BY lastRecomputeAt DESC LIMIT ?`)
    .raw()
    .all(new Date(now.getTime() - WARM_WINDOW_MS), WARM_SHOPS)) as [string, unknown][];
  return rows.map(([shopId, generation]) => ({ shopId, generation: Number(generation) }));
}

/** Per database: the generation at which each shop's state was last found held or built here. */
const holding = new WeakMap<Db, Map<string, number>>();

/** One look: builds what is missing on idle lanes; returns what each shop's warm-up did (skipped: its lane was busy; known: held here recently). */
export async function warmShops(deps: WarmingDeps): Promise<Map<string, WarmResult | "skipped" | "known">> {
  const now = () => deps.now?.() ?? new Date();
  const warm = deps.warm ?? (async (shopId: string) => (await warmInWorker(shopId, { db: deps.db, now })).result);
  const idle = deps.idle ?? laneIdle;
  const held = holding.get(deps.db) ?? new Map<string, number>();
  holding.set(deps.db, held);
  const done = new Map<string, WarmResult | "skipped" | "known">();
  for (const { shopId, generation } of await shopsToWarm(deps.db, now())) {
    const since = held.get(shopId);
    if (since !== undefined && generation >= since && generation - since < RECHECK_AFTER_GENERATIONS) {
      done.set(shopId, "known");
      continue;
    }
    if (!idle(shopId)) {
      done.set(shopId, "skipped");
      continue;
    }
    const started = Date.now();
    const result = await warm(shopId);
    done.set(shopId, result);
    if (result === "held" || result === "built") held.set(shopId, generation);
    else held.delete(shopId);
    if (result !== "held") deps.onWarm?.(shopId, result, Date.now() - started);
  }
  return done;
}

/** Looks every WARM_EVERY_MS (never two looks at once) until stopped; the timer never keeps the process alive. */
export function startWarming(deps: WarmingDeps): () => void {
  let looking = false;
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    warmShops(deps)
      .catch((err: unknown) => console.warn("[jobs] warming scoring states failed:", err instanceof Error ? err.message : err))
      .finally(() => (looking = false));
  }, deps.everyMs ?? WARM_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
