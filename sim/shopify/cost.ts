import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Shopify's calculated query cost (https://shopify.dev/docs/api/usage/limits#cost-calculation),
 * computed statically before execution (requested) and again over the actual response (actual):
 *
 * - scalars and enums: 0; `__typename` and introspection: 0
 * - an object: 1 plus its selections
 * - a connection: 2 + size × (cost of one node), size = `first`/`last` (actual: nodes returned);
 *   `edges`, `cursor` and `pageInfo` are free; selecting both `edges.node` and `nodes` pays for both
 * - a plain list of objects: `first` (or the number of `ids`; default 1) × (1 + selections)
 * - an interface/union: the most expensive possible type
 * - a mutation: 10 per root field; its payload selection is free
 *
 * This is the published model, not Shopify's per-field tuning (a few fields cost more there);
 * it is consistent, so an app that stays within budget here behaves the same shape of way there.
 */

export const MUTATION_COST = 10;
export const MAX_QUERY_COST = 1000;

interface CostContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

type FieldMap = Map<string, FieldNode[]>;

function included(ctx: CostContext, node: FieldNode | { directives?: FieldNode["directives"] }): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, ctx.variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, ctx.variables);
  return include?.if !== false;
}

function typeApplies(ctx: CostContext, objectType: GraphQLObjectType, conditionName: string | undefined): boolean {
  if (!conditionName || conditionName === objectType.name) return true;
  const condition = ctx.schema.getType(conditionName);
  return condition !== undefined && isAbstractType(condition) && ctx.schema.isSubType(condition, objectType);
}

function collectFields(
  ctx: CostContext,
  objectType: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
  into: FieldMap = new Map()
): FieldMap {
  for (const set of selectionSets) {
    for (const selection of set.selections) {
      if (!included(ctx, selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const list = into.get(key);
        if (list) list.push(selection);
        else into.set(key, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (typeApplies(ctx, objectType, selection.typeCondition?.name.value))
          collectFields(ctx, objectType, [selection.selectionSet], into);
      } else {
        const fragment = ctx.fragments[selection.name.value];
        if (fragment && typeApplies(ctx, objectType, fragment.typeCondition.name.value)) {
          collectFields(ctx, objectType, [fragment.selectionSet], into);
        }
      }
    }
  }
  return into;
}

function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  return nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
}

export function isConnectionType(type: GraphQLNamedType): type is GraphQLObjectType {
  return isObjectType(type) && type.name.endsWith("Connection") && "edges" in type.getFields();
}

function isListOfObjects(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner) && !isLeafType(getNamedType(inner));
}

function argumentValues(ctx: CostContext, field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, ctx.variables);
  } catch {
    return {};
  }
}

function pageSize(args: Record<string, unknown>, fallback: number): number {
  const first = typeof args.first === "number" ? args.first : undefined;
  const last = typeof args.last === "number" ? args.last : undefined;
  return Math.max(0, first ?? last ?? fallback);
}

/** Per-object cost of a selection on a (possibly abstract) type: the dearest possible type wins. */
function objectSelectionCost(
  ctx: CostContext,
  type: GraphQLNamedType,
  selectionSets: readonly SelectionSetNode[],
  costOfFields: (objectType: GraphQLObjectType, fields: FieldMap) => number
): number {
  if (isObjectType(type)) return costOfFields(type, collectFields(ctx, type, selectionSets));
  if (isAbstractType(type)) {
    let max = 0;
    for (const possible of ctx.schema.getPossibleTypes(type)) {
      max = Math.max(max, costOfFields(possible, collectFields(ctx, possible, selectionSets)));
    }
    return max;
  }
  return 0;
}

// ---- requested cost (static) ----

function requestedFieldsCost(ctx: CostContext, objectType: GraphQLObjectType, fields: FieldMap): number {
  let total = 0;
  for (const nodes of fields.values()) {
    const name = nodes[0].name.value;
    if (name.startsWith("__")) continue;
    const field = objectType.getFields()[name];
    if (!field) continue;
    total += requestedFieldCost(ctx, field, nodes);
  }
  return total;
}

function requestedFieldCost(ctx: CostContext, field: GraphQLField<unknown, unknown>, nodes: FieldNode[]): number {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  const selections = subSelections(nodes);
  if (isConnectionType(named)) {
    const size = pageSize(argumentValues(ctx, field, nodes[0]), 0);
    return 2 + size * connectionItemCost(ctx, named, selections, requestedItemCost);
  }
  const perObject = 1 + objectSelectionCost(ctx, named, selections, (t, f) => requestedFieldsCost(ctx, t, f));
  if (isListOfObjects(field.type)) {
    const args = argumentValues(ctx, field, nodes[0]);
    // nodes(ids:) and similar lists are sized by how many ids were asked for.
    const size = Array.isArray(args.ids) ? args.ids.length : pageSize(args, 1);
    return size * perObject;
  }
  return perObject;
}

function requestedItemCost(ctx: CostContext, nodeType: GraphQLNamedType, selections: SelectionSetNode[]): number {
  return 1 + objectSelectionCost(ctx, nodeType, selections, (t, f) => requestedFieldsCost(ctx, t, f));
}

