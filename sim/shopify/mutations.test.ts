import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./index";

const ADA = "gid://shopify/Customer/7100000000001";
const BEN = "gid://shopify/Customer/7100000000002";

interface UserError {
  field: string[] | null;
  message: string;
  code?: string;
}

const SET = `#graphql
  mutation Set($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields { id namespace key type value compareDigest }
      userErrors { field message code elementIndex }
    }
  }`;

const READ = `#graphql
  query Read($id: ID!) {
    customer(id: $id) {
      tags
      persona: metafield(namespace: "$app:rfm", key: "persona") { value type }
      metafields(first: 10) { nodes { namespace key value } }
    }
  }`;

type SetResult = {
  metafieldsSet: { metafields: { namespace: string; key: string; value: string; compareDigest: string }[]; userErrors: UserError[] };
};
type ReadResult = {
  customer: {
    tags: string[];
    persona: { value: string; type: string } | null;
    metafields: { nodes: { namespace: string; key: string; value: string }[] };
  };
};

describe("write-back mutations", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      app: { apiKey: "mut-key", apiClientId: "424242" },
      shops: [
        {
          domain: "writes",
          flowTriggerHandles: ["rfm-persona-changed"],
          customers: [
            { id: 7100000000001, email: "ada@example.com", tags: ["VIP", "newsletter"] },
            { id: 7100000000002, email: "ben@example.com" },
          ],
        },
      ],
    });
  });
  afterAll(() => sim.stop());
  const shop = () => sim.shop("writes");

  describe("metafieldsSet", () => {
    it("GIVEN valid inputs with $app namespaces WHEN set THEN they are written under app--<clientId>--… and read back", async () => {
      const body = await shop().graphql<SetResult>(SET, {
        metafields: [
          { ownerId: ADA, namespace: "$app:rfm", key: "persona", type: "single_line_text_field", value: "Champions" },
          { ownerId: ADA, namespace: "$app:rfm", key: "score", type: "number_integer", value: "555" },
          { ownerId: ADA, namespace: "$app:rfm", key: "since", type: "date", value: "2026-10-01" },
        ],
      });
      expect(body.data!.metafieldsSet.userErrors).toEqual([]);
      expect(body.data!.metafieldsSet.metafields.map((m) => m.namespace)).toEqual(Array(3).fill("app--424242--rfm"));

      const read = await shop().graphql<ReadResult>(READ, { id: ADA });
      expect(read.data!.customer.persona).toEqual({ value: "Champions", type: "single_line_text_field" });
      expect(read.data!.customer.metafields.nodes.map((n) => `${n.key}=${n.value}`)).toEqual([
        "persona=Champions",
        "score=555",
        "since=2026-10-01",
      ]);
    });

    it("GIVEN one invalid input among valid ones WHEN set THEN nothing is written and the error names the element", async () => {
      const body = await shop().graphql<SetResult>(SET, {
        metafields: [
          { ownerId: BEN, namespace: "$app:rfm", key: "persona", type: "single_line_text_field", value: "Loyal" },
          { ownerId: BEN, namespace: "$app:rfm", key: "score", type: "number_integer", value: "4.5" },
        ],
      });
      expect(body.data!.metafieldsSet.metafields).toEqual([]);
      expect(body.data!.metafieldsSet.userErrors).toEqual([
        { field: ["metafields", "1", "value"], message: "Value must be an integer.", code: "INVALID_VALUE", elementIndex: 1 },
      ]);
      const read = await shop().graphql<ReadResult>(READ, { id: BEN });
      expect(read.data!.customer.metafields.nodes).toEqual([]);
    });

    it("GIVEN 26 inputs WHEN set THEN the call is refused as over the limit of 25", async () => {
      const metafields = Array.from({ length: 26 }, (_, i) => ({
        ownerId: BEN,
        namespace: "$app:rfm",
        key: `k${i}`,
        type: "single_line_text_field",
        value: "x",
      }));
      const body = await shop().graphql<SetResult>(SET, { metafields });
      expect(body.data!.metafieldsSet.userErrors).toEqual([
        {
          field: ["metafields"],
          message: "Exceeded the maximum metafields input limit of 25.",
          code: "LESS_THAN_OR_EQUAL_TO",
          elementIndex: null,
        },
      ]);
      expect(shop().store.metafieldsOf("CUSTOMER", 7100000000002)).toEqual([]);
    });

    it("GIVEN a stale compareDigest WHEN set THEN STALE_OBJECT; with the current digest THEN it is written", async () => {
      const first = await shop().graphql<SetResult>(SET, {
        metafields: [{ ownerId: BEN, namespace: "$app:rfm", key: "persona", type: "single_line_text_field", value: "New" }],
      });
      const digest = first.data!.metafieldsSet.metafields[0].compareDigest;
      await shop().graphql<SetResult>(SET, { metafields: [{ ownerId: BEN, namespace: "$app:rfm", key: "persona", value: "Promising" }] });

      const stale = await shop().graphql<SetResult>(SET, {
        metafields: [{ ownerId: BEN, namespace: "$app:rfm", key: "persona", value: "Lost", compareDigest: digest }],
      });
      expect(stale.data!.metafieldsSet.userErrors[0]).toMatchObject({ code: "STALE_OBJECT", field: ["metafields", "0", "compareDigest"] });

      const current = (
        await shop().graphql<ReadResult & { customer: { persona: { compareDigest: string } } }>(
          `query($id: ID!) { customer(id: $id) { persona: metafield(namespace: "$app:rfm", key: "persona") { compareDigest } } }`,
          { id: BEN }
        )
      ).data!.customer.persona.compareDigest;
      const ok = await shop().graphql<SetResult>(SET, {
        metafields: [{ ownerId: BEN, namespace: "$app:rfm", key: "persona", value: "Lost", compareDigest: current }],
      });
      expect(ok.data!.metafieldsSet.userErrors).toEqual([]);
    });
  });

  describe("tags", () => {
    it("GIVEN a customer with merchant tags WHEN the app adds and removes its own THEN the merchant's tags are untouched", async () => {
      const add = await shop().graphql<{ tagsAdd: { node: { id: string }; userErrors: UserError[] } }>(
        `mutation { tagsAdd(id: "${ADA}", tags: ["rfm:champions", "vip"]) { node { id } userErrors { field message } } }`
      );
      expect(add.data!.tagsAdd).toEqual({ node: { id: ADA }, userErrors: [] });
      expect((await shop().graphql<ReadResult>(READ, { id: ADA })).data!.customer.tags).toEqual(["VIP", "newsletter", "rfm:champions"]);

      await shop().graphql(`mutation { tagsRemove(id: "${ADA}", tags: ["rfm:champions", "rfm:not-there"]) { userErrors { message } } }`);
      expect((await shop().graphql<ReadResult>(READ, { id: ADA })).data!.customer.tags).toEqual(["VIP", "newsletter"]);
    });
  });

  describe("segments", () => {
    const CREATE = `mutation($name: String!, $query: String!) { segmentCreate(name: $name, query: $query) { segment { id name query } userErrors { field message } } }`;
    type Created = { segmentCreate: { segment: { id: string; name: string } | null; userErrors: UserError[] } };

    it("GIVEN a segment name in use WHEN another is created with it THEN a userError on name", async () => {
      const first = await shop().graphql<Created>(CREATE, { name: "RFM: Champions", query: "customer_tags CONTAINS 'rfm:champions'" });
      expect(first.data!.segmentCreate.userErrors).toEqual([]);
      const again = await shop().graphql<Created>(CREATE, { name: "RFM: Champions", query: "customer_tags CONTAINS 'x'" });
      expect(again.data!.segmentCreate).toEqual({
        segment: null,
        userErrors: [{ field: ["name"], message: "Name has already been taken" }],
      });
    });

    it("GIVEN a metafield filter WHEN its definition is missing THEN refused; once defined as admin-filterable THEN accepted and updatable", async () => {
      const query = "metafields.app--424242--rfm.segment_persona = 'Champions'";
      const before = await shop().graphql<Created>(CREATE, { name: "By persona", query });
      expect(before.data!.segmentCreate.userErrors[0].message).toMatch(/filter cannot be found/);

      await shop().graphql(
        `mutation { metafieldDefinitionCreate(definition: { name: "Persona", namespace: "$app:rfm", key: "segment_persona", type: "single_line_text_field", ownerType: CUSTOMER, capabilities: { adminFilterable: { enabled: true } } }) { userErrors { message } } }`
      );
      const after = await shop().graphql<Created>(CREATE, { name: "By persona", query });
      expect(after.data!.segmentCreate.userErrors).toEqual([]);

      const updated = await shop().graphql<{ segmentUpdate: { segment: { name: string; query: string }; userErrors: UserError[] } }>(
        `mutation($id: ID!) { segmentUpdate(id: $id, query: "metafields.app--424242--rfm.segment_persona = 'Loyal'") { segment { name query } userErrors { message } } }`,
        { id: after.data!.segmentCreate.segment!.id }
      );
      expect(updated.data!.segmentUpdate.segment.query).toContain("Loyal");
      const list = await shop().graphql<{ segments: { nodes: { name: string }[] } }>(`{ segments(first: 10) { nodes { name } } }`);
      expect(list.data!.segments.nodes.map((n) => n.name)).toEqual(["RFM: Champions", "By persona"]);
    });

    it("GIVEN a malformed segment query WHEN created THEN a userError on query", async () => {
      const body = await shop().graphql<Created>(CREATE, { name: "Broken", query: "customer_tags CONTAINZ 'x'" });
      expect(body.data!.segmentCreate.userErrors[0].field).toEqual(["query"]);
    });
  });

  describe("metafield definitions", () => {
    const DEFINE = `#graphql
      mutation Define($definition: MetafieldDefinitionInput!) {
        metafieldDefinitionCreate(definition: $definition) {
          createdDefinition { id namespace key type { name } capabilities { adminFilterable { enabled } } }
          userErrors { field message code }
        }
      }`;
    type Defined = { metafieldDefinitionCreate: { createdDefinition: { namespace: string } | null; userErrors: UserError[] } };
    const definition = {
      name: "RFM persona",
      namespace: "$app:rfm",
      key: "persona",
      type: "single_line_text_field",
      ownerType: "CUSTOMER",
    };

    it("GIVEN an existing definition WHEN the same namespace and key are defined again THEN TAKEN", async () => {
      const first = await shop().graphql<Defined>(DEFINE, { definition });
      expect(first.data!.metafieldDefinitionCreate.createdDefinition).toMatchObject({ namespace: "app--424242--rfm" });
      const again = await shop().graphql<Defined>(DEFINE, { definition });
      expect(again.data!.metafieldDefinitionCreate.createdDefinition).toBeNull();
      expect(again.data!.metafieldDefinitionCreate.userErrors).toEqual([
        {
          field: ["definition", "key"],
          code: "TAKEN",
          message: "Key is in use for Customer metafields on the 'app--424242--rfm' namespace.",
        },
      ]);
      const listed = await shop().graphql<{ metafieldDefinitions: { nodes: { key: string }[] } }>(
        `{ metafieldDefinitions(first: 10, ownerType: CUSTOMER, namespace: "$app:rfm") { nodes { key } } }`
      );
      expect(listed.data!.metafieldDefinitions.nodes.map((n) => n.key).sort()).toEqual(["persona", "segment_persona"]);
    });

    it("GIVEN a definition WHEN a metafield of another type is set THEN INVALID_TYPE", async () => {
      const body = await shop().graphql<SetResult>(SET, {
        metafields: [{ ownerId: BEN, namespace: "$app:rfm", key: "persona", type: "number_integer", value: "1" }],
      });
      expect(body.data!.metafieldsSet.userErrors[0].code).toBe("INVALID_TYPE");
    });
  });

  describe("flowTriggerReceive", () => {
    const FLOW = `mutation($handle: String, $payload: JSON) { flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } } }`;
    type Flow = { flowTriggerReceive: { userErrors: UserError[] } };

    it("GIVEN the app's trigger handle WHEN called THEN the call is recorded; unknown handles and payloads over 50 KB are refused", async () => {
      const payload = { "Customer ID": 7100000000001, persona: "Champions", previous_persona: "Loyal" };
      const ok = await shop().graphql<Flow>(FLOW, { handle: "rfm-persona-changed", payload });
      expect(ok.data!.flowTriggerReceive.userErrors).toEqual([]);
      expect(shop().flowTriggerCalls.at(-1)).toMatchObject({ handle: "rfm-persona-changed", payload });

      const unknown = await shop().graphql<Flow>(FLOW, { handle: "nope", payload });
      expect(unknown.data!.flowTriggerReceive.userErrors[0].field).toEqual(["handle"]);

      const big = await shop().graphql<Flow>(FLOW, { handle: "rfm-persona-changed", payload: { blob: "x".repeat(51_000) } });
      expect(big.data!.flowTriggerReceive.userErrors[0].message).toMatch(/too large/);
      expect(shop().flowTriggerCalls).toHaveLength(1);
    });
  });

  it("GIVEN every mutation above WHEN stats are read THEN mutation names were recorded in order", () => {
    const names = shop().stats().mutations;
    expect(names).toContain("metafieldsSet");
    expect(names).toContain("tagsAdd");
    expect(names.indexOf("tagsAdd")).toBeLessThan(names.indexOf("tagsRemove"));
  });
});
