/**
 * The seam between the product and a store platform. Everything platform-neutral — rules,
 * RFM, recompute, history, the write-back plan, the dashboard — talks to a store only
 * through a StoreAdapter; each platform implements it in its own folder
 * (`app/platforms/shopify/`, later `app/platforms/woocommerce/`), mirrored file for file.
 * `adapterFor(platform)` (registry.server.ts) is the only switch on platform.
 *
 * Neutral code never sees a platform's ids, field names or documents: orders arrive as
 * CanonicalOrder, customers are opaque customer keys, webhooks arrive as StoreEvents.
 */
import type { PrismaClient } from "@prisma/client";
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/queue.server";
import type { CanonicalOrder, Platform } from "~/rfm/order";
import type { OrderStore } from "~/sync/order-store.server";
import type { TriggerJob, WriteJob } from "~/writeback/shop-plan";
import type { WrittenState } from "~/writeback/state";
import type { CustomerOutcome } from "~/writeback/store.server";

export type { Platform };

/** The shop as neutral code knows it. */
export interface ShopRef {
  id: string;
  domain: string;
  platform: Platform;
  currency: string;
  timezone: string;
}

/** What a platform needs from the process to do its work (its own API clients it builds itself). */
export interface PlatformContext {
  db: Db;
  store: OrderStore;
  prisma: PrismaClient;
  queue: JobQueue;
  now?: () => Date;
}

/** Customer keys are opaque to neutral code; only the platform can read them. */
export interface CustomerIds {
  /** Whether the store can carry data for this customer (guests, keyed by email, cannot). */
  isWritable(customerKey: string): boolean;
  /** Where the merchant sees this customer in the store's admin, or null (guests). */
  adminUrl(shop: Pick<ShopRef, "domain">, customerKey: string): string | null;
  /** The customer's id as the merchant knows it (for exports), or null for guests. */
  displayId(customerKey: string): string | null;
}

/** What a verified webhook delivery means, in neutral terms (applied once, in one transaction). */
export type StoreEvent =
  /** A whole order; `awaitsReread`: the payload cannot tell everything (re-read before scoring). */
  | { type: "order.upserted"; order: CanonicalOrder; awaitsReread: boolean; rereadAnyway?: boolean }
  | { type: "order.deleted"; orderId: string }
  /** Re-read this order from the store (a refund, or a payload we could not read). */
  | { type: "order.refetch"; orderId: string }
  /** A payload naming an order that could not be read: kept for support, the order re-read. */
  | { type: "order.unreadable"; orderId: string; error: string; body: string }
  | { type: "customer.updated"; customerKey: string; email: string | null | undefined }
  | { type: "customer.deleted"; customerKey: string }
  | { type: "customer.redact"; customerKey: string; email: string | null; orderIds: string[] }
  | { type: "customer.dataRequest"; requestId: string; customerKey: string; email: string | null; orderIds: string[] }
  /** The store asks us to erase the shop, named by the signed body (never the unsigned header). */
  | { type: "shop.redact"; bodyDomain: string }
  | { type: "app.uninstalled" }
  /** A platform-side long operation finished (e.g. a bulk export); the platform decides what it wakes. */
  | { type: "sync.operationFinished"; payload: unknown };

/** A delivery whose signature was verified. */
export interface VerifiedDelivery {
  /** The shop the delivery names. */
  shopDomain: string;
  /** Dedupe key: the same event delivered twice carries the same id. */
  eventId: string;
  topic: string;
  events: StoreEvent[];
  /** The raw body, kept with unreadable payloads so nothing is lost. */
  rawBody: string;
}

/** Where a backfill stands after one step; `cursor` is handed back to the next step. */
export type BackfillStep =
  | { next: "poll"; delayMs: number; cursor?: Record<string, unknown> }
  | { next: "done"; orders?: number }
  | { next: "failed"; error: string }
  /** Nothing to do: the import finished and no new one was asked for (a job queued before it finished). */
  | { next: "idle" };

/** An order to re-read, with what the delivery that asked said of it: the read asks for no more than it needs. */
export interface WantedReread {
  orderId: string;
  /** Line items the announced order has (absent: as many as a page holds). */
  lines?: number;
}

