import { describe, expect, it } from "vitest";
import { loopDelayLog, type LoopDelay } from "./loop-delay.server";

describe("the event-loop delay log", () => {
  it("reports a stretch the loop was blocked, then starts afresh", async () => {
    // GIVEN a log every 500 ms
    const lines: LoopDelay[] = [];
    const stop = loopDelayLog("worker", (d) => lines.push(d), 500);
    try {
      // WHEN the thread is kept busy for 300 ms in the first interval (once the monitor has ticked) and left idle in the next
      await new Promise((r) => setTimeout(r, 50));
      const until = Date.now() + 300;
      while (Date.now() < until) {
        /* busy */
      }
      await new Promise((r) => setTimeout(r, 1_000));
      // THEN the first line shows the blocked stretch and the next one does not
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatchObject({ role: "worker", pid: process.pid });
      expect(lines[0].max).toBeGreaterThanOrEqual(250);
      expect(lines[1].max).toBeLessThan(250);
    } finally {
      stop();
    }
  });
});
