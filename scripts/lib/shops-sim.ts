/**
 * bench:shops' Shopify simulator in a process of its own (scripts/lib/shops-sim-process.ts),
 * driven over IPC. In the benchmark's process, the simulator's webhook sender (hundreds of
 * thousands of `customers/update` echoes of write-back), the load balancer and the benchmark's
 * polling shared one event loop: a delivery could time out at the store while that loop was
 * busy with the others, which measured the benchmark rather than the app. Shopify's side is
 * not on the app's machines in production; here it at least keeps its own event loop.
 *
 * What crosses the boundary is small: session tokens, new orders, a few customers' tags, and
 * a digest of a shop's persona tags; the verdict against the engine's scoring of the store's
 * orders is worked out beside the store, from the personas the app stored.
 */
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import type { PersonaCheck } from "./shop-truth";

export interface ShopsSimOptions {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  /** Each shop's domain and the customers its replayed CDNOW seed has. */
  shops: { domain: string; customers: number }[];
  webhookDelivery: { maxAttempts: number; backoffMs: number[] };
}

export interface SeededShop {
  domain: string;
  orders: number;
  customers: number;
}

/** The calls the process answers; each takes and returns plain JSON. */
export interface ShopsSimCalls {
  sessionToken(domain: string): string;
  createOrder(domain: string, customerId: number, lineItem: { title: string; quantity: number; unitPriceCents: number }): number;
  /** Each (shop, customer)'s persona tags now. */
  tagsOf(customers: [string, number][]): string[][];
  /** The shop's persona tags as a digest (personaDigest over every tagged customer). */
  tagDigest(domain: string): Digest;
  /**
   * Until no order webhook (orders/*, refunds/*) of these shops is still to be delivered. The
   * echoes of a large shop's write-back (customers/update, ~2 per customer) may go on for long
   * after; they change no persona.
   */
  settleOrders(domains: string[]): Promise<void>;
  /** Expected (engine over the store's orders) against the app's stored personas and the store's tags. */
  verdict(domain: string, stored: [string, string][]): PersonaCheck & { ordersInStore: number };
  /** Webhook deliveries the store gave up on (or holds), by topic and state; those still on their way are not counted. */
  undelivered(domain: string): Record<string, number>;
  /** The store's orders the app does not hold (or holds deleted), each with what became of its webhooks; the first few. */
  missingOrders(domain: string, stored: [string, boolean][], limit: number): string[];
  /** Each orders/create delivery's attempts, one line each. */
  orderWebhookAttempts(domain: string): string[];
}

export interface Digest {
  customers: number;
  sum: number;
}

/**
 * An order-free digest of (customer, persona tags) pairs: the count and a sum of 32-bit FNV-1a
 * hashes of `key=tag,tag`. Equal digests of the store's tags and the app's stored personas
 * mean (to a collision) that every customer carries exactly its stored persona.
 */
export function personaDigest(pairs: Iterable<[string, readonly string[]]>): Digest {
  let customers = 0;
  let sum = 0;
  for (const [key, tags] of pairs) {
    const text = `${key}=${tags.join(",")}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    customers++;
    sum = (sum + h) % 2 ** 48;
  }
  return { customers, sum };
}

/** Every call by name: a call added to ShopsSimCalls and not here fails the typecheck. */
const CALLS: Record<keyof ShopsSimCalls, true> = {
  sessionToken: true,
  createOrder: true,
  tagsOf: true,
  tagDigest: true,
  settleOrders: true,
  verdict: true,
  undelivered: true,
  missingOrders: true,
  orderWebhookAttempts: true,
};

type Remote = { [K in keyof ShopsSimCalls]: (...args: Parameters<ShopsSimCalls[K]>) => Promise<Awaited<ReturnType<ShopsSimCalls[K]>>> };

export interface ShopsSim extends Remote {
  url: string;
  shops: SeededShop[];
  stop(): Promise<void>;
}

type Answer = { id: number; result?: unknown; error?: string } | { ready: { url: string; shops: SeededShop[] } } | { failed: string };

/** The simulator process's heap limit: half the machine's memory, at least V8's usual 4 GB. */
const SIM_HEAP_MB = Math.max(4096, Math.floor(os.totalmem() / 2 / 2 ** 20));

export async function startShopsSim(options: ShopsSimOptions): Promise<ShopsSim> {
  const child: ChildProcess = fork(path.join(import.meta.dirname, "shops-sim-process.ts"), [], {
    // A 1M-order shop, its 338k customers' persona writes and every delivery record outgrow
    // V8's default heap (~4 GB, the simulator ran out during the big shop's first write-back).
    execArgv: ["--import", "tsx", `--max-old-space-size=${SIM_HEAP_MB}`],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited = false;
  const ready = new Promise<{ url: string; shops: SeededShop[] }>((resolve, reject) => {
    child.on("message", (m: Answer) => {
      if ("ready" in m) return resolve(m.ready);
      if ("failed" in m) return reject(new Error(`the simulator's process failed to start: ${m.failed}`));
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
    child.once("exit", (code) => {
      exited = true;
      const err = new Error(`the simulator's process exited (${code})`);
      reject(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
  });
  child.send({ start: options });
  const { url, shops } = await ready;
  const call = (method: keyof ShopsSimCalls) => (...args: unknown[]) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error("the simulator's process has exited"));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, method, args });
    });
  const remote = Object.fromEntries(Object.keys(CALLS).map((m) => [m, call(m as keyof ShopsSimCalls)])) as unknown as Remote;
  return {
    ...remote,
    url,
    shops,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.send({ stop: true });
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (!exited) child.kill("SIGKILL");
    },
  };
}
