import {
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  validate,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Clock } from "../kit/clock";
import { isConnectionType } from "./cost";
import type { BulkLineCorruption, FaultInjector } from "./faults";
import type { FileStore, FileWriter } from "./files";
import { gid } from "./ids";
import type { BulkOperationStatus, SimBulkOperation } from "./model";
import type { Random } from "../kit/random";
import type { BulkRunner, BulkWindow, ResolverContext, UserErrorShape } from "./resolvers/context";
import { shopifyValidationError, type AdminSchema } from "./schema";
import type { ShopStore } from "./store";

/**
 * Bulk operations (https://shopify.dev/docs/api/usage/bulk-operations/queries and /imports).
 *
 * Queries: validated for Shopify's limits (one top-level connection, ≤ 5 connections, ≤ 2 levels of
 * nesting, `id` on parents of nested connections), then run asynchronously CREATED → RUNNING →
 * COMPLETED and written as JSONL: one object per line, nested connection nodes on their own lines
 * with `__parentId`. With `groupObjects: false` (the 2026-10 default) Shopify does not keep children
 * next to their parent, and neither does the simulator: child groups are deliberately deferred past
 * later parents ("interleaved"), or every line is shuffled ("shuffled").
 *
 * Mutations: the staged JSONL is run one line at a time as the mutation's variables (parsed and
 * validated once per operation); the result file has one line per input line with `data`/`errors`
 * and `__lineNumber`.
 *
 * Both stream: lines are written to the result file (on disk) as they are produced, objectCount
 * grows while RUNNING, and the work yields to the event loop every few milliseconds, so a 1M-order
 * export neither holds the file in memory nor stalls the other shops of the simulator.
 */

export type ChildOrder = "grouped" | "interleaved" | "shuffled";

export interface BulkSettings {
  /** Time from creation to completion; RUNNING starts halfway. */
  delayMs: number;
  /** Line order when the query has groupObjects: false (grouped is used when it is true). */
  childOrder: ChildOrder;
  /** Operations running at once per shop (2026-01+: 5). */
  maxConcurrent: number;
}

export const DEFAULT_BULK: BulkSettings = { delayMs: 200, childOrder: "interleaved", maxConcurrent: 5 };

const MAX_CONNECTIONS = 5;
const MAX_NESTING = 2;

export interface BulkDeps {
  admin: AdminSchema;
  store: ShopStore;
  files: FileStore;
  faults: FaultInjector;
  random: Random;
  clock: Clock;
  settings: () => BulkSettings;
  execute(document: DocumentNode, variables: Record<string, unknown> | null, ctx: ResolverContext): Promise<ExecutionResult>;
  context(scopes: readonly string[] | null, mode: ResolverContext["mode"]): ResolverContext;
  uploadedFile(stagedUploadPath: string): Buffer | null;
}

interface Plan {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
}

type Json = Record<string, unknown>;

interface LineGroup {
  line: Json;
  children: LineGroup[];
}

const ACTIVE: readonly BulkOperationStatus[] = ["CREATED", "RUNNING", "CANCELING"];

function fieldsOf(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(selection.selectionSet, fragments));
    else {
      const fragment = fragments[selection.name.value];
      if (fragment) out.push(...fieldsOf(fragment.selectionSet, fragments));
    }
  }
  return out;
}

