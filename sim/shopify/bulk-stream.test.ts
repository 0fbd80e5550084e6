import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, startSimulator, type BulkSettings, type FaultOptions, type SeedData, type Simulator } from "./index";

/**
 * Bulk operations at scale: the export is produced window by window into a file on disk and the
 * mutation line by line, both giving the event loop back every few milliseconds — so the shop (and
 * every other shop of the simulator) answers while they run, and objectCount grows as Shopify's does.
 */

const RUN_QUERY = `mutation($q: String!, $g: Boolean!) {
  bulkOperationRunQuery(query: $q, groupObjects: $g) { bulkOperation { id } userErrors { message } }
}`;
const STATUS = `query($id: ID!) { bulkOperation(id: $id) { status objectCount url } }`;
const ORDERS = `{ orders { edges { node { id name processedAt displayFinancialStatus
  currentTotalPriceSet { shopMoney { amount currencyCode } }
  lineItems { edges { node { id quantity originalUnitPriceSet { shopMoney { amount } } } } } } } } }`;

interface Status {
  bulkOperation: { status: string; objectCount: string; url: string | null };
}

/** Polls the operation over HTTP until it ends (COMPLETED, FAILED, CANCELED…); returns every answer seen. */
async function pollUntilDone(sim: Simulator, domain: string, id: string): Promise<Status["bulkOperation"][]> {
  const seen: Status["bulkOperation"][] = [];
  for (;;) {
    const body = await sim.shop(domain).graphql<Status>(STATUS, { id });
    const op = body.data!.bulkOperation;
    seen.push(op);
    if (!["CREATED", "RUNNING", "CANCELING"].includes(op.status)) return seen;
  }
}

