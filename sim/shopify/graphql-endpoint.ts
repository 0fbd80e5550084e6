import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
} from "graphql";
import { actualQueryCost, MAX_QUERY_COST, requestedQueryCost } from "./cost";
import { typeResolver } from "./resolvers";
import type { ResolverContext } from "./resolvers/context";
import { shopifyValidationError, type AdminSchema } from "./schema";
import type { RequestRecord } from "./stats";
import type { LeakyBucket } from "./throttle";

/**
 * One POST /admin/api/2026-10/graphql.json, the way Shopify answers it: HTTP 200 with `errors` for
 * unparsable, invalid, too expensive or throttled documents; otherwise executed against the real
 * schema, with `extensions.cost` on every answer and the unused part of the requested cost refunded.
 */

export interface EndpointDeps {
  admin: AdminSchema;
  fieldResolver: GraphQLFieldResolver<unknown, ResolverContext>;
  bucket: LeakyBucket;
  context(scopes: readonly string[] | null, mode: ResolverContext["mode"]): ResolverContext;
}

export interface EndpointResult {
  status: number;
  body: unknown;
  record: Partial<RequestRecord>;
}

type Json = Record<string, unknown>;

/** Apps send the same few documents over and over; parse and validate each text once. */
const documentCache = new Map<string, { document: DocumentNode } | { errors: Json[]; codes: string[] }>();
const DOCUMENT_CACHE_SIZE = 500;

function parseAndValidate(admin: AdminSchema, query: string): { document: DocumentNode } | { errors: Json[]; codes: string[] } {
  const cached = documentCache.get(query);
  if (cached) return cached;
  let result: { document: DocumentNode } | { errors: Json[]; codes: string[] };
  try {
    const document = parse(query);
    const errors = validate(admin.schema, document).map(shopifyValidationError);
    result = errors.length > 0 ? { errors, codes: errors.map((e) => String((e.extensions as Json).code)) } : { document };
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    result = { errors: [shopifyValidationError(e)], codes: ["GRAPHQL_PARSE_FAILED"] };
  }
  if (documentCache.size >= DOCUMENT_CACHE_SIZE) documentCache.delete(documentCache.keys().next().value!);
  documentCache.set(query, result);
  return result;
}

export function formatError(error: GraphQLError): Json {
  const original = error.originalError;
  const extensions = { ...(error.extensions ?? {}) };
  if (!extensions.code) {
    extensions.code = original && !(original instanceof GraphQLError) ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
  }
  return {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions,
  };
}

/** Executes a parsed, validated document against the simulator's data. */
export async function executeDocument(
  deps: Pick<EndpointDeps, "admin" | "fieldResolver">,
  document: DocumentNode,
  variables: Json | null | undefined,
  operationName: string | null | undefined,
  ctx: ResolverContext
): Promise<ExecutionResult> {
  return execute({
    schema: deps.admin.schema,
    document,
    variableValues: variables ?? undefined,
    operationName: operationName ?? undefined,
    contextValue: ctx,
    fieldResolver: deps.fieldResolver,
    typeResolver,
  });
}

export async function handleGraphqlRequest(
  deps: EndpointDeps,
  body: Json,
  scopes: readonly string[] | null,
  options: { forceThrottled?: boolean } = {}
): Promise<EndpointResult> {
  if (typeof body.query !== "string" || body.query.trim() === "") {
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } }, record: { errorCodes: ["BAD_REQUEST"] } };
  }
  const variables = body.variables && typeof body.variables === "object" ? (body.variables as Json) : {};
  const operationName = typeof body.operationName === "string" ? body.operationName : null;

  const checked = parseAndValidate(deps.admin, body.query);
  if ("errors" in checked) return { status: 200, body: { errors: checked.errors }, record: { errorCodes: checked.codes } };
  const { document } = checked;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName
      ? `No operation named "${operationName}"`
      : "An operation name is required when the document has several operations";
    return { status: 200, body: { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] }, record: { errorCodes: ["BAD_REQUEST"] } };
  }
  const rootFields = operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD && !s.name.value.startsWith("__") ? [s.name.value] : []
  );
  const record: Partial<RequestRecord> = { operationType: operation.operation, operationName: operation.name?.value ?? null, rootFields };
  if (operation.operation === "subscription") {
    return { status: 200, body: { errors: [{ message: "Subscriptions are not supported", extensions: { code: "BAD_REQUEST" } }] }, record };
  }

  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const costInput = { schema: deps.admin.schema, operation, fragments, variables };
  const requested = requestedQueryCost(costInput);
  record.requestedCost = requested;
  const cost = (actual: number | null) => ({
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: deps.bucket.status() },
  });

  if (requested > MAX_QUERY_COST) {
    record.errorCodes = ["MAX_COST_EXCEEDED"];
    record.actualCost = null;
    return {
      status: 200,
      body: {
        errors: [
          {
            message:
              `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\n` +
              "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
              "cost of a query is calculated.\n\n" +
              "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
              "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
            extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_QUERY_COST },
          },
        ],
        extensions: cost(null),
      },
      record,
    };
  }

  if (options.forceThrottled || !deps.bucket.tryTake(requested)) {
    record.throttled = true;
    record.actualCost = null;
    record.errorCodes = ["THROTTLED"];
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: cost(null),
      },
      record,
    };
  }

  const ctx = deps.context(scopes, "request");
  const result = await executeDocument(deps, document, variables, operationName, ctx);
  const actual = result.data ? actualQueryCost(costInput, result.data) : 0;
  deps.bucket.refund(requested - actual);
  record.actualCost = actual;

  const errors = result.errors?.map(formatError);
  if (errors) record.errorCodes = errors.map((e) => String((e.extensions as Json).code));
  const extensions: Json = cost(actual);
  if (ctx.searchExtensions.length > 0) extensions.search = ctx.searchExtensions;
  return {
    status: 200,
    body: { ...(errors ? { errors } : {}), ...(result.data !== undefined ? { data: result.data } : {}), extensions },
    record,
  };
}
