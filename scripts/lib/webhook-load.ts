/**
 * The load generator of bench:webhooks, in its own process: signed `orders/create` deliveries
 * (Shopify's documented sample, each a new order with its own event id) at a fixed overall
 * rate with autocannon. Prints one JSON line: what was sent and how it was answered.
 *
 *   tsx scripts/lib/webhook-load.ts --url http://127.0.0.1:PORT/webhooks --rate 500 --seconds 10 --secret S --shop D
 */
import { createHmac, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { sampleBody, SAMPLE_ORDER_ID } from "../../test/shopify-samples/payloads";

const { values: a } = parseArgs({
  options: {
    url: { type: "string" },
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    secret: { type: "string" },
    shop: { type: "string" },
    connections: { type: "string", default: "200" },
    /** Order ids start after this many (a warm-up run uses other orders than the measured one). */
    offset: { type: "string", default: "0" },
  },
});
const template = sampleBody("orders/create", a.shop!);
let n = Number(a.offset);
const first = n;

function delivery() {
  const id = (BigInt(SAMPLE_ORDER_ID) + BigInt(++n)).toString();
  const body = template.replaceAll(SAMPLE_ORDER_ID, id);
  return {
    method: "POST" as const,
    body,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-hmac-sha256": createHmac("sha256", a.secret!).update(body, "utf8").digest("base64"),
      "x-shopify-shop-domain": a.shop!,
      "x-shopify-api-version": "2026-10",
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-event-id": randomUUID(),
      "x-shopify-triggered-at": new Date().toISOString(),
    },
  };
}

const result = await autocannon({
  url: a.url!,
  connections: Number(a.connections),
  overallRate: Number(a.rate),
  duration: Number(a.seconds),
  timeout: 30,
  requests: [{ setupRequest: (req: object) => ({ ...req, ...delivery() }) }],
});
process.stdout.write(
  JSON.stringify({
    sent: n - first,
    answered: result.requests.total,
    ok2xx: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  }) + "\n",
);