/**
 * What a re-read did to one order: stored (newer than ours, or our webhook copy verified),
 * unchanged (we hold that version or a newer one), gone (the store no longer has it; the
 * platform records that as it does), unreadable (the store's answer could not be mapped).
 */
export type RefetchOutcome = "written" | "unchanged" | "gone" | "unreadable";

/** Where orders come from besides webhooks: the full import, reconciliation, one order. */
export interface OrderSource {
  /** One resumable step of the full import (a crash resumes where the last step committed). */
  backfillStep(shop: ShopRef, ctx: PlatformContext, cursor?: Record<string, unknown>): Promise<BackfillStep>;
  /** Reconciliation: orders changed since the last pass, upserted. */
  reconcile(shop: ShopRef, ctx: PlatformContext): Promise<{ seen: number; written: number }>;
  /**
   * Re-read these orders together (as few requests as the store's API allows) and upsert
   * them; an outcome per order, in the order asked.
   */
  refetchOrders(shop: ShopRef, wanted: readonly WantedReread[], ctx: PlatformContext): Promise<RefetchOutcome[]>;
}

/** What a store can carry for a persona. */
export interface WriterCapabilities {
  /** Labels on the customer (Shopify tags). */
  labels: boolean;
  /** Typed fields on the customer (Shopify metafields, WooCommerce meta). */
  fields: boolean;
  /** One saved segment per persona. */
  segments: boolean;
  /** A trigger fired when a customer's persona changes (Shopify Flow). */
  personaChangedTrigger: boolean;
}

/** What a write-back run leaves for the next: customers it planned but did not reach (a stepping run out of time). */
export interface WritebackStep {
  more: number;
  /** The run wrote everything its plans found (see RunOptions.rescoredSince). */
  settled?: boolean;
}

/** Writes personas back to the store; the plan (diff) is neutral, the transport is the platform's. */
export interface PersonaWriter {
  readonly capabilities: WriterCapabilities;
  /**
   * Bring the store's persona data in line with the customers' current personas: set the
   * store up (e.g. field definitions, segments), then `runWriteback` (app/writeback) over a
   * session of this writer.
   */
  writeback(shop: ShopRef, ctx: PlatformContext, options: { full?: boolean; step?: number; rescoredSince?: number; rescoredFrom?: number }): Promise<WritebackStep>;
  /**
   * Remove every persona label and field we wrote (`removeAllPersonaData` over a session);
   * `segments`: also delete the saved segments we created (where the store has them).
   */
  removeAll(shop: ShopRef, ctx: PlatformContext, options?: { segments?: boolean }): Promise<unknown>;
}

/** A run's traffic to the store so far. */
export interface WriteTraffic {
  requests: number;
  /** What the platform charges for requests (Shopify: query cost points; 0 where it charges nothing). */
  costPoints: number;
  /** Requests the store refused for rate and that were retried. */
  throttled: number;
  retries: number;
  /** Time spent waiting for the store's rate limit before sending. */
  waitedMs: number;
}

/** What a writer reports back for one customer; the core records it right away (one transaction per call). */
export type RecordOutcomes = (outcomes: readonly CustomerOutcome[]) => Promise<void>;

export interface WriteBatchResult {
  written: number;
  failed: number;
  errors: { customerKey: string; message: string }[];
  /** Persona changes now in the store whose persona-changed trigger is still to be sent. */
  triggers: TriggerJob[];
  /** The platform's long-running operations this took (shown in the report). */
  operations?: string[];
}

export interface TriggerSendResult {
  sent: number;
  failed: number;
  errors: { customerKey: string; message: string }[];
  operations?: string[];
}

/**
 * One write-back run's connection to the store, opened by the platform's PersonaWriter:
 * the neutral core plans, the session sends. Outcomes go through `record` as soon as a
 * request's result is known, so a crash never re-sends what succeeded.
 */
