import { createHash, randomBytes } from "node:crypto";
import { DeliveryEngine, hmacBase64, type DeliveryRecord } from "../kit/webhook-delivery";
import type { Clock } from "../kit/clock";
import type { Random } from "../kit/random";
import type { WcWebhook, WebhookStatus } from "./model";
import { phpJson } from "./payloads";
import type { StoreEvent } from "./store";

/**
 * WooCommerce webhook delivery (WC_Webhook + Action Scheduler), as captured on 10.0.2:
 * - every delivery is attempted once: no retries; an answer outside 200–302 counts a failure, and the
 *   7th consecutive failure (count already 6 > 5) disables the webhook; a success resets the count;
 * - a new webhook is pinged with an unsigned form body `webhook_id=N`; until a ping is answered
 *   exactly 200, every save of the webhook (e.g. after each failed delivery) pings again;
 * - "async" (WooCommerce's default): one queued delivery per (webhook, resource), built when the
 *   queue runs, so it carries the final state; "sync": delivered as each change happens;
 * - bodies are PHP json_encode output (slashes escaped), signed over those raw bytes.
 */

export type DeliveryMode = "async" | "sync";

export interface WooDeliverySettings {
  mode: DeliveryMode;
  /** Async only: how long after the first queued change the queue runs (WP-Cron; tests call runQueue or settle). */
  queueDelayMs: number;
  timeoutMs: number;
  /** woocommerce_max_webhook_delivery_failures */
  maxFailures: number;
}

export const DEFAULT_WOO_DELIVERY: WooDeliverySettings = { mode: "async", queueDelayMs: 20, timeoutMs: 5000, maxFailures: 5 };

export const USER_AGENT = "WooCommerce/10.0.2 Hookshot (WordPress/6.8.8)";

interface Sent {
  webhookId: number;
  ping: boolean;
}

export class WooWebhooks extends DeliveryEngine {
  readonly webhooks = new Map<number, WcWebhook>();
  private nextId = 1;
  private readonly queue = new Map<string, { webhookId: number; resourceId: number }>();
  private queueTimer: NodeJS.Timeout | null = null;
  private readonly sent = new WeakMap<DeliveryRecord, Sent>();
  private batching = false;
  private userHeld = false;
  settings: WooDeliverySettings;

  constructor(
    private readonly deps: {
      clock: Clock;
      random: Random;
      /** Home URL (no trailing slash). */
      home: () => string;
      /** The resource as GET would return it now; null when it no longer exists. */
      render: (resource: string, id: number) => Record<string, unknown> | null;
    },
    settings: Partial<WooDeliverySettings> = {}
  ) {
    const s = { ...DEFAULT_WOO_DELIVERY, ...settings };
    super({ delivery: { maxAttempts: 1, backoffMs: [0], timeoutMs: s.timeoutMs }, random: deps.random });
    this.settings = s;
  }

  // ---- the webhooks resource ----

  create(input: { name?: string; topic: string; deliveryUrl: string; secret?: string; status?: WebhookStatus }): WcWebhook {
    const webhook: WcWebhook = {
      id: this.nextId++,
      name: input.name ?? `Webhook created on ${new Date(this.deps.clock.now()).toUTCString()}`,
      status: input.status ?? "active",
      topic: input.topic,
      deliveryUrl: input.deliveryUrl,
      secret: input.secret ?? randomBytes(25).toString("hex"),
      createdAt: this.deps.clock.now(),
      modifiedAt: null,
      failureCount: 0,
      pendingDelivery: true,
    };
    this.webhooks.set(webhook.id, webhook);
    this.saved(webhook);
    return webhook;
  }

