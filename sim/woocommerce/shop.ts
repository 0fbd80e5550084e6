import { randomUUID } from "node:crypto";
import type { Clock } from "../kit/clock";
import type { RequestFaultOptions } from "../kit/faults";
import { createRandom } from "../kit/random";
import type { KeyPermissions, WcApiKey, WcOrderStatus } from "./model";
import { customerPayload, orderPayload, type SiteInfo } from "./payloads";
import type { WooSeedData } from "./seed";
import { WooStore, type NewCustomer, type NewOrder, type RefundInput } from "./store";
import { WooWebhooks, type WooDeliverySettings } from "./webhooks";

/**
 * One simulated WooCommerce store and its control surface for tests (the merchant acting in wp-admin,
 * a plugin writing orders, fault injection); like SimShop in sim/shopify. Webhooks follow every change
 * exactly as WooCommerce fires them.
 */

export interface WooShopOptions {
  clock: Clock;
  seed: string | number;
  data?: WooSeedData;
  currency?: string;
  timeZone?: string;
  webhookDelivery?: Partial<WooDeliverySettings>;
  admin?: { username: string; password: string };
}

export class WooShop {
  readonly store: WooStore;
  readonly webhooks: WooWebhooks;
  readonly clock: Clock;
  readonly site: SiteInfo;
  readonly storeId = randomUUID();
  readonly admin: { username: string; password: string };
  readonly truth: WooSeedData["truth"] | null;
  /** wc-auth: logged-in session cookies and the nonces of grant pages. */
  readonly sessions = new Set<string>();
  readonly authNonces = new Set<string>();
  private faultListener: ((f: RequestFaultOptions | null) => void) | null = null;

  constructor(options: WooShopOptions) {
    this.clock = options.clock;
    const currency = options.data?.site.currency ?? options.currency ?? "USD";
    this.site = { home: "http://127.0.0.1", timeZone: options.data?.site.timeZone ?? options.timeZone ?? "America/New_York", currency };
    this.admin = options.admin ?? { username: "admin", password: "password" };
    this.store = new WooStore(this.clock, currency);
    for (const c of options.data?.customers ?? []) this.store.insertCustomer(structuredClone(c));
    for (const o of options.data?.orders ?? []) this.store.insertOrder(structuredClone(o));
    this.truth = options.data?.truth ?? null;
    this.webhooks = new WooWebhooks(
      {
        clock: this.clock,
        random: createRandom(`${options.seed}/woo-webhooks`),
        home: () => this.home,
        render: (resource, id) => {
          if (resource === "order") {
            const o = this.store.orders.get(id);
            return o ? orderPayload(o, this.site) : null;
          }
          const c = this.store.customers.get(id);
          return c ? customerPayload(c, this.site) : null;
        },
      },
      options.webhookDelivery
    );
    this.store.onEvent((event, id) => this.webhooks.handle(event, id));
  }

  /** The store's home URL (no trailing slash). */
  get home(): string {
    return this.site.home;
  }

  /** Called once the server listens: the home URL is the server's. */
  attach(url: string): void {
    this.site.home = url;
  }

  /**
   * The merchant changes Settings → General → Timezone: an IANA zone, or a manual offset as
   * WordPress's menu spells it ("UTC+2", "UTC-5.5"). Local dates in payloads follow at once.
   */
  setTimeZone(timeZone: string): void {
    this.site.timeZone = timeZone;
  }

  /**
   * A security plugin closing WordPress's REST index to anonymous callers (the "Disable REST
   * API" kind answer 401 `rest_not_logged_in`); wc/v3 keeps working with keys.
   */
  restIndexClosed = false;

  // ---- keys ----

  addKey(k: { consumerKey?: string; consumerSecret?: string; permissions?: KeyPermissions; description?: string } = {}): WcApiKey {
    const key = this.store.createKey(1, k.permissions ?? "read_write", k.description);
    if (k.consumerKey || k.consumerSecret) {
      this.store.keys.delete(key.consumerKey);
      if (k.consumerKey) key.consumerKey = k.consumerKey;
      if (k.consumerSecret) key.consumerSecret = k.consumerSecret;
      this.store.keys.set(key.consumerKey, key);
    }
    return key;
  }

  // ---- the merchant and plugins acting ----

  createOrder(input: NewOrder) {
    return this.store.createOrder(input);
  }
  updateOrder(id: number, changes: { status?: WcOrderStatus; meta?: { key: string; value: unknown }[]; customerNote?: string }) {
    return this.store.updateOrder(id, changes);
  }
  trashOrder(id: number) {
    return this.store.trashOrder(id);
  }
  /** Restore from the trash in wp-admin (announced as order.restored; REST untrash is silent). */
  restoreOrder(id: number) {
    return this.store.restoreOrder(id);
  }
  /** Permanent delete: no order webhook at all. */
  deleteOrder(id: number) {
    return this.store.deleteOrder(id);
  }
  refundOrder(id: number, input: RefundInput) {
    return this.store.refundOrder(id, input);
  }
  createCustomer(input: NewCustomer) {
    return this.store.createCustomer(input);
  }
  updateCustomer(id: number, changes: Parameters<WooStore["updateCustomer"]>[1]) {
    return this.store.updateCustomer(id, changes);
  }
  deleteCustomer(id: number) {
    return this.store.deleteCustomer(id);
  }

  // ---- behaviour ----

  setFaults(faults: RequestFaultOptions | null): void {
    this.faultListener?.(faults);
  }

  onFaults(listener: (f: RequestFaultOptions | null) => void): void {
    this.faultListener = listener;
  }

  setWebhookMode(mode: WooDeliverySettings["mode"]): void {
    this.webhooks.settings.mode = mode;
  }

  /** Runs queued webhook deliveries and waits for every delivery and ping. */
  settle(): Promise<void> {
    return this.webhooks.settle();
  }

  stop(): void {
    this.webhooks.stop();
  }
}
