import { createHmac } from "node:crypto";
import type { Random } from "./random";

/**
 * The platform-neutral half of webhook delivery: POST a signed raw body to a URL, retry non-2xx
 * answers a bounded number of times with backoff, and on demand duplicate, delay, or hold deliveries
 * and release them in another order. A platform's dispatcher decides who is subscribed and which
 * headers (topic, signature, ids) go with each delivery.
 */

export interface DeliverySettings {
  /** Attempts per delivery including the first. */
  maxAttempts: number;
  /** Wait before retry n (1-based); the last value repeats. */
  backoffMs: number[];
  /** How long the sender waits for an answer. */
  timeoutMs: number;
}

export interface DeliveryBehavior {
  /** Extra copies of every delivery (0 = exactly once). */
  duplicate?: number;
  /** Wait before the first attempt. */
  delayMs?: number;
}

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
}

export interface DeliveryRecord {
  /** This delivery's own id (each duplicate copy has a new one). */
  webhookId: string;
  /** The event's id, shared by every copy. */
  eventId: string;
  topic: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  attempts: DeliveryAttempt[];
  state: "pending" | "held" | "delivered" | "failed";
  /** True for on-demand duplicate copies. */
  duplicate: boolean;
}

/** Base64 HMAC-SHA256 of the raw body: how Shopify and WooCommerce both sign webhooks. */
export function hmacBase64(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("base64");
}

export class DeliveryEngine {
  readonly deliveries: DeliveryRecord[] = [];
  behavior: DeliveryBehavior = {};
  private held: DeliveryRecord[] | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  protected stopped = false;
  /** Deliveries sending at once; more wait their turn (100k bulk-written customers → 100k webhooks). */
  private static readonly MAX_SENDING = 32;
  private sending = 0;
  /**
   * Waiting deliveries by topic, in order within a topic; topics take turns. Shopify guarantees
   * no order across topics (https://shopify.dev/docs/apps/build/webhooks, "Ordering event
   * data"), and a 100k-customer write-back's customers/update must not hold an orders/create
   * back for minutes behind them, which one queue for every topic did.
   */
  private readonly waitingToSend = new Map<string, (() => void)[]>();

  constructor(private readonly engine: { delivery: DeliverySettings; random: Random }) {}

  /** Number of copies each event is delivered as (1 + on-demand duplicates). */
  protected copies(): number {
    return 1 + Math.max(0, this.behavior.duplicate ?? 0);
  }

  /** Records a delivery and sends it (or holds it while held). */
  protected enqueue(record: DeliveryRecord): void {
    this.deliveries.push(record);
    if (this.held) {
      record.state = "held";
      this.held.push(record);
    } else {
      this.schedule(record, this.behavior.delayMs ?? 0);
    }
  }

  /** Queue deliveries instead of sending them (to release later, possibly reordered). */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Sends held deliveries one after another in the given order — "fifo", "reverse" or "shuffle"
   * (seeded) — so the receiver sees exactly that arrival order.
   */
  release(order: "fifo" | "reverse" | "shuffle" = "fifo"): void {
    const queue = this.held ?? [];
    this.held = null;
    if (order === "reverse") queue.reverse();
    if (order === "shuffle") this.engine.random.shuffle(queue);
    for (const record of queue) record.state = "pending";
    const p: Promise<void> = (async () => {
      for (const record of queue) await this.attempt(record);
    })().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private schedule(record: DeliveryRecord, delayMs: number): void {
    const run = () => {
      const p = this.attempt(record).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    };
    if (delayMs <= 0) {
      run();
      return;
    }
    // Track the pending wait too, so settle() covers delayed deliveries.
    let resolveWait!: () => void;
    const waiting = new Promise<void>((resolve) => (resolveWait = resolve));
    this.inFlight.add(waiting);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.inFlight.delete(waiting);
      run();
      resolveWait();
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(record: DeliveryRecord): Promise<void> {
    // A finished delivery hands its slot straight to the next one waiting.
    if (this.sending >= DeliveryEngine.MAX_SENDING) {
      await new Promise<void>((resolve) => {
        const waiting = this.waitingToSend.get(record.topic);
        if (waiting) waiting.push(resolve);
        else this.waitingToSend.set(record.topic, [resolve]);
      });
    } else this.sending++;
    try {
      await this.sendWithRetries(record);
    } finally {
      const next = this.nextWaiting();
      if (next) next();
      else this.sending--;
    }
  }

  /** The oldest waiting delivery of the topic whose turn it is; that topic goes to the back of the turns. */
  private nextWaiting(): (() => void) | undefined {
    for (const [topic, waiting] of this.waitingToSend) {
      this.waitingToSend.delete(topic);
      const next = waiting.shift();
      if (waiting.length > 0) this.waitingToSend.set(topic, waiting);
      if (next) return next;
    }
    return undefined;
  }

  private async sendWithRetries(record: DeliveryRecord): Promise<void> {
    const { maxAttempts, backoffMs, timeoutMs } = this.engine.delivery;
    for (let n = 1; n <= maxAttempts && !this.stopped; n++) {
      const attempt: DeliveryAttempt = { at: new Date().toISOString(), status: null };
      record.attempts.push(attempt);
      try {
        const response = await fetch(record.url, {
          method: "POST",
          headers: record.headers,
          body: record.body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        attempt.status = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          record.state = "delivered";
          this.finished(record);
          return;
        }
      } catch (error) {
        attempt.error = error instanceof Error ? error.message : String(error);
      }
      if (n < maxAttempts) await this.sleep(backoffMs[Math.min(n - 1, backoffMs.length - 1)] ?? 0);
    }
    record.state = "failed";
    this.finished(record);
  }

  /** Called once a delivery is done (delivered or failed), for platforms that react to outcomes. */
  protected finished(_record: DeliveryRecord): void {}

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Resolves once nothing is waiting, in flight or retrying (held deliveries excepted). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
