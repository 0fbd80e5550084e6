/**
 * Webhook deliveries answered on the raw Node request, before Express, compression, the access
 * log and Remix's routing (docs/decisions/037-webhook-fast-path.md). Under load those cost more
 * per delivery than receipt itself; a delivery needs none of them.
 *
 * Nothing about receipt is implemented here: the body is read with the same cap, then handed,
 * as a web Request, to the webhook route's own action (the one receipt: verify, store, answer).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_WEBHOOK_BYTES, payloadTooLarge } from "~/platforms/webhook-body.server";

/** What a webhook route does with a delivery: its Remix action, called with the request alone. */
export type WebhookReceiver = (request: Request) => Promise<Response>;

/**
 * `(req, res) → handled?`: answers a POST to one of `receivers`' paths (a trailing slash is the
 * same path, as in Remix) and says true; anything else is left for the framework (false).
 */
export function webhookFastPath(
  receivers: Record<string, WebhookReceiver>,
  { limit = MAX_WEBHOOK_BYTES, onError = (err: unknown) => console.error("[webhooks]", err) } = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const byPath = new Map(Object.entries(receivers).map(([p, receive]) => [p.replace(/\/+$/, ""), receive]));
  return (req, res) => {
    if (req.method !== "POST" || !req.url) return false;
    const q = req.url.indexOf("?");
    const receive = byPath.get((q < 0 ? req.url : req.url.slice(0, q)).replace(/\/+$/, ""));
    if (!receive) return false;
    answer(req, res, receive, limit).catch((err: unknown) => {
      // The receiver threw (e.g. the database is down): as Remix would, 500 and logged.
      onError(err);
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("Unexpected Server Error");
    });
    return true;
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, receive: WebhookReceiver, limit: number): Promise<void> {
  const body = await readCapped(req, limit);
  if (body === "aborted") return;
  let request: Request;
  if (body === "too large") {
    // Said before reading (declared length) or as soon as the cap is passed; the rest is
    // discarded unbuffered (req keeps flowing) so the client reads its 413.
    return send(res, payloadTooLarge(limit));
  }
  try {
    request = new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, { method: "POST", headers: headersOf(req), body });
  } catch (err) {
    // A Host or header value the URL and Headers parsers refuse: the client's fault.
    return send(res, new Response(`Bad request: ${err instanceof Error ? err.message : String(err)}`, { status: 400 }));
  }
  return send(res, await receive(request));
}

/** The body, or "too large" as soon as it is known to exceed `limit` (by Content-Length before a byte is read). */
// Buffer.concat's bytes live in an ArrayBuffer (never shared), which is what a Request body takes.
function readCapped(req: IncomingMessage, limit: number): Promise<Buffer<ArrayBuffer> | "too large" | "aborted"> {
  const declared = req.headers["content-length"];
  // Node's parser has already refused a Content-Length that is not a number.
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.resolve("too large");
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      req.off("end", onEnd);
      chunks.length = 0;
      req.resume(); // keep draining, unbuffered
      resolve("too large");
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on("data", onData);
    req.on("end", onEnd);
    // A client that hangs up mid-body: nothing to answer, nothing stored.
    req.on("error", () => resolve("aborted"));
    req.on("aborted", () => resolve("aborted"));
  });
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  headers["content-length"] = String(body?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(body ?? undefined);
}
