import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { buildClientSchema, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type IntrospectionQuery } from "graphql";

/** The one Admin API version the simulator speaks (the app targets ApiVersion.October26). */
export const API_VERSION = "2026-10";

interface ScopeItem {
  type: "type" | "field";
  typeName: string;
  fieldName?: string;
  requiredAccess: string;
  offlineScopes: string[];
}

interface AdminSchemaFile {
  data: IntrospectionQuery;
  offline_scopes?: { items: ScopeItem[] };
}

export interface ScopeRequirement {
  /** Any one of these scopes grants access (Shopify lists alternatives, e.g. read_orders or read_marketplace_orders). */
  anyOf: readonly string[];
  /** Shopify's own wording, reused in ACCESS_DENIED errors. */
  requiredAccess: string;
}

export interface AdminSchema {
  schema: GraphQLSchema;
  /** Requirements keyed by "Type" (any field returning it) and "Type.field". */
  scopes: ReadonlyMap<string, ScopeRequirement>;
}

let cached: AdminSchema | undefined;

/** The package exports no file paths, so look for node_modules/@shopify/dev-mcp upward from here. */
function schemaFile(): string {
  const relative = path.join("node_modules", "@shopify", "dev-mcp", "dist", "data", `admin_${API_VERSION}.json.gz`);
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`Shopify Admin schema not found: install @shopify/dev-mcp (${relative})`);
  }
}

/**
 * Shopify's real Admin schema for 2026-10, as shipped (introspection JSON plus per-type access
 * scopes) in @shopify/dev-mcp. Loaded once per process: building it takes ~0.4 s.
 */
export function loadAdminSchema(): AdminSchema {
  if (cached) return cached;
  const file = schemaFile();
  const json = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as AdminSchemaFile;
  const schema = buildClientSchema(json.data);
  const scopes = new Map<string, ScopeRequirement>();
  for (const item of json.offline_scopes?.items ?? []) {
    if (item.offlineScopes.length === 0) continue;
    const key = item.type === "type" ? item.typeName : `${item.typeName}.${item.fieldName}`;
    scopes.set(key, { anyOf: item.offlineScopes, requiredAccess: item.requiredAccess });
  }
  cached = { schema, scopes };
  return cached;
}

/**
 * Parses and validates a GraphQL document against the real Admin schema.
 * Returns the errors (empty when the document is valid); a syntax error is returned, not thrown.
 */
export function validateAdminDocument(doc: string): readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(doc);
  } catch (e) {
    if (e instanceof GraphQLError) return [e];
    throw e;
  }
  return validate(loadAdminSchema().schema, document);
}

/**
 * Shopify (graphql-ruby) error codes for the validation failures an app is likely to hit.
 * graphql-js words its messages differently; the codes let callers branch the way they would on Shopify.
 */
export function shopifyValidationError(error: GraphQLError): Record<string, unknown> {
  const message = error.message;
  let code = "GRAPHQL_VALIDATION_FAILED";
  let shopifyMessage = message;
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"/.exec(message);
  if (undefinedField) {
    code = "undefinedField";
    shopifyMessage = `Field '${undefinedField[1]}' doesn't exist on type '${undefinedField[2]}'`;
  } else if (/^Unknown argument/.test(message)) code = "argumentNotAccepted";
  else if (/argument .* is required, but it was not provided/.test(message)) code = "missingRequiredArguments";
  else if (/^Variable .* used in position expecting/.test(message)) code = "variableMismatch";
  else if (/^Unknown type/.test(message)) code = "undefinedType";
  else if (/is never used/.test(message)) code = "variableNotUsed";
  else if (/^Variable .* is not defined/.test(message)) code = "undefinedVariable";
  else if (/must have a selection of subfields|must not have a selection/.test(message)) code = "selectionMismatch";
  else if (/^(Expected value of type|.* cannot represent)/.test(message)) code = "argumentLiteralsIncompatible";
  else if (/^Syntax Error/.test(message)) code = "GRAPHQL_PARSE_FAILED";
  return {
    message: shopifyMessage,
    ...(error.locations ? { locations: error.locations } : {}),
    extensions: { code },
  };
}

/** Named type a field effectively exposes: connections and edges count as their node type for scope checks. */
export function effectiveTypeName(schema: GraphQLSchema, typeName: string): string {
  const match = /^(\w+?)(Connection|Edge)$/.exec(typeName);
  if (match && schema.getType(match[1])) return match[1];
  return typeName;
}
