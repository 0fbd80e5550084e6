import { describe, expect, it } from "vitest";
import { createPacer, type BucketMemory } from "./pacer";

const status = (currentlyAvailable: number) => ({
  requestedQueryCost: 10,
  actualQueryCost: 10,
  throttleStatus: { maximumAvailable: 2000, currentlyAvailable, restoreRate: 100 },
});

describe("the write-back's pacer", () => {
  it("GIVEN a bucket a response reported nearly empty WHEN points are reserved THEN it waits until the bucket holds them and a second of refill besides, left for the shop's re-reads", async () => {
    let t = 0;
    const waits: number[] = [];
    const pacer = createPacer(() => t, async (ms) => void waits.push(ms), { known: null }, 1);
    pacer.observe(status(50));

    expect(pacer.available()).toBe(0); // 50 held, 100 left for others
    await pacer.reserve(40);

    // 40 + 1 (whole points) + 100 left = 141: 91 missing at 100 points/s.
    expect(waits).toEqual([910]);
    // Two seconds on: 50 + 200 refilled, less the 100 left.
    t = 2_000;
    expect(pacer.available()).toBe(150);
  });

  it("GIVEN one run's pacer learned the bucket WHEN the next run's pacer shares its memory THEN the next run knows the bucket from its first request", () => {
    const memory: BucketMemory = { known: null };
    const first = createPacer(() => 0, async () => {}, memory);
    expect(first.available()).toBeNull();
    first.observe(status(300));

    const next = createPacer(() => 1_000, async () => {}, memory);

    expect(next.available()).toBe(400);
    expect(next.capacity).toBe(2000);
  });
});
