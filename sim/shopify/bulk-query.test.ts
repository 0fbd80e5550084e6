import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, startSimulator, type SeedData, type Simulator } from "./index";
import { parseJsonl } from "../kit/receiver";

interface BulkPayload {
  bulkOperationRunQuery: {
    bulkOperation: { id: string; status: string } | null;
    userErrors: { field: string[] | null; message: string; code: string }[];
  };
}
interface BulkStatus {
  bulkOperation: {
    status: string;
    url: string | null;
    objectCount: string;
    rootObjectCount: string;
    fileSize: string | null;
    errorCode: string | null;
  };
}

const RUN = `#graphql
  mutation Run($query: String!, $group: Boolean!) {
    bulkOperationRunQuery(query: $query, groupObjects: $group) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }`;

const ORDERS_WITH_LINES = `{
  orders {
    edges { node {
      id name processedAt
      currentTotalPriceSet { shopMoney { amount currencyCode } }
      lineItems { edges { node { id quantity originalUnitPriceSet { shopMoney { amount } } } } }
    } }
  }
}`;

describe("bulk query operations", () => {
  let sim: Simulator;
  let seed: SeedData;
  beforeAll(async () => {
    seed = generateSeed({ dataset: "cdnow", maxCustomers: 40, seed: 3 });
    sim = await startSimulator({ shops: [{ domain: "bulk", data: seed }], bulk: { delayMs: 30 } });
  });
  afterAll(() => sim.stop());

  async function runToCompletion(query: string, group = false) {
    const shop = sim.shop("bulk");
    const started = await shop.graphql<BulkPayload>(RUN, { query, group });
    const op = started.data!.bulkOperationRunQuery.bulkOperation!;
    expect(op.status).toBe("CREATED");
    await shop.bulk.whenIdle();
    const polled = await shop.graphql<BulkStatus>(
      `query($id: ID!) { bulkOperation(id: $id) { status url objectCount rootObjectCount fileSize errorCode } }`,
      { id: op.id }
    );
    return polled.data!.bulkOperation;
  }

  it("GIVEN a seeded shop WHEN orders with line items are exported THEN the JSONL joined on __parentId equals the seeded orders and lines, children not kept next to parents", async () => {
    const op = await runToCompletion(ORDERS_WITH_LINES);
    expect(op.status).toBe("COMPLETED");
    const text = await (await fetch(op.url!)).text();
    const lines = parseJsonl(text);

    expect(Number(op.fileSize)).toBe(Buffer.byteLength(text));
    expect(Number(op.rootObjectCount)).toBe(seed.truth.counts.orders);
    expect(Number(op.objectCount)).toBe(seed.truth.counts.orders + seed.truth.counts.lineItems);

    // Join children to parents by __parentId only, never by position.
    const orders = new Map<string, { name: string; total: string; lines: { id: string; quantity: number; price: string }[] }>();
    for (const line of lines.filter((l) => !("__parentId" in l))) {
      const money = line.currentTotalPriceSet as { shopMoney: { amount: string } };
      orders.set(line.id as string, { name: line.name as string, total: money.shopMoney.amount, lines: [] });
    }
    for (const line of lines.filter((l) => "__parentId" in l)) {
      const price = (line.originalUnitPriceSet as { shopMoney: { amount: string } }).shopMoney.amount;
      orders.get(line.__parentId as string)!.lines.push({ id: line.id as string, quantity: line.quantity as number, price });
    }
    const cents = (amount: string) => Math.round(Number(amount) * 100);
    const exported = [...orders].map(([id, o]) => ({
      id,
      name: o.name,
      totalCents: cents(o.total),
      lines: o.lines
        .map((l) => ({ id: l.id, quantity: l.quantity, unitPriceCents: cents(l.price) }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    }));
    const expected = seed.truth.orders.map((o) => ({
      id: o.id,
      name: o.name,
      totalCents: o.currentTotalCents,
      lines: o.lineItems
        .map((l) => ({ id: l.id, quantity: l.quantity, unitPriceCents: l.unitPriceCents }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    }));
    expect(exported).toEqual(expected);

    // Real-format file: children on their own lines, and at least some not right after their parent.
    const nonAdjacent = lines.filter((line, i) => {
      if (!("__parentId" in line)) return false;
      const previousParent = lines
        .slice(0, i)
        .reverse()
        .find((l) => !("__parentId" in l));
      return previousParent?.id !== line.__parentId;
    });
    expect(nonAdjacent.length).toBeGreaterThan(0);
  });

  it("GIVEN groupObjects: true WHEN exported THEN every child directly follows its parent group", async () => {
    const op = await runToCompletion(ORDERS_WITH_LINES, true);
    const lines = parseJsonl(await (await fetch(op.url!)).text());
    let parent: unknown = null;
    for (const line of lines) {
      if ("__parentId" in line) expect(line.__parentId).toBe(parent);
      else parent = line.id;
    }
  });

  it("GIVEN a query with no results WHEN completed THEN url is null, as on Shopify", async () => {
    const op = await runToCompletion(`{ orders(query: "processed_at:<1990-01-01") { edges { node { id } } } }`);
    expect(op).toMatchObject({ status: "COMPLETED", url: null, objectCount: "0" });
  });

  it.each([
    [
      "more than 5 connections",
      `{ customers { edges { node { id
        a: orders { edges { node { id } } } b: orders { edges { node { id } } } c: orders { edges { node { id } } }
        d: orders { edges { node { id } } } e: orders { edges { node { id } } } } } } }`,
      /more than 5 connections/,
    ],
    [
      "three levels of connections",
      `{ customers { edges { node { id orders { edges { node { id lineItems { edges { node { id } } } } } } } } } }`,
      /nested more than 2 levels/,
    ],
    [
      "a nested connection whose parent lacks id",
      `{ orders { edges { node { name lineItems { edges { node { id } } } } } } }`,
      /must select the 'id' field/,
    ],
    ["no connection at the top", `{ shop { name } }`, /connection/],
    ["an unknown field", `{ orders { edges { node { idd } } } }`, /Invalid bulk query: Field 'idd' doesn't exist/],
  ])("GIVEN %s WHEN submitted THEN a userError explains the limit and nothing runs", async (_name, query, message) => {
    const body = await sim.shop("bulk").graphql<BulkPayload>(RUN, { query, group: false });
    const payload = body.data!.bulkOperationRunQuery;
    expect(payload.bulkOperation).toBeNull();
    expect(payload.userErrors[0]).toMatchObject({ field: ["query"], code: "INVALID" });
    expect(payload.userErrors[0].message).toMatch(message);
  });

  it("GIVEN a running export WHEN listed with bulkOperations(query:) THEN it can be found by status", async () => {
    const shop = sim.shop("bulk");
    await shop.graphql<BulkPayload>(RUN, { query: `{ customers { edges { node { id email } } } }`, group: false });
    await shop.bulk.whenIdle();
    const body = await shop.graphql<{ bulkOperations: { nodes: { status: string; type: string }[] } }>(
      `{ bulkOperations(first: 10, query: "status:COMPLETED operation_type:QUERY", sortKey: CREATED_AT, reverse: true) { nodes { status type } } }`
    );
    expect(body.data!.bulkOperations.nodes.length).toBeGreaterThan(0);
    expect(body.data!.bulkOperations.nodes.every((n) => n.status === "COMPLETED" && n.type === "QUERY")).toBe(true);
  });

  it("GIVEN a running export WHEN cancelled THEN it ends CANCELED; and starting more than the concurrency limit gives LIMIT_REACHED", async () => {
    const shop = sim.shop("bulk");
    shop.setBulkSettings({ maxConcurrent: 1 });
    const first = await shop.graphql<BulkPayload>(RUN, { query: `{ customers { edges { node { id } } } }`, group: false });
    const second = await shop.graphql<BulkPayload>(RUN, { query: `{ customers { edges { node { id } } } }`, group: false });
    expect(second.data!.bulkOperationRunQuery.userErrors[0].code).toBe("LIMIT_REACHED");

    const id = first.data!.bulkOperationRunQuery.bulkOperation!.id;
    const cancel = await shop.graphql<{ bulkOperationCancel: { bulkOperation: { status: string }; userErrors: unknown[] } }>(
      `mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }`,
      { id }
    );
    expect(cancel.data!.bulkOperationCancel).toEqual({ bulkOperation: { status: "CANCELING" }, userErrors: [] });
    await shop.bulk.whenIdle();
    const polled = await shop.graphql<BulkStatus>(
      `query($id: ID!) { bulkOperation(id: $id) { status url objectCount rootObjectCount fileSize errorCode } }`,
      { id }
    );
    expect(polled.data!.bulkOperation).toMatchObject({ status: "CANCELED", url: null });
    shop.setBulkSettings({ maxConcurrent: 5 });
  });
});