  update(id: number, changes: Partial<Pick<WcWebhook, "name" | "status" | "topic" | "deliveryUrl" | "secret">>): WcWebhook {
    const webhook = this.webhooks.get(id);
    if (!webhook) throw new Error(`no webhook ${id}`);
    Object.assign(webhook, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
    // Re-activating clears the failure count, as WC_Webhook::set_status does.
    if (changes.status === "active") webhook.failureCount = 0;
    webhook.modifiedAt = this.deps.clock.now();
    this.saved(webhook);
    return webhook;
  }

  remove(id: number): WcWebhook | undefined {
    const webhook = this.webhooks.get(id);
    this.webhooks.delete(id);
    return webhook;
  }

  /** WC_Webhook_Data_Store: saving an active webhook whose ping was never answered 200 pings again. */
  private saved(webhook: WcWebhook): void {
    if (webhook.status === "active" && webhook.pendingDelivery) this.ping(webhook);
  }

  private ping(webhook: WcWebhook): void {
    const record = this.record(webhook, "action.woocommerce_webhook_ping", `webhook_id=${webhook.id}`, {
      "Content-Type": "application/x-www-form-urlencoded",
      "User-Agent": USER_AGENT,
    });
    this.sent.set(record, { webhookId: webhook.id, ping: true });
    this.send(record);
  }

  // ---- events ----

  /** A store change: delivered now (sync) or queued, one per webhook and resource (async). */
  handle(event: StoreEvent, resourceId: number): void {
    for (const webhook of this.webhooks.values()) {
      if (webhook.status !== "active" || webhook.topic !== event) continue;
      if (this.settings.mode === "sync") {
        this.deliver(webhook, resourceId);
        continue;
      }
      const key = `${webhook.id}:${resourceId}`;
      if (!this.queue.has(key)) this.queue.set(key, { webhookId: webhook.id, resourceId });
      this.queueTimer ??= setTimeout(() => {
        this.queueTimer = null;
        this.runQueue();
      }, this.settings.queueDelayMs);
    }
  }

  /** Runs the queued (async) deliveries now, each built from the resource's current state. */
  runQueue(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = null;
    const jobs = [...this.queue.values()];
    this.queue.clear();
    for (const job of jobs) {
      const webhook = this.webhooks.get(job.webhookId);
      if (webhook && webhook.status === "active") this.deliver(webhook, job.resourceId);
    }
  }

  /** Deliveries waiting for the queue to run (async mode). */
  get queued(): number {
    return this.queue.size;
  }

  private deliver(webhook: WcWebhook, resourceId: number): void {
    const [resource, event] = webhook.topic.split(".");
    const payload = event === "deleted" ? { id: resourceId } : this.deps.render(resource, resourceId);
    if (!payload) return;
    const body = phpJson(payload);
    const record = this.record(webhook, webhook.topic, body, {
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
      "X-WC-Webhook-Source": `${this.deps.home()}/`,
      "X-WC-Webhook-Topic": webhook.topic,
      "X-WC-Webhook-Resource": resource,
      "X-WC-Webhook-Event": event,
      "X-WC-Webhook-Signature": hmacBase64(body, webhook.secret),
      "X-WC-Webhook-ID": String(webhook.id),
      "X-WC-Webhook-Delivery-ID": this.deliveryId(webhook),
    });
    this.sent.set(record, { webhookId: webhook.id, ping: false });
    this.send(record);
  }

  /** wp_hash(webhook_id . time()): two deliveries of one webhook in the same second share it. */
  private deliveryId(webhook: WcWebhook): string {
    return createHash("md5").update(`${webhook.id}${Math.floor(this.deps.clock.now() / 1000)}`).digest("hex");
  }

  private record(webhook: WcWebhook, topic: string, body: string, headers: Record<string, string>): DeliveryRecord {
    const id = randomBytes(8).toString("hex");
    return { webhookId: id, eventId: id, topic, url: webhook.deliveryUrl, body, headers, attempts: [], state: "pending", duplicate: false };
  }

  /** Deliveries of one change go out one after another, in the order WooCommerce fires them. */
  private send(record: DeliveryRecord): void {
    if (!this.userHeld && !this.batching) {
      this.batching = true;
      super.hold();
      queueMicrotask(() => {
        this.batching = false;
        if (!this.userHeld) super.release("fifo");
      });
    }
    this.enqueue(record);
  }

  override hold(): void {
    this.userHeld = true;
    super.hold();
  }

  override release(order: "fifo" | "reverse" | "shuffle" = "fifo"): void {
    this.userHeld = false;
    super.release(order);
  }

  protected override finished(record: DeliveryRecord): void {
    const sent = this.sent.get(record);
    const webhook = sent && this.webhooks.get(sent.webhookId);
    if (!sent || !webhook) return;
    const status = record.attempts[record.attempts.length - 1]?.status ?? null;
    if (sent.ping) {
      if (status === 200) webhook.pendingDelivery = false;
      return;
    }
    if (status !== null && status >= 200 && status < 303) {
      if (webhook.failureCount === 0) return;
      webhook.failureCount = 0;
    } else if (webhook.failureCount > this.settings.maxFailures) {
      webhook.status = "disabled";
    } else {
      webhook.failureCount++;
    }
    webhook.modifiedAt = this.deps.clock.now();
    this.saved(webhook);
  }

  /** Runs the queue, then waits for every delivery (and the pings they cause). */
  override async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (this.queue.size > 0) this.runQueue();
      await new Promise((resolve) => setImmediate(resolve));
      await super.settle();
      if (this.queue.size === 0 && !this.batching) return;
    }
  }

  override stop(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = null;
    super.stop();
  }
}
