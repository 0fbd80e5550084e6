/**
 * Stopping things without ever hanging: an HTTP server closes even with keep-alive sockets
 * and requests that never end, and any stop step gives up after its bound.
 */
import type { Server } from "node:http";

/** Resolves when `promise` settles or after `ms`, whichever is first; says which. */
export async function bounded(promise: Promise<unknown> | undefined, ms: number): Promise<"done" | "timeout"> {
  if (!promise) return "done";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    return await Promise.race([promise.then(() => "done" as const, () => "done" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes an HTTP server now: stops listening, then destroys every connection, idle keep-alive
 * sockets and requests still in progress alike. `server.close()` alone closes only the
 * connections Node counts as idle and waits for the rest, and it stops the headersTimeout
 * sweep that would end them. A socket a client opened and never sent a request on (undici
 * opens several while webhook deliveries queue, and keeps the unused ones) is not "idle",
 * so the close waits for the client to give it up: 57 s in one of eight demo runs here,
 * for ever when it never does. A request whose handler never answers does the same.
 */
export async function closeServer(server: Server, ms = 5_000): Promise<"done" | "timeout"> {
  if (!server.listening) return "done";
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return bounded(closed, ms);
}
