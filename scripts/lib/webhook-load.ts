/**
 * The load generator of bench:webhooks, in its own process: signed `orders/create` deliveries
 * (Shopify's documented sample, each a new order with its own event id) at a fixed rate — one
 * every 1000/rate ms, open loop: a delivery is sent on time whether or not earlier ones were
 * answered, on a new keep-alive connection when every open one is busy, as many senders would.
 * The tool is `loadtest` (its requestsPerSecond mode); autocannon's rate limit sends each
 * connection's quota for the second back to back at the start of the second, a burst rather than
 * a rate (docs/decisions/051). Prints one JSON line: what was sent and how it was answered.
 *
 *   tsx scripts/lib/webhook-load.ts --url http://127.0.0.1:PORT/webhooks --rate 500 --seconds 10 --secret S --shop D
 */
import { createHmac, randomUUID } from "node:crypto";
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { parseArgs } from "node:util";
import { loadTest } from "loadtest";
import { sampleBody, SAMPLE_ORDER_ID } from "../../test/shopify-samples/payloads";

const { values: a } = parseArgs({
  options: {
    url: { type: "string" },
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    secret: { type: "string" },
    shop: { type: "string" },
    /** Order ids start after this many (a warm-up run uses other orders than the measured one). */
    offset: { type: "string", default: "0" },
  },
});
const template = sampleBody("orders/create", a.shop!);
let n = Number(a.offset);
const first = n;

type Request = (options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest;

/** One delivery: a new order id, signed over the exact bytes sent. */
function deliver(_: unknown, options: RequestOptions, request: Request, callback: (res: IncomingMessage) => void): ClientRequest {
  const id = (BigInt(SAMPLE_ORDER_ID) + BigInt(++n)).toString();
  const body = Buffer.from(template.replaceAll(SAMPLE_ORDER_ID, id), "utf8");
  options.headers = {
    ...options.headers,
    "content-type": "application/json",
    "content-length": String(body.length),
    "x-shopify-topic": "orders/create",
    "x-shopify-hmac-sha256": createHmac("sha256", a.secret!).update(body).digest("base64"),
    "x-shopify-shop-domain": a.shop!,
    "x-shopify-api-version": "2026-10",
    "x-shopify-webhook-id": randomUUID(),
    "x-shopify-event-id": randomUUID(),
    "x-shopify-triggered-at": new Date().toISOString(),
  };
  const req = request(options, callback);
  req.write(body);
  return req;
}

let ok2xx = 0;
let non2xx = 0;
let errors = 0;
let timeouts = 0;
const result = await loadTest({
  url: a.url!,
  method: "POST",
  requestsPerSecond: Number(a.rate),
  maxSeconds: Number(a.seconds),
  agentKeepAlive: true,
  timeout: 30_000,
  requestGenerator: deliver,
  statusCallback: (error: unknown, r?: { statusCode?: number }) => {
    if (r?.statusCode !== undefined) {
      if (r.statusCode >= 200 && r.statusCode < 300) ok2xx++;
      else non2xx++;
    } else if (error) {
      if (String(error).includes("timed out")) timeouts++;
      else errors++;
    }
  },
  quiet: true,
});
process.stdout.write(
  JSON.stringify({
    sent: n - first,
    answered: ok2xx + non2xx,
    ok2xx,
    non2xx,
    errors,
    timeouts,
    throughput: result.effectiveRps,
    p50: result.percentiles["50"],
    p99: result.percentiles["99"],
    max: result.maxLatencyMs,
  }) + "\n",
);
