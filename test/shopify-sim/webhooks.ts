import { createHmac, randomUUID } from "node:crypto";
import { API_VERSION } from "./schema";
import type { SimWebhookSubscription } from "./model";
import type { Random } from "./random";
import type { StoreEvent } from "./store";

/**
 * Webhook delivery as Shopify does it (https://shopify.dev/docs/apps/build/webhooks): a POST of the
 * REST-shaped JSON body with X-Shopify-* headers, signed with base64 HMAC-SHA256 of the raw body and
 * the app secret; non-2xx answers are retried a bounded number of times with backoff.
 * Shopify guarantees neither order nor single delivery, so on demand deliveries can be duplicated
 * (same X-Shopify-Event-Id, new X-Shopify-Webhook-Id), delayed, or held and released in another order.
 */

/** One `[[webhooks.subscriptions]]` entry of shopify.app.toml. */
export interface AppWebhookSubscription {
  topics?: string[];
  /** GDPR topics (customers/data_request, customers/redact, shop/redact). */
  compliance_topics?: string[];
  /** Path relative to the app URL (e.g. "/webhooks/orders/create") or an absolute URL. */
  uri: string;
  include_fields?: string[];
}

export interface DeliverySettings {
  /** Attempts per delivery including the first (Shopify: 8 over 4 hours). */
  maxAttempts: number;
  /** Wait before retry n (1-based); the last value repeats. */
  backoffMs: number[];
  /** Shopify waits 5 s for an answer. */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = { maxAttempts: 4, backoffMs: [50, 100, 200], timeoutMs: 5000 };

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
  webhookId: string;
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

interface Target {
  url: string;
  includeFields?: string[];
}

export interface WebhookDispatcherOptions {
  shopDomain: string;
  appSecret: string;
  appUrl: string | null;
  subscriptions: () => readonly AppWebhookSubscription[];
  apiSubscriptions: () => Iterable<SimWebhookSubscription>;
  delivery: DeliverySettings;
  random: Random;
  /** False once the app is uninstalled: only app/uninstalled and shop/redact still go out. */
  installed: () => boolean;
}

const AFTER_UNINSTALL = new Set(["app/uninstalled", "shop/redact"]);

function pick(body: unknown, fields: string[] | undefined): unknown {
  if (!fields || fields.length === 0 || body === null || typeof body !== "object") return body;
  const source = body as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => f in source).map((f) => [f, source[f]]));
}

export function webhookHmac(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("base64");
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  behavior: DeliveryBehavior = {};
  private held: DeliveryRecord[] | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Subscriptions for a topic: the app's TOML-style list plus ones created with webhookSubscriptionCreate. */
  private targets(topic: string): Target[] {
    const out: Target[] = [];
    for (const sub of this.options.subscriptions()) {
      if ((sub.topics ?? []).includes(topic) || (sub.compliance_topics ?? []).includes(topic)) {
        const url = /^https?:\/\//.test(sub.uri) ? sub.uri : this.options.appUrl ? new URL(sub.uri, this.options.appUrl).toString() : null;
        if (url) out.push({ url, includeFields: sub.include_fields });
      }
    }
    for (const sub of this.options.apiSubscriptions()) {
      if (sub.topic === topic && /^https?:\/\//.test(sub.uri)) out.push({ url: sub.uri, includeFields: sub.includeFields });
    }
    return out;
  }

  /** Turns a store change into deliveries to every subscriber. */
  handle(event: StoreEvent): DeliveryRecord[] {
    if (this.stopped) return [];
    if (!this.options.installed() && !AFTER_UNINSTALL.has(event.topic)) return [];
    const eventId = randomUUID();
    const created: DeliveryRecord[] = [];
    for (const target of this.targets(event.topic)) {
      const body = JSON.stringify(pick(event.body, target.includeFields));
      const copies = 1 + Math.max(0, this.behavior.duplicate ?? 0);
      for (let copy = 0; copy < copies; copy++) {
        const webhookId = randomUUID();
        const record: DeliveryRecord = {
          webhookId,
          eventId,
          topic: event.topic,
          url: target.url,
          body,
          headers: {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": event.topic,
            "X-Shopify-Hmac-Sha256": webhookHmac(body, this.options.appSecret),
            "X-Shopify-Shop-Domain": this.options.shopDomain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": webhookId,
            "X-Shopify-Event-Id": eventId,
            "X-Shopify-Triggered-At": event.at,
          },
          attempts: [],
          state: "pending",
          duplicate: copy > 0,
        };
        this.deliveries.push(record);
        created.push(record);
        if (this.held) {
          record.state = "held";
          this.held.push(record);
        } else {
          this.schedule(record, this.behavior.delayMs ?? 0);
        }
      }
    }
    return created;
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
    if (order === "shuffle") this.options.random.shuffle(queue);
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
    const { maxAttempts, backoffMs, timeoutMs } = this.options.delivery;
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
          return;
        }
      } catch (error) {
        attempt.error = error instanceof Error ? error.message : String(error);
      }
      if (n < maxAttempts) await this.sleep(backoffMs[Math.min(n - 1, backoffMs.length - 1)] ?? 0);
    }
    record.state = "failed";
  }

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

/**
 * Reads the `[[webhooks.subscriptions]]` entries of a shopify.app.toml (only the keys the simulator
 * needs: topics, compliance_topics, uri, include_fields), so the standalone simulator delivers to the
 * same paths the app declares.
 */
export function webhooksFromAppToml(toml: string): AppWebhookSubscription[] {
  const subscriptions: AppWebhookSubscription[] = [];
  let current: AppWebhookSubscription | null = null;
  const list = (value: string) => [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  for (const rawLine of toml.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, "").trim();
    if (!line) continue;
    if (line.startsWith("[")) {
      current = line === "[[webhooks.subscriptions]]" ? { uri: "" } : null;
      if (current) subscriptions.push(current);
      continue;
    }
    if (!current) continue;
    const match = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (!match) continue;
    const [, key, value] = match;
    if (key === "topics") current.topics = list(value);
    else if (key === "compliance_topics") current.compliance_topics = list(value);
    else if (key === "include_fields") current.include_fields = list(value);
    else if (key === "uri") current.uri = list(value)[0] ?? "";
  }
  return subscriptions.filter((s) => s.uri);
}