export interface WriteSession {
  readonly capabilities: WriterCapabilities;
  /** Where this writer keeps our fields (the place part of a field id). */
  readonly fieldPlace: string;
  isWritable(customerKey: string): boolean;
  /** How a change set of `customers` is sent (recorded on the run). */
  modeFor(customers: number): WriteMode;
  /**
   * Sends the jobs. The list is handed over: a writer that records every job before it waits
   * for the store (bulk) empties it then, so that a first write-back's plan, a job per customer
   * of the shop, is not held for the minutes the store takes.
   */
  write(jobs: WriteJob[], run: { id: number; mode: WriteMode; trigger: boolean }, record: RecordOutcomes): Promise<WriteBatchResult>;
  /** Runs whose work a crash left in flight, read from the customers' transport parts. */
  unfinishedRuns?(rows: readonly ResumeRow[]): number[];
  /** Complete one such run's work (poll what the store has, send what never left). */
  resume?(runId: number, rows: readonly ResumeRow[], options: { startedAt: number; trigger: boolean }, record: RecordOutcomes): Promise<{ written: number; failed: number; triggersSent: number }>;
  sendPersonaChanged?(jobs: readonly TriggerJob[], run: { id: number }, record: RecordOutcomes): Promise<TriggerSendResult>;
  /**
   * How many of these jobs (most urgent first) a stepping run writes next: what the store's rate
   * limit lets go now (with `owedTriggers` persona-changed triggers also due), at least one and at
   * most `max`. So an urgent customer waits for its own writes, not for a full step's. Without
   * it (a store with no such limit), `max`.
   */
  stepSize?(jobs: readonly WriteJob[], options: { max: number; trigger: boolean; owedTriggers: number }): number;
  traffic(): WriteTraffic;
}

export type WriteMode = "online" | "bulk";

export interface ResumeRow {
  customerKey: string;
  written: WrittenState | null;
}

/**
 * A store the merchant connects from our app with a key (rather than installing the app from
 * the platform's admin): its access can be read-only, and the merchant disconnects it here.
 */
export interface StoreConnection {
  /** Whether the stored key lets us write personas to the store; `reconnectUrl` offers other keys. */
  access(db: Db, shop: Pick<ShopRef, "id">): Promise<{ writable: boolean; reconnectUrl: string } | null>;
  /** What disconnecting does in the store, in the merchant's words (shown before they confirm). */
  readonly disconnectEffects: readonly string[];
  /**
   * Removes what we set up in the store, forgets the key and uninstalls the shop through the
   * Shop lifecycle (app/shops/). The store refusing (e.g. a key already revoked) is reported
   * in `problems`; the local disconnect completes regardless. `nextUrl`: where the merchant lands.
   */
  disconnect(shop: ShopRef, ctx: Pick<PlatformContext, "db" | "now">): Promise<{ problems: string[]; nextUrl: string }>;
}

/** A link into the store's admin, with what it opens in the merchant's words. */
export interface AdminLink {
  url: string;
  label: string;
}

/** Where a merchant acts on a persona in the store's own admin. */
export interface PersonaAdminActions {
  /** The persona's customers there (a saved segment, or the customer list filtered by the persona); null until write-back put them there. */
  customers: (AdminLink & { what: string }) | null;
  /** Starting a discount for those customers, with the steps; null where the store cannot target them. */
  discount: (AdminLink & { steps: string[] }) | null;
  /** The app's own "persona changed" automation trigger: its name, where to build on it, the steps; null where there is none. */
  automation: (AdminLink & { trigger: string; steps: string[] }) | null;
}

export interface StoreAdapter {
  readonly platform: Platform;
  /** Present for platforms whose stores are connected from the app (not installed from their admin). */
  readonly connection?: StoreConnection;
  readonly customers: CustomerIds;
  readonly orders: OrderSource;
  readonly writer: PersonaWriter;
  /** Verify (401), size-cap (413) and parse (400) a webhook request; a Response is the answer to send. */
  receiveWebhook(request: Request): Promise<VerifiedDelivery | Response>;
  /**
   * A `sync.operationFinished` event: wake whatever waits for it. Database work only: it runs
   * inside the delivery's transaction. "ignored" when the operation is not one we wait for.
   */
  operationFinished?(ctx: Pick<PlatformContext, "db" | "queue">, shopId: string, payload: unknown): Promise<"processed" | "ignored">;
  /** Where the merchant acts on a persona in the store's admin (its segment or filtered customer list, a discount, automation). */
  personaActions?(db: Db, shop: Pick<ShopRef, "id" | "domain">, persona: { slug: string; name: string }): Promise<PersonaAdminActions>;
}
