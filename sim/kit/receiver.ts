import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the receiving test server got, with its raw body (HMACs are over the raw bytes). */
export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  rawBody: string;
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * A node:http server standing in for the app's webhook endpoint. `respond` picks the status per
 * request (default 200) and may be async, e.g. to validate before answering.
 */
export async function startReceiver(respond: (r: Received) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const r: Received = { path: req.url ?? "/", headers: req.headers, rawBody: Buffer.concat(chunks).toString("utf8"), req, res };
      received.push(r);
      const status = await respond(r);
      if (!res.headersSent) {
        res.writeHead(status);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses a JSONL document into objects (ignoring the trailing newline). */
export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
