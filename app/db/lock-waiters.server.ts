/**
 * Writers of this process waiting for SQLite's write lock, visible to its scoring threads
 * (decision 043). SQLite has no queue for its lock: a long write transaction on a scoring
 * thread cannot know that the web thread is waiting, so it would either hold the lock for its
 * whole length or give it up every few milliseconds just in case — and short transactions
 * multiply a large recompute's WAL writes (decision 039). With this signal the scoring thread
 * writes in long transactions while nobody waits and commits at once when someone starts to.
 *
 * One SharedArrayBuffer per process, handed to scoring threads with each task:
 *   [0] writers waiting right now   [1] waits ever started (for tests and figures)
 */
const SLOTS = 2;

declare global {
  // eslint-disable-next-line no-var
  var rfmLockWaiters: Int32Array | undefined;
}

/** The process's signal (created on first use; scoring threads get it through their task). */
export function lockWaiters(): Int32Array {
  globalThis.rfmLockWaiters ??= new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  return globalThis.rfmLockWaiters;
}

/** A writer found the lock taken and starts waiting; call the returned function when it got in or gave up. */
export function startWaiting(signal: Int32Array = lockWaiters()): () => void {
  Atomics.add(signal, 0, 1);
  Atomics.add(signal, 1, 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    Atomics.sub(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
}

/** Whether a writer of the process is waiting for the lock. */
export function someoneWaits(signal: Int32Array): boolean {
  return Atomics.load(signal, 0) > 0;
}

/**
 * On a scoring thread, after a commit: block (at most `maxMs`) until no writer of the process
 * is waiting any more, so the next transaction does not take the lock back from under them.
 */
export function letWaitersIn(signal: Int32Array, maxMs: number): void {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const waiting = Atomics.load(signal, 0);
    const left = deadline - performance.now();
    if (waiting <= 0 || left <= 0) return;
    Atomics.wait(signal, 0, waiting, left);
  }
}

/** Waits ever started on this signal. */
export function waitsStarted(signal: Int32Array = lockWaiters()): number {
  return Atomics.load(signal, 1);
}