/** Cost of one element of a connection: `edges { node }` and `nodes` each pay for the node. */
function connectionItemCost(
  ctx: CostContext,
  connection: GraphQLObjectType,
  selections: SelectionSetNode[],
  itemCost: (ctx: CostContext, nodeType: GraphQLNamedType, selections: SelectionSetNode[]) => number
): number {
  let cost = 0;
  for (const nodes of collectFields(ctx, connection, selections).values()) {
    const name = nodes[0].name.value;
    if (name === "nodes") {
      cost += itemCost(ctx, getNamedType(connection.getFields().nodes.type), subSelections(nodes));
    } else if (name === "edges") {
      const edgeType = getNamedType(connection.getFields().edges.type) as GraphQLObjectType;
      for (const edgeNodes of collectFields(ctx, edgeType, subSelections(nodes)).values()) {
        if (edgeNodes[0].name.value === "node") {
          cost += itemCost(ctx, getNamedType(edgeType.getFields().node.type), subSelections(edgeNodes));
        }
      }
    }
  }
  return cost;
}

// ---- actual cost (over the response) ----

type Json = Record<string, unknown>;

function actualObjectCost(ctx: CostContext, type: GraphQLNamedType, selections: SelectionSetNode[], value: unknown): number {
  if (value === null || value === undefined || typeof value !== "object") return 0;
  const data = value as Json;
  let concrete: GraphQLNamedType = type;
  if (isAbstractType(type) && typeof data.__typename === "string") concrete = ctx.schema.getType(data.__typename) ?? type;
  return 1 + objectSelectionCost(ctx, concrete, selections, (t, f) => actualFieldsCost(ctx, t, f, data));
}

function actualFieldsCost(ctx: CostContext, objectType: GraphQLObjectType, fields: FieldMap, data: Json): number {
  let total = 0;
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    if (name.startsWith("__")) continue;
    const field = objectType.getFields()[name];
    if (!field) continue;
    total += actualFieldCost(ctx, field, nodes, data[key]);
  }
  return total;
}

function actualFieldCost(ctx: CostContext, field: GraphQLField<unknown, unknown>, nodes: FieldNode[], value: unknown): number {
  const named = getNamedType(field.type);
  if (isLeafType(named) || value === null || value === undefined) return 0;
  const selections = subSelections(nodes);
  if (isConnectionType(named)) {
    const connection = value as Json;
    let cost = 2;
    for (const connNodes of collectFields(ctx, named, selections).values()) {
      const key = connNodes[0].alias?.value ?? connNodes[0].name.value;
      const name = connNodes[0].name.value;
      const items = Array.isArray(connection[key]) ? (connection[key] as unknown[]) : [];
      if (name === "nodes") {
        const nodeType = getNamedType(named.getFields().nodes.type);
        for (const item of items) cost += actualObjectCost(ctx, nodeType, subSelections(connNodes), item);
      } else if (name === "edges") {
        const edgeType = getNamedType(named.getFields().edges.type) as GraphQLObjectType;
        for (const edgeNodes of collectFields(ctx, edgeType, subSelections(connNodes)).values()) {
          if (edgeNodes[0].name.value !== "node") continue;
          const nodeKey = edgeNodes[0].alias?.value ?? "node";
          const nodeType = getNamedType(edgeType.getFields().node.type);
          for (const edge of items) cost += actualObjectCost(ctx, nodeType, subSelections(edgeNodes), (edge as Json | null)?.[nodeKey]);
        }
      }
    }
    return cost;
  }
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + actualObjectCost(ctx, named, selections, item), 0);
  return actualObjectCost(ctx, named, selections, value);
}

// ---- entry points ----

function context(schema: GraphQLSchema, fragments: readonly FragmentDefinitionNode[], variables: Record<string, unknown>): CostContext {
  return { schema, fragments: Object.fromEntries(fragments.map((f) => [f.name.value, f])), variables };
}

function rootFieldCount(ctx: CostContext, root: GraphQLObjectType, operation: OperationDefinitionNode): number {
  let n = 0;
  for (const nodes of collectFields(ctx, root, [operation.selectionSet]).values()) if (!nodes[0].name.value.startsWith("__")) n++;
  return n;
}

export interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: readonly FragmentDefinitionNode[];
  variables: Record<string, unknown>;
}

export function requestedQueryCost({ schema, operation, fragments, variables }: CostInput): number {
  const ctx = context(schema, fragments, variables);
  if (operation.operation === "mutation") return MUTATION_COST * rootFieldCount(ctx, schema.getMutationType()!, operation);
  const root = schema.getQueryType()!;
  return requestedFieldsCost(ctx, root, collectFields(ctx, root, [operation.selectionSet]));
}

export function actualQueryCost({ schema, operation, fragments, variables }: CostInput, data: unknown): number {
  const ctx = context(schema, fragments, variables);
  if (operation.operation === "mutation") return MUTATION_COST * rootFieldCount(ctx, schema.getMutationType()!, operation);
  if (data === null || typeof data !== "object") return 0;
  const root = schema.getQueryType()!;
  return actualFieldsCost(ctx, root, collectFields(ctx, root, [operation.selectionSet]), data as Json);
}
