import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, validateAdminDocument, type Simulator } from "./index";

describe("GraphQL validation against Shopify's real 2026-10 Admin schema", () => {
  it("GIVEN a document selecting a field Order does not have WHEN validated THEN it is rejected naming the field", () => {
    const errors = validateAdminDocument(`query { orders(first: 5) { nodes { id giftWrapMessage } } }`);

    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/Cannot query field "giftWrapMessage" on type "Order"/);
  });

  it("GIVEN a typical orders query WHEN validated THEN it is accepted", () => {
    const errors = validateAdminDocument(`#graphql
      query Orders($after: String, $query: String) {
        orders(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id name processedAt cancelledAt test sourceName tags
            customer { id }
            currentTotalPriceSet { shopMoney { amount currencyCode } }
            totalRefundedSet { shopMoney { amount } }
            lineItems(first: 50) { nodes { id quantity currentQuantity originalUnitPriceSet { shopMoney { amount } } sellingPlan { sellingPlanId name } } }
          }
        }
      }`);

    expect(errors).toEqual([]);
  });

  it("GIVEN broken syntax WHEN validated THEN the syntax error is returned, not thrown", () => {
    const errors = validateAdminDocument(`query { orders(first: 1) { nodes { id }`);
    expect(errors[0].message).toMatch(/Syntax Error/);
  });

  describe("over HTTP", () => {
    let sim: Simulator;
    beforeAll(async () => {
      sim = await startSimulator({ shops: [{ domain: "schema-shop" }] });
    });
    afterAll(() => sim.stop());

    it("GIVEN an unknown field WHEN posted to the GraphQL endpoint THEN Shopify-shaped errors come back with HTTP 200 and no data", async () => {
      const response = await fetch(`${sim.url}/admin/api/2026-10/graphql.json`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Access-Token": sim.shop("schema-shop").issueAccessToken(),
          "X-Sim-Shop": "schema-shop.myshopify.com",
        },
        body: JSON.stringify({ query: "{ shop { nme } }" }),
      });

      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data?: unknown;
        errors: { message: string; locations: unknown[]; extensions: { code: string } }[];
      };
      expect(body.data).toBeUndefined();
      expect(body.errors[0]).toEqual({
        message: "Field 'nme' doesn't exist on type 'Shop'",
        locations: [{ line: 1, column: 10 }],
        extensions: { code: "undefinedField" },
      });
    });

    it("GIVEN a field the simulator does not implement WHEN queried THEN it fails loudly rather than inventing data", async () => {
      const body = await sim.shop("schema-shop").graphql(`{ shop { currencyFormats { moneyFormat } } }`);
      expect(body.errors?.[0].extensions?.code).toBe("NOT_IMPLEMENTED_IN_SIMULATOR");
    });
  });
});
