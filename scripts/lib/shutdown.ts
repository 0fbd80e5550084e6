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
 * sockets and requests still in progress alike. `server.close()` alone waits for every open
 * connection, and a keep-alive client that keeps reusing its socket, or a request whose
 * handler never answers, keeps it waiting indefinitely.
 */
export async function closeServer(server: Server, ms = 5_000): Promise<"done" | "timeout"> {
  if (!server.listening) return "done";
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return bounded(closed, ms);
}
