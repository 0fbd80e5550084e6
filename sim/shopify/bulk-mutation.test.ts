import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./index";
import { parseJsonl } from "../kit/receiver";

interface StagedTarget {
  url: string;
  resourceUrl: string | null;
  parameters: { name: string; value: string }[];
}

const STAGE = `#graphql
  mutation Stage($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets { url resourceUrl parameters { name value } }
      userErrors { field message }
    }
  }`;

const RUN = `#graphql
  mutation Run($mutation: String!, $path: String!) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) {
      bulkOperation { id status type }
      userErrors { field message code }
    }
  }`;

const TAGS_ADD = `mutation tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }`;

describe("bulk mutations through staged uploads", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      bulk: { delayMs: 20 },
      shops: [{ domain: "writer", customers: [{ id: 7100000000001, tags: ["keep"] }, { id: 7100000000002 }] }],
    });
  });
  afterAll(() => sim.stop());

  async function stage(jsonl: string): Promise<string> {
    const shop = sim.shop("writer");
    const staged = await shop.graphql<{ stagedUploadsCreate: { stagedTargets: StagedTarget[] } }>(STAGE, {
      input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }],
    });
    const target = staged.data!.stagedUploadsCreate.stagedTargets[0];
    expect(target.resourceUrl).toBeNull();
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.value);
    form.append("file", new Blob([jsonl], { type: "text/jsonl" }), "tags.jsonl");
    const upload = await fetch(target.url, { method: "POST", body: form });
    expect(upload.status).toBe(201);
    expect(await upload.text()).toContain("<PostResponse>");
    return target.parameters.find((p) => p.name === "key")!.value;
  }

  it("GIVEN a staged JSONL of tagsAdd variables WHEN the bulk mutation runs THEN the result file has one line per input with data, userErrors or errors", async () => {
    const shop = sim.shop("writer");
    const path = await stage(
      [
        JSON.stringify({ id: "gid://shopify/Customer/7100000000001", tags: ["rfm:champions"] }),
        JSON.stringify({ id: "gid://shopify/Customer/999", tags: ["rfm:lost"] }),
        JSON.stringify({ id: "gid://shopify/Customer/7100000000002", tags: 42 }),
        JSON.stringify({ id: "gid://shopify/Customer/7100000000002", tags: ["rfm:new"] }),
      ].join("\n")
    );

    const run = await shop.graphql<{
      bulkOperationRunMutation: { bulkOperation: { id: string; status: string; type: string }; userErrors: unknown[] };
    }>(RUN, {
      mutation: TAGS_ADD,
      path,
    });
    expect(run.data!.bulkOperationRunMutation).toMatchObject({ bulkOperation: { status: "CREATED", type: "MUTATION" }, userErrors: [] });
    await shop.settle();
    const op = await shop.graphql<{ bulkOperation: { status: string; url: string; objectCount: string } }>(
      `query($id: ID!) { bulkOperation(id: $id) { status url objectCount } }`,
      {
        id: run.data!.bulkOperationRunMutation.bulkOperation.id,
      }
    );
    expect(op.data!.bulkOperation).toMatchObject({ status: "COMPLETED", objectCount: "4" });

    const lines = parseJsonl(await (await fetch(op.data!.bulkOperation.url)).text());
    expect(lines.map((l) => l.__lineNumber)).toEqual([0, 1, 2, 3]);
    expect(lines[0]).toEqual({
      data: { tagsAdd: { node: { id: "gid://shopify/Customer/7100000000001" }, userErrors: [] } },
      __lineNumber: 0,
    });
    expect(lines[1]).toEqual({
      data: { tagsAdd: { node: null, userErrors: [{ field: ["id"], message: "Resource does not exist" }] } },
      __lineNumber: 1,
    });
    expect(lines[2].data).toBeUndefined();
    expect((lines[2].errors as { message: string }[])[0].message).toMatch(/\$tags/);
    expect(lines[3].data).toBeDefined();

    expect(shop.store.customers.get(7100000000001)!.tags).toEqual(["keep", "rfm:champions"]);
    expect(shop.store.customers.get(7100000000002)!.tags).toEqual(["rfm:new"]);
  });

  it("GIVEN an unknown staged path or a query instead of a mutation WHEN submitted THEN userErrors say why", async () => {
    const shop = sim.shop("writer");
    const missing = await shop.graphql<{ bulkOperationRunMutation: { userErrors: { code: string }[] } }>(RUN, {
      mutation: TAGS_ADD,
      path: "tmp/1/bulk/nope/tags.jsonl",
    });
    expect(missing.data!.bulkOperationRunMutation.userErrors[0].code).toBe("NO_SUCH_FILE");

    const path = await stage(JSON.stringify({ id: "gid://shopify/Customer/7100000000001", tags: ["x"] }));
    const query = await shop.graphql<{ bulkOperationRunMutation: { userErrors: { code: string }[] } }>(RUN, {
      mutation: "{ shop { name } }",
      path,
    });
    expect(query.data!.bulkOperationRunMutation.userErrors[0].code).toBe("INVALID_MUTATION");
  });

  it("GIVEN parameters altered before upload WHEN posted THEN the storage refuses it", async () => {
    const shop = sim.shop("writer");
    const staged = await shop.graphql<{ stagedUploadsCreate: { stagedTargets: StagedTarget[] } }>(STAGE, {
      input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "v.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }],
    });
    const target = staged.data!.stagedUploadsCreate.stagedTargets[0];
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.name === "x-goog-signature" ? "forged" : p.value);
    form.append("file", new Blob(["{}"]), "v.jsonl");
    expect((await fetch(target.url, { method: "POST", body: form })).status).toBe(403);
  });
});
