import { describe, expect, it } from "vitest";
import { operationOf, traced, type AdminGraphql } from "./admin-graphql.server";

describe("operationOf", () => {
  it("names a document by its operation, or by its first field when it has no name", () => {
    // GIVEN named and anonymous documents; WHEN named; THEN the log can tell them apart
    expect(operationOf("mutation TagsAdd($id: ID!) { tagsAdd(id: $id) { userErrors { message } } }")).toBe("mutation TagsAdd");
    expect(operationOf("query Segments { segments(first: 50) { nodes { id } } }")).toBe("query Segments");
    expect(operationOf("{ shop { id } }")).toBe("query shop");
  });
});

describe("traced", () => {
  it("logs each call with its operation, length and cost, and hands the answer back unchanged", async () => {
    // GIVEN a client answering with a cost
    const answer = { data: { shop: { id: "gid://shopify/Shop/1" } }, extensions: { cost: { requestedQueryCost: 2, actualQueryCost: 1, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1999, restoreRate: 100 } } } };
    const raw = (async () => answer) as AdminGraphql;
    const lines: string[] = [];
    // WHEN a call goes through the trace
    const response = await traced(raw, "a.myshopify.com", (l) => lines.push(l))("query Shop { shop { id } }");
    // THEN the answer is the client's, and one line says what ran and what it cost
    expect(response).toBe(answer);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0].replace(/^\[admin\] /, ""))).toMatchObject({ shop: "a.myshopify.com", op: "query Shop", cost: 1, available: 1999 });
  });

  it("logs a call that throws, and throws it on", async () => {
    // GIVEN a client whose transport fails
    const raw = (async () => {
      throw new Error("fetch failed");
    }) as AdminGraphql;
    const lines: string[] = [];
    // WHEN called through the trace; THEN the error reaches the caller and the log
    await expect(traced(raw, "a.myshopify.com", (l) => lines.push(l))("mutation M { x }")).rejects.toThrow("fetch failed");
    expect(JSON.parse(lines[0].replace(/^\[admin\] /, ""))).toMatchObject({ op: "mutation M", error: "fetch failed" });
  });
});
