import type { GraphQLResolveInfo } from "graphql";
import { gid, idOf } from "../ids";
import type { SimSegment } from "../model";
import { connection, type ConnectionArgs } from "./connection";
import type { ResolverContext, TypeResolvers, UserErrorShape } from "./context";

/**
 * Customer segments (segmentCreate / segmentUpdate / segments). Names are unique per shop. Queries are
 * checked with a small parser for Shopify's segment query language — enough to catch the mistakes an
 * app makes: unknown filters, bad operators, unbalanced parentheses, and metafield filters without a
 * definition that has admin filtering enabled (Shopify requires one).
 */

const ATTRIBUTES = new Set([
  "customer_tags",
  "number_of_orders",
  "amount_spent",
  "last_order_date",
  "first_order_date",
  "customer_added_date",
  "email_subscription_status",
  "sms_subscription_status",
  "rfm_group",
  "predicted_spend_tier",
  "customer_email_domain",
  "customer_account_status",
  "customer_language",
  "customer_countries",
  "customer_cities",
  "customer_regions",
  "abandoned_checkout_date",
  "products_purchased",
  "orders_placed",
  "shopify_email",
  "companies",
  "store_credit_accounts",
]);

const COMPARISON = new Set(["=", "!=", ">", ">=", "<", "<=", "BEFORE", "AFTER"]);

interface Token {
  text: string;
  column: number;
  kind: "word" | "string" | "number" | "op" | "paren" | "comma" | "bracket";
}

function tokenize(query: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = query.indexOf(c, i + 1);
      if (end < 0) return { error: `Query Line 1, Column ${column}: unterminated string.` };
      tokens.push({ text: query.slice(i + 1, end), column, kind: "string" });
      i = end + 1;
    } else if (c === "(" || c === ")") {
      tokens.push({ text: c, column, kind: "paren" });
      i++;
    } else if (c === "[" || c === "]") {
      tokens.push({ text: c, column, kind: "bracket" });
      i++;
    } else if (c === ",") {
      tokens.push({ text: c, column, kind: "comma" });
      i++;
    } else if (/[=!<>]/.test(c)) {
      const two = query.slice(i, i + 2);
      const op = [">=", "<=", "!="].includes(two) ? two : c;
      if (op === "!") return { error: `Query Line 1, Column ${column}: unexpected '!'.` };
      tokens.push({ text: op, column, kind: "op" });
      i += op.length;
    } else {
      let j = i;
      while (j < query.length && /[^\s()[\],=!<>'"]/.test(query[j])) j++;
      const text = query.slice(i, j);
      tokens.push({ text, column, kind: /^-?\d+(\.\d+)?[dmy]?$/.test(text) ? "number" : "word" });
      i = j;
    }
  }
  return tokens;
}

export function validateSegmentQuery(query: string, ctx: ResolverContext): string | null {
  const tokens = tokenize(query);
  if (!Array.isArray(tokens)) return tokens.error;
  if (tokens.length === 0) return "Query can't be blank.";
  let pos = 0;
  const at = (t: Token | undefined) => `Query Line 1, Column ${t?.column ?? query.length + 1}`;
  const isValue = (t: Token | undefined) =>
    t !== undefined && (t.kind === "string" || t.kind === "number" || (t.kind === "word" && /^(true|false|NULL)$/i.test(t.text)));

  const parseCondition = (): string | null => {
    const t = tokens[pos];
    if (!t) return `${at(t)}: expected a filter.`;
    if (t.kind === "paren" && t.text === "(") {
      pos++;
      const inner = parseExpression();
      if (inner) return inner;
      if (tokens[pos]?.text !== ")") return `${at(tokens[pos])}: expected ')'.`;
      pos++;
      return null;
    }
    if (t.kind !== "word") return `${at(t)}: expected a filter, found '${t.text}'.`;
    const attribute = t.text;
    if (attribute.startsWith("metafields.")) {
      const rest = attribute.slice("metafields.".length);
      const dot = rest.lastIndexOf(".");
      const namespace = rest.slice(0, dot);
      const key = rest.slice(dot + 1);
      const definition = dot > 0 ? ctx.store.findDefinition("CUSTOMER", namespace, key) : undefined;
      if (!definition || !definition.adminFilterable) {
        return `${at(t)}: '${attribute}' filter cannot be found. Metafields need a definition with admin filtering enabled.`;
      }
    } else if (!ATTRIBUTES.has(attribute)) {
      return `${at(t)}: '${attribute}' filter cannot be found.`;
    }
    pos++;
    const op = tokens[pos];
    if (!op) return `${at(op)}: expected an operator after '${attribute}'.`;
    const upper = op.text.toUpperCase();
    if (upper === "NOT" && tokens[pos + 1]?.text.toUpperCase() === "CONTAINS") {
      pos += 2;
    } else if (upper === "CONTAINS" || COMPARISON.has(upper)) {
      pos++;
    } else if (upper === "IS") {
      pos++;
      if (tokens[pos]?.text.toUpperCase() === "NOT") pos++;
      if (tokens[pos]?.text.toUpperCase() !== "NULL") return `${at(tokens[pos])}: expected NULL.`;
      pos++;
      return null;
    } else if (upper === "BETWEEN") {
      pos++;
      if (!isValue(tokens[pos])) return `${at(tokens[pos])}: expected a value.`;
      pos++;
      if (tokens[pos]?.text.toUpperCase() !== "AND") return `${at(tokens[pos])}: expected AND.`;
      pos++;
      if (!isValue(tokens[pos])) return `${at(tokens[pos])}: expected a value.`;
      pos++;
      return null;
    } else {
      return `${at(op)}: '${op.text}' is not a valid operator for '${attribute}'.`;
    }
    if (!isValue(tokens[pos]) && !(tokens[pos]?.kind === "word" && /^(today|yesterday)$/i.test(tokens[pos].text))) {
      return `${at(tokens[pos])}: expected a value after the operator.`;
    }
    pos++;
    return null;
  };

  const parseExpression = (): string | null => {
    const first = parseCondition();
    if (first) return first;
    while (tokens[pos] && /^(AND|OR)$/i.test(tokens[pos].text)) {
      pos++;
      const next = parseCondition();
      if (next) return next;
    }
    return null;
  };

  const error = parseExpression();
  if (error) return error;
  if (pos < tokens.length) return `${at(tokens[pos])}: unexpected '${tokens[pos].text}'.`;
  return null;
}