function isListOf(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The node type and node selections of a connection field (`edges { node }` and/or `nodes`). */
function connectionNodes(field: FieldNode, connection: GraphQLObjectType, fragments: Record<string, FragmentDefinitionNode>) {
  const nodeType = getNamedType(connection.getFields().nodes?.type ?? connection.getFields().edges.type);
  const selections: { key: string; via: "edges" | "nodes"; nodeKey: string; node: FieldNode }[] = [];
  for (const sub of field.selectionSet ? fieldsOf(field.selectionSet, fragments) : []) {
    const key = sub.alias?.value ?? sub.name.value;
    if (sub.name.value === "nodes") selections.push({ key, via: "nodes", nodeKey: "", node: sub });
    if (sub.name.value === "edges" && sub.selectionSet) {
      for (const edgeField of fieldsOf(sub.selectionSet, fragments)) {
        if (edgeField.name.value === "node")
          selections.push({ key, via: "edges", nodeKey: edgeField.alias?.value ?? "node", node: edgeField });
      }
    }
  }
  const realNodeType = isObjectType(nodeType) && nodeType.name.endsWith("Edge") ? getNamedType(nodeType.getFields().node.type) : nodeType;
  return { nodeType: realNodeType, selections };
}

export class BulkOperations implements BulkRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];
  /** Damaged result lines drawn from the fault injector when a query operation started. */
  private readonly corruptions = new Map<number, readonly BulkLineCorruption[]>();

  constructor(private readonly deps: BulkDeps) {}

  // ---- validation ----

  private parseQuery(query: string): { plan: Plan } | { error: string } {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      if (e instanceof GraphQLError) return { error: `Invalid bulk query: ${e.message}` };
      throw e;
    }
    const errors = validate(this.deps.admin.schema, document);
    if (errors.length > 0) return { error: `Invalid bulk query: ${String(shopifyValidationError(errors[0]).message)}` };
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) return { error: "Invalid bulk query: the document must contain exactly one operation." };
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f])
    );
    return { plan: { document, operation: operations[0], fragments } };
  }

  /** Shopify's static bulk query rules; returns the first violation. */
  private checkLimits(plan: Plan): string | null {
    const { operation, fragments } = plan;
    if (operation.operation !== "query") return "Invalid bulk query: bulk queries must be query operations.";
    const roots = fieldsOf(operation.selectionSet, fragments).filter((f) => !f.name.value.startsWith("__"));
    if (roots.length !== 1) return "Bulk queries must contain exactly one top-level field.";
    const root = roots[0];
    if (root.name.value === "node" || root.name.value === "nodes")
      return "The top-level 'node' and 'nodes' fields can't be used in bulk queries.";
    const rootField = this.deps.admin.schema.getQueryType()!.getFields()[root.name.value];
    if (!isConnectionType(getNamedType(rootField.type)))
      return "Bulk queries must contain at least one connection, and the top-level field must be a connection.";

    let connections = 0;
    let problem: string | null = null;
    // depth = connections above this selection; onNode = selection is directly on a connection node.
    const walk = (
      type: GraphQLNamedType,
      selectionSet: SelectionSetNode | undefined,
      depth: number,
      onNode: boolean,
      inList: boolean,
      parentSelectsId: boolean
    ) => {
      if (!selectionSet || !isObjectType(type) || problem) return;
      for (const field of fieldsOf(selectionSet, fragments)) {
        const def = type.getFields()[field.name.value];
        if (!def) continue;
        const named = getNamedType(def.type);
        if (isConnectionType(named)) {
          connections++;
          if (depth + 1 > MAX_NESTING) problem ??= `Bulk queries cannot contain connections nested more than ${MAX_NESTING} levels deep.`;
          if (inList) problem ??= "Queries that contain a connection field within a list field are not currently supported.";
          if (depth >= 1 && !onNode) problem ??= "The simulator only supports nested connections selected directly on a connection node.";
          if (depth >= 1 && !parentSelectsId) {
            problem ??= `The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': ${field.name.value}.`;
          }
          const { nodeType, selections } = connectionNodes(field, named, fragments);
          for (const s of selections) {
            const selectsId = s.node.selectionSet
              ? fieldsOf(s.node.selectionSet, fragments).some((f) => f.name.value === "id" && !f.alias)
              : false;
            walk(nodeType, s.node.selectionSet, depth + 1, true, false, selectsId);
          }
        } else if (isObjectType(named)) {
          walk(named, field.selectionSet, depth, false, inList || isListOf(def.type), parentSelectsId);
        }
      }
    };
    walk(this.deps.admin.schema.getQueryType()!, operation.selectionSet, 0, true, false, false);
    if (problem) return problem;
    if (connections > MAX_CONNECTIONS) return `Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`;
    return null;
  }

  private limitReached(): boolean {
    const running = [...this.deps.store.bulkOperations.values()].filter((op) => ACTIVE.includes(op.status));
    return running.length >= this.deps.settings().maxConcurrent;
  }

  private create(type: "QUERY" | "MUTATION", query: string, groupObjects: boolean, clientIdentifier: string | null): SimBulkOperation {
    const op: SimBulkOperation = {
      __typename: "BulkOperation",
      id: this.deps.store.nextId("BulkOperation"),
      type,
      status: "CREATED",
      errorCode: null,
      query,
      createdAt: this.deps.store.now(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
      partialDataUrl: null,
      groupObjects,
      clientIdentifier,
      failure: null,
    };
    this.deps.store.bulkOperations.set(op.id, op);
    return op;
  }

  // ---- BulkRunner ----

  runQuery(
    query: string,
    groupObjects: boolean,
    scopes: readonly string[] | null
  ): { operation: SimBulkOperation | null; userErrors: UserErrorShape[] } {
    const parsed = this.parseQuery(query);
    if ("error" in parsed) return { operation: null, userErrors: [{ field: ["query"], message: parsed.error, code: "INVALID" }] };
    const limit = this.checkLimits(parsed.plan);
    if (limit) return { operation: null, userErrors: [{ field: ["query"], message: limit, code: "INVALID" }] };
    if (this.limitReached()) {
      return {
        operation: null,
        userErrors: [{ field: null, message: "Bulk operations limit reached. Please try again later.", code: "LIMIT_REACHED" }],
      };
    }
    const op = this.create("QUERY", query, groupObjects, null);
    const corrupt = this.deps.faults.bulkCorruptLines();
    if (corrupt.length > 0) this.corruptions.set(op.id, [...corrupt]);
    this.schedule(op, (out) => this.produceQueryLines(op, parsed.plan, scopes, out));
    return { operation: op, userErrors: [] };
  }

  runMutation(
    mutation: string,
    stagedUploadPath: string,
    clientIdentifier: string | null,
    scopes: readonly string[] | null
  ): { operation: SimBulkOperation | null; userErrors: UserErrorShape[] } {
    const fail = (code: string, message: string, field: string[] = ["mutation"]) => ({
      operation: null,
      userErrors: [{ field, message, code }],
    });
    let document: DocumentNode;
    try {
      document = parse(mutation);
    } catch (e) {
      if (e instanceof GraphQLError) return fail("INVALID_MUTATION", `Failed to parse the mutation - ${e.message}`);
      throw e;
    }
    const errors = validate(this.deps.admin.schema, document);
    if (errors.length > 0)
      return fail("INVALID_MUTATION", `Failed to parse the mutation - ${String(shopifyValidationError(errors[0]).message)}`);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1 || operations[0].operation !== "mutation")
      return fail("INVALID_MUTATION", "Bulk mutations must contain exactly one mutation operation.");
    if (operations[0].selectionSet.selections.length !== 1)
      return fail("INVALID_MUTATION", "Bulk mutations must contain exactly one mutation field.");
    const content = this.deps.uploadedFile(stagedUploadPath);
    if (!content) {
      return fail(
        "NO_SUCH_FILE",
        "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.",
        ["stagedUploadPath"]
      );
    }
    if (content.length > 100 * 1024 * 1024)
      return fail("INVALID_STAGED_UPLOAD_FILE", "The JSONL file exceeds 100 MB.", ["stagedUploadPath"]);
    const variables: Record<string, unknown>[] = [];
    const lines = content.toString("utf8").split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(lines[i]);
      } catch {
        return fail("INVALID_STAGED_UPLOAD_FILE", `Invalid JSONL on line ${i + 1}: each line must be a JSON object of variables.`, [
          "stagedUploadPath",
        ]);
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return fail("INVALID_STAGED_UPLOAD_FILE", `Invalid JSONL on line ${i + 1}: each line must be a JSON object of variables.`, [
          "stagedUploadPath",
        ]);
      }
      variables.push(parsed as Record<string, unknown>);
    }
    if (this.limitReached()) return fail("LIMIT_REACHED", "Bulk operations limit reached. Please try again later.", []);
    const op = this.create("MUTATION", mutation, false, clientIdentifier);
    this.schedule(op, (out) => this.produceMutationLines(op, document, variables, scopes, out));
    return { operation: op, userErrors: [] };
  }

  cancel(id: number): { operation: SimBulkOperation | null; userErrors: UserErrorShape[] } {
    const op = this.deps.store.bulkOperations.get(id);
    if (!op) return { operation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (op.status !== "CREATED" && op.status !== "RUNNING") {
      return {
        operation: op,
        userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }],
      };
    }
    op.status = "CANCELING";
    return { operation: op, userErrors: [] };
  }

  // ---- lifecycle ----

  private later(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve(fn()).finally(() => this.notifyIdle());
    }, ms);
    this.timers.add(timer);
  }

  /**
   * CREATED → (delay/2) RUNNING, lines produced into the result file while objectCount grows →
   * (delay/2) terminal state + webhook.
   */
  private schedule(op: SimBulkOperation, produce: (out: ResultOutput) => Promise<void>): void {
    const half = Math.max(0, Math.round(this.deps.settings().delayMs / 2));
    const outcome = this.deps.faults.bulkOutcome();
    this.later(half, async () => {
      if (op.status === "CANCELING") return this.finishCanceled(op, null);
      op.status = "RUNNING";
      const name = op.type === "QUERY" ? "bulk-query.jsonl" : "bulk-mutation-result.jsonl";
      const damage = new Map((this.corruptions.get(op.id) ?? []).map((c) => [c.line - 1, c.how] as const));
      // Lines are kept in memory only when a partial file will be cut from them (an injected FAILED).
      const out = new ResultOutput(op, await this.deps.files.writer(`${op.id}-${name}`), damage, outcome === "FAILED");
      try {
        await produce(out);
        await out.flush();
      } catch (e) {
        await out.discard();
        if (e instanceof BulkStopped) return;
        const accessDenied = e instanceof BulkAccessDenied;
        op.failure = e instanceof Error ? e.message : String(e);
        this.later(half, () => this.finish(op, "FAILED", accessDenied ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR", null));
        return;
      }
      this.later(half, async () => {
        if (op.status === "CANCELING" || outcome === "CANCELED") return this.finishCanceled(op, out);
        if (outcome === "FAILED") {
          op.failure = "fault injection: bulkOutcome FAILED";
          return this.finish(op, "FAILED", "INTERNAL_SERVER_ERROR", out);
        }
        await this.finish(op, "COMPLETED", null, out);
        if (outcome === "EXPIRED") {
          this.later(half, () => {
            op.status = "EXPIRED";
            this.deps.files.expire(op.url);
            op.url = null;
          });
        }
      });
    });
  }

  private async finish(
    op: SimBulkOperation,
    status: "COMPLETED" | "FAILED",
    errorCode: SimBulkOperation["errorCode"],
    out: ResultOutput | null
  ): Promise<void> {
    const name = op.type === "QUERY" ? "bulk-query.jsonl" : "bulk-mutation-result.jsonl";
    if (status === "COMPLETED" && out) {
      op.objectCount = out.count;
      op.rootObjectCount = op.type === "QUERY" ? out.roots : out.count;
      // A query with no results completes without a file: url stays null, as on Shopify.
      op.fileSize = out.count > 0 ? out.size : null;
      op.url = (await out.close())?.url ?? null;
    } else {
      const partial = out?.kept?.slice(0, Math.floor(out.count / 2)) ?? [];
      await out?.discard();
      op.objectCount = partial.length;
      op.rootObjectCount = partial.filter((l) => !("__parentId" in l)).length;
      if (partial.length > 0)
        op.partialDataUrl = this.deps.files.put(`${op.id}-partial-${name}`, partial.map((l) => JSON.stringify(l)).join("\n") + "\n").url;
    }
    op.status = status;
    op.errorCode = errorCode;
    op.completedAt = this.deps.store.now();
    this.announce(op);
  }

  private async finishCanceled(op: SimBulkOperation, out: ResultOutput | null): Promise<void> {
    await out?.discard();
    op.status = "CANCELED";
    op.objectCount = Math.floor((out?.count ?? 0) / 2);
    op.completedAt = null;
    this.announce(op);
  }

  private announce(op: SimBulkOperation): void {
    this.deps.store.emit("bulk_operations/finish", {
      admin_graphql_api_id: gid("BulkOperation", op.id),
      completed_at: op.completedAt,
      created_at: op.createdAt,
      error_code: op.errorCode ? op.errorCode.toLowerCase() : null,
      status: op.status.toLowerCase(),
      type: op.type.toLowerCase(),
    });
  }

  // ---- producing lines ----

  /**
   * Executes the query one window of top-level nodes at a time (the connection sorts its nodes once
   * and keeps them in the window), writing each window's lines before the next: memory holds one
   * window, and the event loop is given back every few milliseconds.
   */
  private async produceQueryLines(op: SimBulkOperation, plan: Plan, scopes: readonly string[] | null, out: ResultOutput): Promise<void> {
    const ctx = this.deps.context(scopes, "bulk-query");
    const window: BulkWindow = { offset: 0, limit: 50 };
    ctx.bulkWindow = window;
    const root = fieldsOf(plan.operation.selectionSet, plan.fragments).find((f) => !f.name.value.startsWith("__"))!;
    const rootType = getNamedType(this.deps.admin.schema.getQueryType()!.getFields()[root.name.value].type) as GraphQLObjectType;
    const orderer = new LineOrderer(op.groupObjects ? "grouped" : this.deps.settings().childOrder, this.deps.random, (line) => out.add(line));
    const slice = new TimeSlice();
    for (;;) {
      const started = performance.now();
      ctx.searchExtensions = [];
      const result = await this.deps.execute(plan.document, null, ctx);
      const denied = result.errors?.find((e) => e.extensions?.code === "ACCESS_DENIED");
      if (denied) throw new BulkAccessDenied(denied.message);
      if (result.errors?.length || !result.data) throw new Error(result.errors?.[0]?.message ?? "bulk query produced no data");
      const groups = this.flattenConnection(root, rootType, result.data[root.alias?.value ?? root.name.value], null, plan.fragments);
      for (const group of groups) orderer.push(group);
      if (!window.applied || groups.length < window.limit) break;
      window.offset += groups.length;
      // Windows sized to take a few milliseconds each, whatever one node costs.
      const took = performance.now() - started;
      window.limit = Math.max(10, Math.min(5000, Math.round(window.limit * (TimeSlice.BUDGET_MS / 2 / Math.max(took, 0.1)))));
      if (slice.due()) await this.pause(op, out, slice);
      if (op.status === "CANCELING") return;
    }
    orderer.end();
    op.objectCount = out.count;
  }

  /** Writes what is pending, publishes the count so far and yields; stops when the simulator stops. */
  private async pause(op: SimBulkOperation, out: ResultOutput, slice: TimeSlice): Promise<void> {
    op.objectCount = out.count;
    await out.flush();
    await slice.yield();
    if (this.stopped) throw new BulkStopped();
  }

  /** Nodes of one connection value as line groups (each node with its nested connection children). */
  private flattenConnection(
    field: FieldNode,
    connection: GraphQLObjectType,
    value: unknown,
    parentId: string | null,
    fragments: Record<string, FragmentDefinitionNode>
  ): LineGroup[] {
    if (!value || typeof value !== "object") return [];
    const { nodeType, selections } = connectionNodes(field, connection, fragments);
    const data = value as Json;
    const chosen = selections[0];
    if (!chosen) return [];
    const raw = Array.isArray(data[chosen.key]) ? (data[chosen.key] as unknown[]) : [];
    const items = chosen.via === "edges" ? raw.map((edge) => (edge as Json)[chosen.nodeKey]) : raw;
    const nested = (chosen.node.selectionSet ? fieldsOf(chosen.node.selectionSet, fragments) : []).filter((f) => {
      const def = isObjectType(nodeType) ? nodeType.getFields()[f.name.value] : undefined;
      return def !== undefined && isConnectionType(getNamedType(def.type));
    });
    return items.map((item) => {
      const node = { ...(item as Json) };
      const children: LineGroup[] = [];
      for (const sub of nested) {
        const key = sub.alias?.value ?? sub.name.value;
        const subType = getNamedType((nodeType as GraphQLObjectType).getFields()[sub.name.value].type) as GraphQLObjectType;
        children.push(...this.flattenConnection(sub, subType, node[key], String(node.id), fragments));
        delete node[key];
      }
      if (parentId !== null) node.__parentId = parentId;
      return { line: node, children };
    });
  }

  private async produceMutationLines(
    op: SimBulkOperation,
    document: DocumentNode,
    variables: Record<string, unknown>[],
    scopes: readonly string[] | null,
    out: ResultOutput
  ): Promise<void> {
    const slice = new TimeSlice();
    // One context for the whole file: it holds the shop, scopes and mode, nothing per line.
    const ctx = this.deps.context(scopes, "bulk-mutation");
    for (let i = 0; i < variables.length; i++) {
      if (slice.due()) {
        await this.pause(op, out, slice);
        if (op.status === "CANCELING") return;
      }
      ctx.searchExtensions = [];
      const result = await this.deps.execute(document, variables[i], ctx);
      const line: Json = {};
      if (result.data !== undefined) line.data = result.data;
      if (result.errors?.length) {
        line.errors = result.errors.map((e) => ({
          message: e.message,
          ...(e.locations ? { locations: e.locations } : {}),
          ...(e.path ? { path: e.path } : {}),
          ...(e.extensions && Object.keys(e.extensions).length ? { extensions: e.extensions } : {}),
        }));
      }
      line.__lineNumber = i;
      out.add(line);
    }
    op.objectCount = out.count;
  }

  // ---- test helpers ----

  /** Resolves when no operation of this shop is still CREATED, RUNNING or CANCELING. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.timers.size === 0 && ![...this.deps.store.bulkOperations.values()].some((op) => ACTIVE.includes(op.status));
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

class BulkAccessDenied extends Error {}
class BulkStopped extends Error {}

/** Result lines as they are produced: counted, damaged where faults say so, appended to the result file. */
class ResultOutput {
  count = 0;
  roots = 0;
  readonly kept: Json[] | null;
  private pending: string[] = [];

  constructor(
    private readonly op: SimBulkOperation,
    private readonly writer: FileWriter,
    private readonly damage: ReadonlyMap<number, BulkLineCorruption["how"]>,
    keep: boolean
  ) {
    this.kept = keep ? [] : null;
  }

  add(line: Json): void {
    const json = JSON.stringify(line);
    const how = this.damage.get(this.count);
    if (how === "truncate") this.pending.push(json.slice(0, Math.floor(json.length / 2)));
    else if (how === "bad-amount") this.pending.push(json.replace(/"amount":"[^"]*"/g, '"amount":"12,50"'));
    else this.pending.push(json);
    this.count++;
    if (!("__parentId" in line)) this.roots++;
    this.kept?.push(line);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join("\n") + "\n";
    this.pending = [];
    await this.writer.write(text);
  }

  get size(): number {
    return this.writer.size;
  }

  close(): Promise<{ url: string } | null> {
    return this.writer.close();
  }

  discard(): Promise<void> {
    return this.writer.discard();
  }
}

/**
 * Line order of a query's result, decided group by group as windows arrive: "grouped" keeps each
 * parent's children right after it; "interleaved" emits them after 1–3 later parents, never right
 * after it; "shuffled" needs every line, so it holds them until the end.
 */
class LineOrderer {
  private index = 0;
  private readonly due = new Map<number, Json[]>();
  private readonly held: Json[] = [];

  constructor(
    private readonly order: ChildOrder,
    private readonly random: Random,
    private readonly emit: (line: Json) => void
  ) {}

  private static flat(group: LineGroup): Json[] {
    return [group.line, ...group.children.flatMap(LineOrderer.flat)];
  }

  push(group: LineGroup): void {
    if (this.order === "grouped") {
      for (const line of LineOrderer.flat(group)) this.emit(line);
      return;
    }
    if (this.order === "shuffled") {
      this.held.push(...LineOrderer.flat(group));
      return;
    }
    const i = this.index++;
    this.emit(group.line);
    for (const pending of this.due.get(i) ?? []) this.emit(pending);
    this.due.delete(i);
    const childLines = group.children.flatMap(LineOrderer.flat);
    if (childLines.length > 0) {
      const at = i + this.random.int(1, 3);
      this.due.set(at, [...(this.due.get(at) ?? []), ...childLines]);
    }
  }

  end(): void {
    if (this.order === "shuffled") for (const line of this.random.shuffle(this.held)) this.emit(line);
    for (const key of [...this.due.keys()].sort((a, b) => a - b)) for (const line of this.due.get(key)!) this.emit(line);
    this.due.clear();
  }
}

/**
 * Long work in the simulator's process (a 1M-order export, a 100k-line mutation) gives the event
 * loop back every few milliseconds, so other shops' requests and webhooks keep flowing meanwhile.
 */
export class TimeSlice {
  static readonly BUDGET_MS = 8;
  private started = performance.now();

  due(): boolean {
    return performance.now() - this.started >= TimeSlice.BUDGET_MS;
  }

  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}
