/** Time source for everything time-dependent in the simulator (throttle refill, token expiry, timestamps). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number | Date | string): void;
}

/** A clock tests move by hand, so throttle recovery is asserted without sleeping. */
export function createManualClock(start: number | Date | string = "2026-11-01T12:00:00Z"): ManualClock {
  let current = typeof start === "number" ? start : new Date(start).getTime();
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = typeof ms === "number" ? ms : new Date(ms).getTime();
    },
  };
}
