/**
 * The Admin GraphQL documents write-back sends. Static ones are `#graphql` literals
 * (validated against the real schema by test/graphql-documents.test.ts); the online
 * batch is built per request with aliases and validated in documents.test.ts.
 */
import type { WriteKind } from "~/writeback/state";

// ---- one customer operation per field (online batches alias many of them) ----

const TAGS_SELECTION = "{ userErrors { field message } }";
const SET_SELECTION = "{ userErrors { field message code elementIndex } }";
const DELETE_SELECTION = "{ deletedMetafields { ownerId namespace key } userErrors { field message } }";
const FLOW_SELECTION = "{ userErrors { field message } }";

export type BatchField =
  | { kind: "tagsAdd" | "tagsRemove"; alias: string; id: string; tags: string[] }
  | { kind: "metafieldsSet"; alias: string; metafields: { ownerId: string; namespace: string; key: string; type: string; value: string }[] }
  | { kind: "metafieldsDelete"; alias: string; metafields: { ownerId: string; namespace: string; key: string }[] }
  | { kind: "flowTriggerReceive"; alias: string; handle: string; payload: Record<string, unknown> };

/** Mutation costs 10 points per root field (https://shopify.dev/docs/api/usage/limits#cost-calculation). */
export const MUTATION_FIELD_COST = 10;

/** One request carrying many operations as aliased root fields; values travel as variables. */
export function buildBatchMutation(fields: readonly BatchField[]): { query: string; variables: Record<string, unknown> } {
  const declarations: string[] = [];
  const selections: string[] = [];
  const variables: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    const v = (name: string) => `${name}${i}`;
    switch (field.kind) {
      case "tagsAdd":
      case "tagsRemove":
        declarations.push(`$${v("id")}: ID!`, `$${v("tags")}: [String!]!`);
        variables[v("id")] = field.id;
        variables[v("tags")] = field.tags;
        selections.push(`${field.alias}: ${field.kind}(id: $${v("id")}, tags: $${v("tags")}) ${TAGS_SELECTION}`);
        break;
      case "metafieldsSet":
        declarations.push(`$${v("mf")}: [MetafieldsSetInput!]!`);
        variables[v("mf")] = field.metafields;
        selections.push(`${field.alias}: metafieldsSet(metafields: $${v("mf")}) ${SET_SELECTION}`);
        break;
      case "metafieldsDelete":
        declarations.push(`$${v("mf")}: [MetafieldIdentifierInput!]!`);
        variables[v("mf")] = field.metafields;
        selections.push(`${field.alias}: metafieldsDelete(metafields: $${v("mf")}) ${DELETE_SELECTION}`);
        break;
      case "flowTriggerReceive":
        declarations.push(`$${v("handle")}: String!`, `$${v("payload")}: JSON!`);
        variables[v("handle")] = field.handle;
        variables[v("payload")] = field.payload;
        selections.push(`${field.alias}: flowTriggerReceive(handle: $${v("handle")}, payload: $${v("payload")}) ${FLOW_SELECTION}`);
        break;
    }
  });
  const query = `mutation RfmWritebackBatch(${declarations.join(", ")}) {\n  ${selections.join("\n  ")}\n}`;
  return { query, variables };
}

// ---- bulk mutations: one JSONL line of variables per customer ----

export const BULK_TAGS_ADD = `#graphql
mutation RfmBulkTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { userErrors { field message } }
}`;

export const BULK_TAGS_REMOVE = `#graphql
mutation RfmBulkTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { userErrors { field message } }
}`;

export const BULK_METAFIELDS_SET = `#graphql
mutation RfmBulkMetafieldsSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { userErrors { field message code elementIndex } }
}`;

export const BULK_METAFIELDS_DELETE = `#graphql
mutation RfmBulkMetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $metafields) { userErrors { field message } }
}`;

export const BULK_FLOW_TRIGGER = `#graphql
mutation RfmBulkFlowTrigger($handle: String!, $payload: JSON!) {
  flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
}`;

export type BulkKind = "tagsAdd" | "tagsRemove" | "metafieldsSet" | "metafieldsDelete" | "flowTriggerReceive";