describe("bulk operations at scale", () => {
  it.each<[string, Partial<BulkSettings>, boolean, FaultOptions | undefined, string]>([
    ["interleaved", { childOrder: "interleaved" }, false, undefined, "3f15ea3fcf33b8cc994cd2971b43cdc4d64b34512888abde297672ac1fd2746f"],
    ["grouped", {}, true, undefined, "9d6d4d8486f6ffbcfce092f8c9bd0acb2ebe60c7a652e60e263addc0662bc779"],
    ["shuffled", { childOrder: "shuffled" }, false, undefined, "d541a8315668a6b26301e138cd53e9b4c36b7cfaf6b089974df721edb4fe2f97"],
    [
      "interleaved with damaged lines",
      {},
      false,
      { bulkCorruptLines: [{ line: 2, how: "truncate" }, { line: 700, how: "bad-amount" }] },
      "1f2cd4e680a76ae97addc65f43ff144ae0446b43d040fb72641fb66d38bc2c21",
    ],
  ])(
    "GIVEN a seeded shop WHEN exported window by window (%s) THEN the file is byte for byte the one the simulator built in one piece",
    async (_order, bulk, group, faults, sha256) => {
      // The digests are of the files the simulator produced before exports were streamed (same seed, same query).
      const data = generateSeed({ dataset: "cdnow", maxCustomers: 300, seed: 5 });
      const sim = await startSimulator({ shops: [{ domain: "golden", data, bulk: { delayMs: 0, ...bulk }, faults }] });
      try {
        const shop = sim.shop("golden");
        const run = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(RUN_QUERY, { q: ORDERS, g: group });
        await shop.bulk.whenIdle();
        const op = (await shop.graphql<Status>(STATUS, { id: run.data!.bulkOperationRunQuery.bulkOperation.id })).data!.bulkOperation;
        expect(op.objectCount).toBe("2400");
        const text = await (await fetch(op.url!)).text();
        expect(createHash("sha256").update(text).digest("hex")).toBe(sha256);
      } finally {
        await sim.stop();
      }
    },
  );

  describe("while a large operation runs", () => {
    let sim: Simulator;
    let data: SeedData;
    let objects: number;
    const finishes: string[] = [];
    const customerUpdates = { received: 0, open: 0, mostOpen: 0 };
    let receiver: ReturnType<typeof createServer>;
    beforeAll(async () => {
      receiver = createServer((req, res) => {
        let body = "";
        const update = req.headers["x-shopify-topic"] === "customers/update";
        if (update) customerUpdates.mostOpen = Math.max(customerUpdates.mostOpen, ++customerUpdates.open);
        req.on("data", (c: Buffer) => (body += c.toString("utf8")));
        req.on("end", () => {
          if (req.headers["x-shopify-topic"] === "bulk_operations/finish") finishes.push(body);
          if (!update) return res.end();
          customerUpdates.received++;
          // Answered a moment later, so deliveries overlap as they do against a real app.
          setTimeout(() => {
            customerUpdates.open--;
            res.end();
          }, 2);
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      data = generateSeed({ dataset: "cdnow", maxCustomers: 1500, seed: 9 });
      objects = data.truth.counts.orders + data.truth.counts.lineItems;
      sim = await startSimulator({
        app: {
          appUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
          webhooks: [{ topics: ["bulk_operations/finish", "customers/update"], uri: "/webhooks" }],
        },
        shops: [{ domain: "large", data, bulk: { delayMs: 0 } }, { domain: "other" }],
      });
    });
    afterAll(async () => {
      await sim.stop();
      receiver.closeAllConnections();
      receiver.close();
    });

    it("GIVEN an export of thousands of orders WHEN the shop and another shop are queried meanwhile THEN they are answered while it is RUNNING, objectCount grows, and it completes with its file and the finish webhook", async () => {
      const shop = sim.shop("large");
      const run = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(RUN_QUERY, { q: ORDERS, g: false });
      const id = run.data!.bulkOperationRunQuery.bulkOperation.id;
      const other = sim.shop("other").graphql<{ shop: { name: string } }>(`{ shop { name } }`);

      const seen = await pollUntilDone(sim, "large", id);
      const whileRunning = seen.filter((op) => op.status === "RUNNING").map((op) => Number(op.objectCount));
      // Several different counts between none and all: the export was answered about while it ran.
      const partial = new Set(whileRunning.filter((n) => n > 0 && n < objects));
      expect(partial.size).toBeGreaterThanOrEqual(3);
      expect(whileRunning).toEqual([...whileRunning].sort((a, b) => a - b));
      expect((await other).data!.shop.name).toBe("other");

      const done = seen[seen.length - 1];
      expect(done).toMatchObject({ status: "COMPLETED", objectCount: String(objects) });
      const lines = (await (await fetch(done.url!)).text()).trim().split("\n");
      expect(lines).toHaveLength(objects);
      await shop.settle();
      expect(finishes.map((b) => JSON.parse(b) as { admin_graphql_api_id: string; status: string })).toContainEqual(
        expect.objectContaining({ admin_graphql_api_id: id, status: "completed" }),
      );
    });

    it("GIVEN a running export WHEN cancelled THEN it stops early and ends CANCELED without a file", async () => {
      const shop = sim.shop("large");
      const run = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(RUN_QUERY, { q: ORDERS, g: false });
      const id = run.data!.bulkOperationRunQuery.bulkOperation.id;
      for (;;) {
        const op = (await shop.graphql<Status>(STATUS, { id })).data!.bulkOperation;
        if (Number(op.objectCount) > 0) break;
      }
      await shop.graphql(`mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }`, { id });
      const seen = await pollUntilDone(sim, "large", id);
      const end = seen[seen.length - 1];
      expect(end.status).toBe("CANCELED");
      expect(end.url).toBeNull();
      expect(Number(end.objectCount)).toBeLessThan(objects / 2);
    });

    it("GIVEN a staged mutation of thousands of lines WHEN it runs THEN the shop answers meanwhile with a growing objectCount, every line gets its result, and the customers/update webhooks arrive a bounded number at a time", async () => {
      const shop = sim.shop("large");
      const ids = [...shop.store.customers.keys()];
      const staged = await shop.graphql<{ stagedUploadsCreate: { stagedTargets: { url: string; parameters: { name: string; value: string }[] }[] } }>(
        `mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url parameters { name value } } } }`,
        { input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }] },
      );
      const target = staged.data!.stagedUploadsCreate.stagedTargets[0];
      const form = new FormData();
      for (const p of target.parameters) form.append(p.name, p.value);
      const jsonl = ids.map((id) => JSON.stringify({ id: `gid://shopify/Customer/${id}`, tags: ["rfm:loyal"] })).join("\n");
      form.append("file", new Blob([jsonl], { type: "text/jsonl" }), "tags.jsonl");
      expect((await fetch(target.url, { method: "POST", body: form })).status).toBe(201);

      const run = await shop.graphql<{ bulkOperationRunMutation: { bulkOperation: { id: string } } }>(
        `mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) { bulkOperation { id } userErrors { message } } }`,
        {
          m: `mutation tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { field message } } }`,
          p: target.parameters.find((p) => p.name === "key")!.value,
        },
      );
      const seen = await pollUntilDone(sim, "large", run.data!.bulkOperationRunMutation.bulkOperation.id);
      const partial = new Set(seen.filter((op) => op.status === "RUNNING").map((op) => Number(op.objectCount)).filter((n) => n > 0 && n < ids.length));
      expect(partial.size).toBeGreaterThanOrEqual(3);

      const done = seen[seen.length - 1];
      expect(done).toMatchObject({ status: "COMPLETED", objectCount: String(ids.length) });
      const results = (await (await fetch(done.url!)).text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { __lineNumber: number; data: { tagsAdd: { userErrors: unknown[] } } });
      expect(results.map((r) => r.__lineNumber)).toEqual(ids.map((_, i) => i));
      expect(results.every((r) => r.data.tagsAdd.userErrors.length === 0)).toBe(true);
      expect(ids.every((id) => shop.store.customers.get(id)!.tags.includes("rfm:loyal"))).toBe(true);

      await shop.settle();
      expect(customerUpdates.received).toBe(ids.length);
      expect(customerUpdates.mostOpen).toBeLessThanOrEqual(32);
    });
  });
});