export const segmentResolvers: TypeResolvers = {
  id: (s: SimSegment) => gid("Segment", s.id),
};

function nameTaken(ctx: ResolverContext, name: string, except?: number): boolean {
  return [...ctx.store.segments.values()].some((s) => s.id !== except && s.name.toLowerCase() === name.trim().toLowerCase());
}

export function segmentCreate(
  ctx: ResolverContext,
  name: string,
  query: string
): { segment: SimSegment | null; userErrors: UserErrorShape[] } {
  const errors: UserErrorShape[] = [];
  if (!name.trim()) errors.push({ field: ["name"], message: "Name can't be blank" });
  else if (name.length > 255) errors.push({ field: ["name"], message: "Name is too long (maximum is 255 characters)" });
  else if (nameTaken(ctx, name)) errors.push({ field: ["name"], message: "Name has already been taken" });
  const invalid = validateSegmentQuery(query, ctx);
  if (invalid) errors.push({ field: ["query"], message: invalid });
  if (errors.length > 0) return { segment: null, userErrors: errors };
  const now = ctx.store.now();
  const segment: SimSegment = {
    __typename: "Segment",
    id: ctx.store.nextId("Segment"),
    name: name.trim(),
    query,
    creationDate: now,
    lastEditDate: now,
  };
  ctx.store.segments.set(segment.id, segment);
  return { segment, userErrors: [] };
}

export function segmentUpdate(
  ctx: ResolverContext,
  id: string,
  name: string | null | undefined,
  query: string | null | undefined
): { segment: SimSegment | null; userErrors: UserErrorShape[] } {
  const numeric = idOf(id, "Segment");
  const segment = numeric === null ? undefined : ctx.store.segments.get(numeric);
  if (!segment) return { segment: null, userErrors: [{ field: ["id"], message: "Segment does not exist" }] };
  const errors: UserErrorShape[] = [];
  if (name != null) {
    if (!name.trim()) errors.push({ field: ["name"], message: "Name can't be blank" });
    else if (nameTaken(ctx, name, segment.id)) errors.push({ field: ["name"], message: "Name has already been taken" });
  }
  if (query != null) {
    const invalid = validateSegmentQuery(query, ctx);
    if (invalid) errors.push({ field: ["query"], message: invalid });
  }
  if (errors.length > 0) return { segment: null, userErrors: errors };
  if (name != null) segment.name = name.trim();
  if (query != null) segment.query = query;
  segment.lastEditDate = ctx.store.now();
  return { segment, userErrors: [] };
}

export function segmentDelete(ctx: ResolverContext, id: string): { deletedSegmentId: string | null; userErrors: UserErrorShape[] } {
  const numeric = idOf(id, "Segment");
  if (numeric === null || !ctx.store.segments.delete(numeric)) {
    return { deletedSegmentId: null, userErrors: [{ field: ["id"], message: "Segment does not exist" }] };
  }
  return { deletedSegmentId: id, userErrors: [] };
}

export function segmentsConnection(ctx: ResolverContext, args: ConnectionArgs, info: GraphQLResolveInfo) {
  return connection(ctx.store.segments.values(), args, ctx, info, {
    id: (s) => s.id,
    sortKeys: { ID: (s) => s.id, CREATION_DATE: (s) => Date.parse(s.creationDate), LAST_EDIT_DATE: (s) => Date.parse(s.lastEditDate) },
    defaultSortKey: "CREATION_DATE",
    search: { name: { kind: "string", get: (s) => s.name } },
    freeText: (s) => [s.name],
  });
}
