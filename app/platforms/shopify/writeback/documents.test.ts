/**
 * Every document write-back sends validates against Shopify's real 2026-10 Admin schema,
 * including the aliased online batches and the per-run bulk mutations built at runtime.
 */
import { describe, expect, it } from "vitest";
import * as documents from "./documents";
import { BULK_DOCUMENTS, bulkMutationFor, buildBatchMutation, parseBulkMutationName, type BulkKind } from "./documents";
import { validateAdminDocument } from "../../../../sim/shopify";

const messages = (doc: string) => validateAdminDocument(doc).map((e) => e.message);

describe("write-back GraphQL documents", () => {
  it("GIVEN the static documents WHEN validated THEN the real schema accepts them", () => {
    const statics = Object.entries(documents).filter(([, v]) => typeof v === "string" && v.startsWith("#graphql"));
    expect(statics.length).toBeGreaterThanOrEqual(14);
    for (const [name, doc] of statics) expect(messages(doc as string), name).toEqual([]);
  });

  it("GIVEN an online batch with every kind of operation WHEN validated THEN the real schema accepts it", () => {
    const ownerId = "gid://shopify/Customer/1";
    const { query, variables } = buildBatchMutation([
      { kind: "tagsAdd", alias: "add0", id: ownerId, tags: ["rfm:loyal"] },
      { kind: "tagsRemove", alias: "remove0", id: ownerId, tags: ["rfm:lost"] },
      { kind: "metafieldsSet", alias: "set0", metafields: [{ ownerId, namespace: "rfm", key: "persona", type: "single_line_text_field", value: "Loyal" }] },
      { kind: "metafieldsDelete", alias: "delete0", metafields: [{ ownerId, namespace: "rfm", key: "previous_persona" }] },
      { kind: "flowTriggerReceive", alias: "flow0", handle: "rfm-persona-changed", payload: { customer_id: 1 } },
      { kind: "tagsAdd", alias: "add1", id: ownerId, tags: ["x"] },
    ]);
    expect(messages(query)).toEqual([]);
    expect(Object.keys(variables)).toHaveLength(10);
  });

  it("GIVEN a run's bulk mutations WHEN validated THEN each is one mutation field and names its run", () => {
    for (const kind of Object.keys(BULK_DOCUMENTS) as BulkKind[]) {
      const doc = bulkMutationFor(kind, 42, 3);
      expect(messages(doc), kind).toEqual([]);
      expect(parseBulkMutationName(doc)).toEqual({ runId: 42, kind, part: 3 });
    }
    expect(parseBulkMutationName("mutation Other { tagsAdd(id: \"x\", tags: []) { userErrors { message } } }")).toBeNull();
  });
});
