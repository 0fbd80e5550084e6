import { randomUUID } from "node:crypto";
import { DeliveryEngine, hmacBase64, type DeliveryRecord, type DeliverySettings } from "../kit/webhook-delivery";
import type { Random } from "../kit/random";
import { API_VERSION } from "./schema";
import type { SimWebhookSubscription } from "./model";
import type { StoreEvent } from "./store";

export type { DeliveryAttempt, DeliveryBehavior, DeliveryRecord, DeliverySettings } from "../kit/webhook-delivery";

/**
 * Webhook delivery as Shopify does it (https://shopify.dev/docs/apps/build/webhooks): a POST of the
 * REST-shaped JSON body with X-Shopify-* headers, signed with base64 HMAC-SHA256 of the raw body and
 * the app secret; non-2xx answers are retried a bounded number of times with backoff (the kit's
 * delivery engine). Shopify guarantees neither order nor single delivery, so on demand deliveries can
 * be duplicated (same X-Shopify-Event-Id, new X-Shopify-Webhook-Id), delayed, or held and released in
 * another order.
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

/** Shopify retries 8 times over 4 hours and waits 5 s for an answer; tests need less. */
export const DEFAULT_DELIVERY: DeliverySettings = { maxAttempts: 4, backoffMs: [50, 100, 200], timeoutMs: 5000 };

interface Target {
  url: string;
  includeFields?: string[];
}

export interface WebhookDispatcherOptions {
  shopDomain: string;
  /** X-Shopify-API-Version of every delivery (the version its payloads are rendered in). */
  apiVersion?: string;
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
  return hmacBase64(rawBody, secret);
}

export class WebhookDispatcher extends DeliveryEngine {
  constructor(private readonly options: WebhookDispatcherOptions) {
    super(options);
  }

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
      const copies = this.copies();
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
            "X-Shopify-API-Version": this.options.apiVersion ?? API_VERSION,
            "X-Shopify-Webhook-Id": webhookId,
            "X-Shopify-Event-Id": eventId,
            "X-Shopify-Triggered-At": event.at,
          },
          attempts: [],
          state: "pending",
          duplicate: copy > 0,
        };
        created.push(record);
        this.enqueue(record);
      }
    }
    return created;
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
