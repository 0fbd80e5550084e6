import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./index";
import { startReceiver } from "../kit/receiver";

async function post(sim: Simulator, domain: string, token: string, query = "{ shop { name } }") {
  try {
    const response = await fetch(`${sim.url}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Sim-Shop": domain },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    return {
      status: response.status,
      code: Array.isArray(body.errors) ? body.errors[0]?.extensions?.code : undefined,
      retryAfter: response.headers.get("retry-after"),
    };
  } catch {
    return { status: 0, code: "NETWORK", retryAfter: null };
  }
}

/** Sends n requests, `concurrency` at a time, and returns their outcomes in send order. */
async function burst(sim: Simulator, domain: string, n: number, concurrency = 25) {
  const token = sim.shop(domain).issueAccessToken();
  const outcomes: Awaited<ReturnType<typeof post>>[] = [];
  for (let i = 0; i < n; i += concurrency) {
    outcomes.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, () => post(sim, domain, token)))));
  }
  return outcomes;
}

describe("fault injection", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      seed: 42,
      bulk: { delayMs: 20 },
      shops: [
        { domain: "flaky", faults: { seed: 1, http500Rate: 0.1 }, throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } },
        {
          domain: "mixed",
          faults: { seed: 9, http429Rate: 0.05, http503Rate: 0.05, throttledRate: 0.05 },
          throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 },
        },
        { domain: "hang", faults: { timeoutRate: 1, timeoutMs: 30 } },
        { domain: "bulkfail", customers: [{ email: "a@example.com" }, { email: "b@example.com" }] },
      ],
    });
  });
  afterAll(() => sim.stop());

  it("GIVEN a 10% 500 rate WHEN 1000 requests are made THEN about 100 fail with 500 and the rest succeed", async () => {
    const outcomes = await burst(sim, "flaky", 1000, 50);
    const failures = outcomes.filter((o) => o.status === 500).length;
    expect(failures).toBeGreaterThanOrEqual(70);
    expect(failures).toBeLessThanOrEqual(130);
    expect(outcomes.filter((o) => o.status === 200).length).toBe(1000 - failures);
    expect(sim.stats("flaky").faults.http500).toBe(failures);
  });

  it("GIVEN the same seed WHEN the shop is set up again THEN the fault sequence repeats exactly", async () => {
    const shop = sim.shop("flaky");
    shop.setFaults({ seed: 1, http500Rate: 0.1 });
    // One at a time, so arrival order (which the draws follow) is send order.
    const first = (await burst(sim, "flaky", 100, 1)).map((o) => o.status);
    shop.setFaults({ seed: 1, http500Rate: 0.1 });
    const second = (await burst(sim, "flaky", 100, 1)).map((o) => o.status);
    expect(first).toContain(500);
    expect(second).toEqual(first);
  });

  it("GIVEN a mix of 429, 503 and forced THROTTLED WHEN 400 requests are made THEN each shows up near its rate", async () => {
    const outcomes = await burst(sim, "mixed", 400, 50);
    const count = (pred: (o: (typeof outcomes)[number]) => boolean) => outcomes.filter(pred).length;
    for (const n of [count((o) => o.status === 429), count((o) => o.status === 503), count((o) => o.code === "THROTTLED")]) {
      expect(n).toBeGreaterThanOrEqual(8);
      expect(n).toBeLessThanOrEqual(36);
    }
    expect(outcomes.find((o) => o.status === 429)?.retryAfter).toBe("1");
    expect(sim.stats("mixed").throttledCount).toBe(count((o) => o.code === "THROTTLED"));
  });

  it("GIVEN a timeout fault WHEN a request is made THEN the connection hangs and is then dropped without an answer", async () => {
    const outcome = await post(sim, "hang", sim.shop("hang").issueAccessToken());
    expect(outcome).toMatchObject({ status: 0, code: "NETWORK" });
    expect(sim.stats("hang").faults.timeout).toBe(1);
  });

  it.each([
    ["FAILED", { status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", url: null }],
    ["CANCELED", { status: "CANCELED", errorCode: null, url: null }],
  ] as const)(
    "GIVEN bulk outcome %s WHEN a bulk query runs THEN it ends that way and bulk_operations/finish says so",
    async (outcome, expected) => {
      const receiver = await startReceiver();
      const shop = sim.shop("bulkfail");
      shop.setWebhookSubscriptions([{ topics: ["bulk_operations/finish"], uri: `${receiver.url}/webhooks/bulk` }]);
      shop.setFaults({ bulkOutcome: outcome });
      const started = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
        `mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id email } } } }") { bulkOperation { id } userErrors { message } } }`
      );
      const id = started.data!.bulkOperationRunQuery.bulkOperation.id;
      await shop.settle();
      const polled = await shop.graphql<{ bulkOperation: Record<string, unknown> }>(
        `query($id: ID!) { bulkOperation(id: $id) { status errorCode url } }`,
        { id }
      );
      expect(polled.data!.bulkOperation).toEqual(expected);
      expect(JSON.parse(receiver.received[0].rawBody)).toMatchObject({
        admin_graphql_api_id: id,
        status: outcome.toLowerCase(),
        type: "query",
      });
      shop.setFaults({});
      await receiver.close();
    }
  );

  it("GIVEN bulk outcome EXPIRED WHEN the operation has completed THEN it turns EXPIRED and its link stops working", async () => {
    const shop = sim.shop("bulkfail");
    shop.setWebhookSubscriptions([]);
    shop.setFaults({ bulkOutcome: "EXPIRED" });
    const started = await shop.graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
      `mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }`
    );
    const id = started.data!.bulkOperationRunQuery.bulkOperation.id;
    await shop.settle();
    const polled = await shop.graphql<{ bulkOperation: { status: string; url: string | null } }>(
      `query($id: ID!) { bulkOperation(id: $id) { status url } }`,
      { id }
    );
    expect(polled.data!.bulkOperation).toEqual({ status: "EXPIRED", url: null });
    shop.setFaults({});
  });
});
