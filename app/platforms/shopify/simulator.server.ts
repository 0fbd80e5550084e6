/**
 * Sends the app's Shopify Admin traffic to the Shopify Admin simulator when SHOPIFY_ADMIN_SIMULATOR_URL
 * is set (tests and the offline demo); installs nothing otherwise, so production runs the same code
 * untouched. Works like MSW in Epic Stack's MOCKS=true, but at the HTTP client level.
 *
 * Why a dispatcher and not a fetch wrapper: @shopify/shopify-api's node adapter captures
 * `globalThis.fetch` when it is imported, so replacing fetch later would miss it. Every call to Node's
 * fetch, however, asks undici's global dispatcher (a well-known global symbol) at request time.
 * We wrap that dispatcher: requests to https://<shop>.myshopify.com/… get the simulator's origin and an
 * `X-Sim-Shop` header naming the shop; everything else passes through unchanged.
 */

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

interface DispatchOptions {
  origin?: string | URL;
  path: string;
  headers?: unknown;
  [key: string]: unknown;
}

interface Dispatcher {
  dispatch(options: DispatchOptions, handler: unknown): boolean;
  close(...args: unknown[]): unknown;
  destroy(...args: unknown[]): unknown;
}

type GlobalWithDispatcher = typeof globalThis & { [GLOBAL_DISPATCHER]?: Dispatcher };

const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;

/** Adds a header to undici's header forms: a flat [k, v, k, v] array, an iterable of pairs, or a record. */
function withHeader(headers: unknown, name: string, value: string): unknown {
  if (headers == null) return { [name]: value };
  if (Array.isArray(headers)) {
    return headers.length > 0 && Array.isArray(headers[0]) ? [...headers, [name, value]] : [...headers, name, value];
  }
  if (typeof headers === "object" && Symbol.iterator in headers) return [...(headers as Iterable<[string, string]>), [name, value]];
  return { ...(headers as Record<string, string>), [name]: value };
}

class SimulatorDispatcher implements Dispatcher {
  constructor(readonly inner: Dispatcher, private readonly simulator: URL) {}

  dispatch(options: DispatchOptions, handler: unknown): boolean {
    const origin = options.origin ? new URL(String(options.origin)) : null;
    if (origin && SHOP_HOST.test(origin.hostname)) {
      const rerouted: DispatchOptions = {
        ...options,
        origin: this.simulator.origin,
        headers: withHeader(options.headers, "x-sim-shop", origin.hostname.toLowerCase()),
      };
      return this.inner.dispatch(rerouted, handler);
    }
    return this.inner.dispatch(options, handler);
  }

  close(...args: unknown[]): unknown {
    return this.inner.close(...args);
  }

  destroy(...args: unknown[]): unknown {
    return this.inner.destroy(...args);
  }
}

function currentDispatcher(): Dispatcher | undefined {
  return (globalThis as GlobalWithDispatcher)[GLOBAL_DISPATCHER];
}

/**
 * Installs the interception when `SHOPIFY_ADMIN_SIMULATOR_URL` is set; returns whether it did.
 * Calling it again replaces the earlier interception (e.g. a test pointing at a new simulator).
 */
export function installSimulatorInterception(env: Record<string, string | undefined> = process.env): boolean {
  const target = env.SHOPIFY_ADMIN_SIMULATOR_URL?.trim();
  if (!target) return false;
  const simulator = new URL(target);
  if (currentDispatcher() === undefined) {
    // Node creates its built-in dispatcher on the first fetch; a data: URL creates it without any I/O.
    void fetch("data:,").catch(() => undefined);
  }
  const existing = currentDispatcher();
  if (!existing) throw new Error("Node's fetch dispatcher is unavailable; cannot reach the Shopify simulator");
  const inner = existing instanceof SimulatorDispatcher ? existing.inner : existing;
  (globalThis as GlobalWithDispatcher)[GLOBAL_DISPATCHER] = new SimulatorDispatcher(inner, simulator);
  return true;
}

/** Restores Node's own dispatcher (tests). */
export function uninstallSimulatorInterception(): void {
  const existing = currentDispatcher();
  if (existing instanceof SimulatorDispatcher) (globalThis as GlobalWithDispatcher)[GLOBAL_DISPATCHER] = existing.inner;
}

/** Whether *.myshopify.com traffic currently goes to the simulator. */
export function isSimulatorInterceptionInstalled(): boolean {
  return currentDispatcher() instanceof SimulatorDispatcher;
}