/** The mutation that carries each kind of planned operation: labels are tags, fields are metafields. */
export const MUTATION_OF: Record<WriteKind, Exclude<BulkKind, "flowTriggerReceive">> = {
  labelsAdd: "tagsAdd",
  labelsRemove: "tagsRemove",
  fieldsSet: "metafieldsSet",
  fieldsDelete: "metafieldsDelete",
};

export const BULK_DOCUMENTS: Record<BulkKind, { document: string; name: string }> = {
  tagsAdd: { document: BULK_TAGS_ADD, name: "RfmBulkTagsAdd" },
  tagsRemove: { document: BULK_TAGS_REMOVE, name: "RfmBulkTagsRemove" },
  metafieldsSet: { document: BULK_METAFIELDS_SET, name: "RfmBulkMetafieldsSet" },
  metafieldsDelete: { document: BULK_METAFIELDS_DELETE, name: "RfmBulkMetafieldsDelete" },
  flowTriggerReceive: { document: BULK_FLOW_TRIGGER, name: "RfmBulkFlowTrigger" },
};

/**
 * The bulk mutation for one file of a run: the operation name carries the run id and the
 * file's part number, so after a crash the run's operations are found again
 * (BulkOperation.query echoes the mutation).
 */
export function bulkMutationFor(kind: BulkKind, runId: number, part = 0): string {
  const { document, name } = BULK_DOCUMENTS[kind];
  return document.replace("#graphql\n", "").replace(`mutation ${name}(`, `mutation ${name}_run${runId}_part${part}(`);
}

/** Run id, kind and part of a bulk mutation document we sent, or null. */
export function parseBulkMutationName(query: string): { runId: number; kind: BulkKind; part: number } | null {
  const match = /mutation\s+(RfmBulk\w+?)_run(\d+)_part(\d+)\s*\(/.exec(query);
  if (!match) return null;
  const kind = (Object.keys(BULK_DOCUMENTS) as BulkKind[]).find((k) => BULK_DOCUMENTS[k].name === match[1]);
  return kind ? { runId: Number(match[2]), kind, part: Number(match[3]) } : null;
}

export const STAGED_UPLOADS_CREATE = `#graphql
mutation RfmStagedUploadsCreate($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}`;

export const BULK_OPERATION_RUN_MUTATION = `#graphql
mutation RfmBulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!, $clientIdentifier: String) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath, clientIdentifier: $clientIdentifier) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

export const BULK_OPERATIONS_BY_ID = `#graphql
query RfmBulkOperationsById($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}`;

/** Recent bulk mutations (newest first), to find a crashed run's operations by name. */
export const RECENT_BULK_MUTATIONS = `#graphql
query RfmRecentBulkMutations($query: String!) {
  bulkOperations(first: 50, query: $query, sortKey: CREATED_AT) {
    nodes { id status query createdAt }
  }
}`;

// ---- store setup: metafield definitions and segments ----

export const METAFIELD_DEFINITIONS = `#graphql
query RfmMetafieldDefinitions($namespace: String!) {
  metafieldDefinitions(first: 50, ownerType: CUSTOMER, namespace: $namespace) {
    nodes { id namespace key name type { name } access { admin } capabilities { adminFilterable { enabled } } }
  }
}`;

export const METAFIELD_DEFINITION_CREATE = `#graphql
mutation RfmMetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition { id namespace key }
    userErrors { field message code }
  }
}`;

export const SEGMENTS_BY_ID = `#graphql
query RfmSegmentsById($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Segment { id name query }
  }
}`;

export const SEGMENTS_LIST = `#graphql
query RfmSegments($after: String) {
  segments(first: 100, after: $after) {
    nodes { id name query }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const SEGMENT_CREATE = `#graphql
mutation RfmSegmentCreate($name: String!, $query: String!) {
  segmentCreate(name: $name, query: $query) {
    segment { id name query }
    userErrors { field message }
  }
}`;

export const SEGMENT_UPDATE = `#graphql
mutation RfmSegmentUpdate($id: ID!, $name: String, $query: String) {
  segmentUpdate(id: $id, name: $name, query: $query) {
    segment { id name query }
    userErrors { field message }
  }
}`;

export const SEGMENT_DELETE = `#graphql
mutation RfmSegmentDelete($id: ID!) {
  segmentDelete(id: $id) {
    deletedSegmentId
    userErrors { field message }
  }
}`;
