/**
 * npx tsx scripts/bench-sim-bulk.ts [--orders 1000000] [--customers 100000] [--skip export|mutation]
 *
 * The Shopify simulator's own bulk operations at benchmark scale, in this process (as the
 * benchmarks run it), over real HTTP:
 *   export   — bulkOperationRunQuery of the app's backfill query over a replayed shop of --orders
 *              orders: time to COMPLETED, the export's size, the longest event-loop stall and the
 *              slowest answer to a small GraphQL query sent every 20 ms while it runs.
 *   mutation — bulkOperationRunMutation of a staged tagsAdd file and a metafieldsSet file
 *              (--customers lines each, as write-back sends them), customers/update webhooks
 *              delivered to a local receiver: time per file and lines per second.
 * Prints JSON. Figures, not verdicts.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { bulkOrdersQuery } from "../app/platforms/shopify/orders";
import { BULK_METAFIELDS_SET, BULK_TAGS_ADD } from "../app/platforms/shopify/writeback/documents";
import { metafieldDefinitionsFromAppToml, startSimulator, webhooksFromAppToml, type SimShop } from "../sim/shopify";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { replayedShopifyShop } from "./lib/replayed-shopify-shop";
import { readCdnow } from "./lib/cdnow";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "1000000" },
    customers: { type: "string", default: "100000" },
    skip: { type: "string", multiple: true, default: [] },
  },
});
const log = (msg: string) => process.stderr.write(`[sim-bulk] ${msg}\n`);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** CDNOW's orders per customer when replayed (as bench-shops sizes its shops). */
const ORDERS_PER_CUSTOMER = 2.95;

const toml = readFileSync(path.join(root, "shopify.app.toml"), "utf8");
/** The app's webhook endpoint: answers 200 and counts (keeping nothing, at 100k+ deliveries). */
let webhooksReceived = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    webhooksReceived++;
    res.end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const rows = readCdnow();
const skip = new Set(args.skip);
const report: Record<string, unknown> = {};

async function waitForOperation(shop: SimShop, id: string): Promise<{ status: string; url: string | null; objectCount: string }> {
  await shop.bulk.whenIdle();
  const polled = await shop.graphql<{ bulkOperation: { status: string; url: string | null; objectCount: string } }>(
    `query($id: ID!) { bulkOperation(id: $id) { status url objectCount } }`,
    { id },
  );
  return polled.data!.bulkOperation;
}

if (!skip.has("export")) {
  const t0 = Date.now();
  const data = replayedShopifyShop(Math.max(1, Math.round(Number(args.orders) / ORDERS_PER_CUSTOMER)), rows);
  log(`seeded ${data.orders.length.toLocaleString()} orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const sim = await startSimulator({ shops: [{ domain: "big", data }], bulk: { delayMs: 0 } });
  const shop = sim.shop("big");
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let slowestPing = 0;
  let pings = 0;
  let done = false;
  const pinger = (async () => {
    while (!done) {
      const s = performance.now();
      await shop.graphql(`{ shop { name } }`);
      slowestPing = Math.max(slowestPing, performance.now() - s);
      pings++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
  loop.enable();
  const started = performance.now();
  const run = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
    `mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }`,
    { q: bulkOrdersQuery() },
  );
  const op = await waitForOperation(shop, run.data!.bulkOperationRunQuery.bulkOperation.id);
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  done = true;
  await pinger;
  clearInterval(sampler);
  const size = op.url ? (await (await fetch(op.url)).arrayBuffer()).byteLength : 0;
  report.export = {
    orders: data.orders.length,
    status: op.status,
    objectCount: Number(op.objectCount),
    fileMB: mb(size),
    seconds: Number(seconds.toFixed(1)),
    objectsPerSecond: Math.round(Number(op.objectCount) / seconds),
    maxEventLoopStallMs: Math.round(loop.max / 1e6),
    slowestGraphqlAnswerMs: Math.round(slowestPing),
    graphqlAnswersDuringExport: pings,
    peakHeapGrowthMB: mb(peakHeap - heapBefore),
  };
  log(JSON.stringify(report.export));
  sim.stop();
}

async function stageAndRun(shop: SimShop, mutation: string, lines: string[]) {
  const staged = await shop.graphql<{ stagedUploadsCreate: { stagedTargets: { url: string; parameters: { name: string; value: string }[] }[] } }>(
    `mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url parameters { name value } } } }`,
    { input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "v.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }] },
  );
  const target = staged.data!.stagedUploadsCreate.stagedTargets[0];
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append("file", new Blob([lines.join("\n")], { type: "text/jsonl" }), "v.jsonl");
  await fetch(target.url, { method: "POST", body: form });
  const started = performance.now();
  const run = await shop.graphql<{ bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: unknown[] } }>(
    `mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) { bulkOperation { id } userErrors { message } } }`,
    { m: mutation, p: target.parameters.find((p) => p.name === "key")!.value },
  );
  const op = await waitForOperation(shop, run.data!.bulkOperationRunMutation.bulkOperation!.id);
  const seconds = (performance.now() - started) / 1000;
  return { lines: lines.length, status: op.status, seconds: Number(seconds.toFixed(1)), linesPerSecond: Math.round(lines.length / seconds) };
}

if (!skip.has("mutation")) {
  const data = replayedShopifyShop(Number(args.customers), rows);
  const sim = await startSimulator({
    app: { appUrl: receiverUrl, webhooks: webhooksFromAppToml(toml), metafieldDefinitions: metafieldDefinitionsFromAppToml(toml) },
    shops: [{ domain: "writer", data }],
    bulk: { delayMs: 0 },
  });
  const shop = sim.shop("writer");
  const ids = [...shop.store.customers.keys()].map((id) => `gid://shopify/Customer/${id}`);
  const tags = await stageAndRun(
    shop,
    BULK_TAGS_ADD,
    ids.map((id) => JSON.stringify({ id, tags: ["rfm:champions"] })),
  );
  log(`tagsAdd ${JSON.stringify(tags)}`);
  const metafields = await stageAndRun(
    shop,
    BULK_METAFIELDS_SET,
    ids.map((ownerId, i) =>
      JSON.stringify({
        metafields: [
          { ownerId, namespace: "$app", key: "persona", type: "single_line_text_field", value: "Champions" },
          { ownerId, namespace: "$app", key: "r_score", type: "number_integer", value: String((i % 5) + 1) },
          { ownerId, namespace: "$app", key: "score", type: "single_line_text_field", value: "555" },
        ],
      }),
    ),
  );
  log(`metafieldsSet ${JSON.stringify(metafields)}`);
  await shop.webhooks.settle();
  report.mutation = { tagsAdd: tags, metafieldsSet: metafields, webhooksReceived };
  sim.stop();
}

receiver.closeAllConnections();
receiver.close();
console.log(JSON.stringify(report, null, 2));
