import { createHash } from "node:crypto";
import type { GraphQLResolveInfo } from "graphql";
import { gid, parseGid } from "../ids";
import type { MetafieldOwnerType, SimMetafield, SimMetafieldDefinition } from "../model";
import { connection, type ConnectionArgs } from "./connection";
import type { ResolverContext, TypeResolvers, UserErrorShape } from "./context";

/**
 * Metafields, metafield definitions and the mutations that write them
 * (https://shopify.dev/docs/apps/build/custom-data). Rules the app relies on:
 * - `$app` / `$app:x` namespaces resolve to the app's reserved `app--<clientId>` / `app--<clientId>--x`
 * - metafieldsSet takes ≤ 25 inputs and is atomic: one invalid input writes nothing
 * - compareDigest makes a write conditional on the value not having changed (null: must not exist)
 * - a definition's namespace+key is unique per owner type (TAKEN)
 * - `app--<id>` namespaces belong to app <id>: another app can't write them (APP_NOT_AUTHORIZED) and
 *   doesn't see them, unless the definition grants PUBLIC_READ / PUBLIC_READ_WRITE admin access
 * - a change to a customer's metafields announces customers/update, as Shopify does
 */

export const MAX_METAFIELDS_PER_SET = 25;

interface MetafieldType {
  category: string;
  /** Error message when the value is invalid, or null when valid. */
  check(value: string): string | null;
  json(value: string): unknown;
  /** Usable in segments and admin filters (text, number, true/false, date/time). */
  filterable: boolean;
}

const text = (max: number, singleLine: boolean): MetafieldType => ({
  category: "TEXT",
  check: (v) =>
    singleLine && /[\r\n]/.test(v)
      ? "Value must be a single line of text."
      : v.length > max
      ? `Value is too long (maximum is ${max} characters).`
      : null,
  json: (v) => v,
  filterable: singleLine,
});

const parseJson = (v: string): unknown => {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
};

export const METAFIELD_TYPES: Record<string, MetafieldType> = {
  single_line_text_field: text(65535, true),
  multi_line_text_field: text(65535, false),
  number_integer: {
    category: "NUMBER",
    check: (v) => (/^-?\d+$/.test(v.trim()) && Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER ? null : "Value must be an integer."),
    json: (v) => Number(v),
    filterable: true,
  },
  number_decimal: {
    category: "NUMBER",
    check: (v) => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? null : "Value must be a decimal."),
    json: (v) => v.trim(),
    filterable: true,
  },
  boolean: {
    category: "TRUE_FALSE",
    check: (v) => (v === "true" || v === "false" ? null : "Value must be true or false."),
    json: (v) => v === "true",
    filterable: true,
  },
  date: {
    category: "DATE_TIME",
    check: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? null : "Value must be in YYYY-MM-DD format."),
    json: (v) => v,
    filterable: true,
  },
  date_time: {
    category: "DATE_TIME",
    check: (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(v) && !Number.isNaN(Date.parse(v))
        ? null
        : "Value must be in ISO 8601 date and time format.",
    json: (v) => v,
    filterable: true,
  },
  json: {
    category: "ADVANCED",
    check: (v) => (parseJson(v) === undefined ? "Value must be valid JSON." : null),
    json: parseJson,
    filterable: false,
  },
  url: {
    category: "URL",
    check: (v) => (/^(https?|mailto|sms|tel):/.test(v) ? null : "Value must be a valid URL."),
    json: (v) => v,
    filterable: false,
  },
  color: {
    category: "COLOR",
    check: (v) => (/^#[0-9a-fA-F]{6}$/.test(v) ? null : "Value must be a hex color code (#RRGGBB)."),
    json: (v) => v,
    filterable: false,
  },
  "list.single_line_text_field": {
    category: "TEXT",
    check: (v) => {
      const parsed = parseJson(v);
      return Array.isArray(parsed) && parsed.every((x) => typeof x === "string" && !/[\r\n]/.test(x))
        ? null
        : "Value must be a JSON array of single line text strings.";
    },
    json: parseJson,
    filterable: true,
  },
  "list.number_integer": {
    category: "NUMBER",
    check: (v) => {
      const parsed = parseJson(v);
      return Array.isArray(parsed) && parsed.every((x) => Number.isInteger(x)) ? null : "Value must be a JSON array of integers.";
    },
    json: parseJson,
    filterable: false,
  },
};

/** `$app` → `app--<id>`, `$app:rfm` → `app--<id>--rfm`; other namespaces are taken literally. */
export function resolveNamespace(namespace: string | null | undefined, ctx: ResolverContext): string {
  if (namespace == null || namespace === "$app") return `app--${ctx.apiClientId}`;
  if (namespace.startsWith("$app:")) return `app--${ctx.apiClientId}--${namespace.slice(5)}`;
  return namespace;
}

const OWNER_TYPES: Record<string, MetafieldOwnerType> = { Customer: "CUSTOMER", Order: "ORDER", Shop: "SHOP" };

/** The app owning a reserved namespace (`app--<id>` / `app--<id>--x`), or null for merchant namespaces. */
function reservedFor(namespace: string): string | null {
  const match = /^app--(\d+)(--|$)/.exec(namespace);
  return match ? match[1] : null;
}

/** Whether the calling app may write metafields in this namespace (owner, or a definition open to all apps). */
function mayWrite(ctx: ResolverContext, ownerType: MetafieldOwnerType, namespace: string, key: string): boolean {
  const owner = reservedFor(namespace);
  if (owner === null || owner === ctx.apiClientId) return true;
  return ctx.store.findDefinition(ownerType, namespace, key)?.access.admin === "PUBLIC_READ_WRITE";
}

/** Whether the calling app sees this metafield (another app's reserved data is private unless made public). */
function mayRead(ctx: ResolverContext, mf: SimMetafield): boolean {
  const owner = reservedFor(mf.namespace);
  if (owner === null || owner === ctx.apiClientId) return true;
  const access = ctx.store.findDefinition(mf.ownerType, mf.namespace, mf.key)?.access.admin;
  return access === "PUBLIC_READ" || access === "PUBLIC_READ_WRITE";
}

const NOT_OWNER = "ApiPermission metafields can only be created or updated by the app owner.";

/** customers/update for each customer whose metafields a mutation changed. */
function announceCustomers(ctx: ResolverContext, customerIds: Iterable<number>): void {
  for (const id of new Set(customerIds)) {
    const customer = ctx.store.customers.get(id);
    if (customer) ctx.store.touchCustomer(customer);
  }
}

function ownerExists(ctx: ResolverContext, ownerType: MetafieldOwnerType, id: number): boolean {
  if (ownerType === "CUSTOMER") return ctx.store.customers.has(id);
  if (ownerType === "ORDER") return ctx.store.orders.has(id);
  return id === ctx.store.shop.id;
}

export function compareDigest(mf: SimMetafield): string {
  return createHash("sha256").update(`${mf.namespace}.${mf.key}\u0000${mf.type}\u0000${mf.value}`).digest("hex");
}

function ownerTypeName(ownerType: MetafieldOwnerType): string {
  return ownerType === "CUSTOMER" ? "Customer" : ownerType === "ORDER" ? "Order" : "Shop";
}

/** `metafield`/`metafields` fields for an owner type (Customer, Order, Shop). */
export function metafieldResolversFor(ownerType: MetafieldOwnerType): TypeResolvers {
  return {
    metafield: (owner: { id: number }, args: { namespace?: string | null; key: string }, ctx: ResolverContext) => {
      const mf = ctx.store.findMetafield(ownerType, owner.id, resolveNamespace(args.namespace, ctx), args.key);
      return mf && mayRead(ctx, mf) ? mf : null;
    },
    metafields: (
      owner: { id: number },
      args: ConnectionArgs & { namespace?: string | null; keys?: string[] | null },
      ctx: ResolverContext,
      info: GraphQLResolveInfo
    ) => {
      let list = ctx.store.metafieldsOf(ownerType, owner.id).filter((mf) => mayRead(ctx, mf));
      if (args.namespace != null) {
        const ns = resolveNamespace(args.namespace, ctx);
        list = list.filter((mf) => mf.namespace === ns);
      }
      if (args.keys) {
        const wanted = new Set(
          args.keys.map((k) => {
            const dot = k.lastIndexOf(".");
            return dot < 0 ? k : `${resolveNamespace(k.slice(0, dot), ctx)}.${k.slice(dot + 1)}`;
          })
        );
        list = list.filter((mf) => wanted.has(`${mf.namespace}.${mf.key}`));
      }
      return connection(list, args, ctx, info, { id: (mf) => mf.id });
    },
  };
}

export const metafieldResolvers: TypeResolvers = {
  id: (mf: SimMetafield) => gid("Metafield", mf.id),
  legacyResourceId: (mf: SimMetafield) => String(mf.id),
  compareDigest: (mf: SimMetafield) => compareDigest(mf),
  jsonValue: (mf: SimMetafield) => METAFIELD_TYPES[mf.type]?.json(mf.value) ?? mf.value,
  sizeInBytes: (mf: SimMetafield) => Buffer.byteLength(mf.value),
  description: () => null,
  reference: () => null,
  references: () => null,
  translations: () => [],
  owner: (mf: SimMetafield, _a: unknown, ctx: ResolverContext) =>
    mf.ownerType === "CUSTOMER"
      ? ctx.store.customers.get(mf.ownerId)
      : mf.ownerType === "ORDER"
      ? ctx.store.orders.get(mf.ownerId)
      : { __typename: "Shop", id: ctx.store.shop.id },
  definition: (mf: SimMetafield, _a: unknown, ctx: ResolverContext) => ctx.store.findDefinition(mf.ownerType, mf.namespace, mf.key) ?? null,
};

export const metafieldDefinitionResolvers: TypeResolvers = {
  id: (d: SimMetafieldDefinition) => gid("MetafieldDefinition", d.id),
  type: (d: SimMetafieldDefinition) => ({
    name: d.type,
    category: METAFIELD_TYPES[d.type]?.category ?? "TEXT",
    supportedValidations: [],
    supportsDefinitionMigrations: true,
    valueType: d.type.startsWith("number_integer")
      ? "INTEGER"
      : d.type === "boolean"
      ? "BOOLEAN"
      : d.type === "json"
      ? "JSON_STRING"
      : "STRING",
  }),
  access: (d: SimMetafieldDefinition) => d.access,
  capabilities: (d: SimMetafieldDefinition) => {
    const off = { eligible: false, enabled: false };
    const eligible = METAFIELD_TYPES[d.type]?.filterable ?? false;
    return {
      adminFilterable: { eligible, enabled: d.adminFilterable, status: d.adminFilterable ? "FILTERABLE" : "NOT_FILTERABLE" },
      analyticsQueryable: off,
      cartToOrderCopyable: off,
      smartCollectionCondition: off,
      uniqueValues: off,
    };
  },
  validations: (d: SimMetafieldDefinition) => d.validations.map((v) => ({ name: v.name, type: "single_line_text_field", value: v.value })),
  validationStatus: () => "ALL_VALID",
  useAsCollectionCondition: () => false,
  standardTemplate: () => null,
  constraints: () => null,
  metafieldsCount: (d: SimMetafieldDefinition, _a: unknown, ctx: ResolverContext) =>
    [...ctx.store.metafields.values()].filter((mf) => mf.ownerType === d.ownerType && mf.namespace === d.namespace && mf.key === d.key)
      .length,
  metafields: (d: SimMetafieldDefinition, args: ConnectionArgs, ctx: ResolverContext, info: GraphQLResolveInfo) =>
    connection(
      [...ctx.store.metafields.values()].filter((mf) => mf.ownerType === d.ownerType && mf.namespace === d.namespace && mf.key === d.key),
      args,
      ctx,
      info,
      { id: (mf) => mf.id }
    ),
};

// ---- metafieldsSet ----

interface MetafieldsSetInput {
  ownerId: string;
  namespace?: string | null;
  key: string;
  type?: string | null;
  value: string;
  compareDigest?: string | null;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

function checkNamespaceAndKey(namespace: string, key: string, field: (name: string) => string[], elementIndex?: number): UserErrorShape[] {
  const errors: UserErrorShape[] = [];
  const push = (name: string, code: string, message: string) =>
    errors.push({ field: field(name), code, message, ...(elementIndex !== undefined ? { elementIndex } : {}) });
  if (namespace.length < 3) push("namespace", "TOO_SHORT", "Namespace is too short (minimum is 3 characters)");
  else if (namespace.length > 255) push("namespace", "TOO_LONG", "Namespace is too long (maximum is 255 characters)");
  else if (!NAME_PATTERN.test(namespace)) push("namespace", "INVALID", "Namespace contains one or more invalid characters.");
  if (key.length < 2) push("key", "TOO_SHORT", "Key is too short (minimum is 2 characters)");
  else if (key.length > 64) push("key", "TOO_LONG", "Key is too long (maximum is 64 characters)");
  else if (!NAME_PATTERN.test(key)) push("key", "INVALID", "Key contains one or more invalid characters.");
  return errors;
}

export function metafieldsSet(
  ctx: ResolverContext,
  inputs: MetafieldsSetInput[]
): { metafields: SimMetafield[]; userErrors: UserErrorShape[] } {
  if (inputs.length > MAX_METAFIELDS_PER_SET) {
    return {
      metafields: [],
      userErrors: [
        {
          field: ["metafields"],
          code: "LESS_THAN_OR_EQUAL_TO",
          message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}.`,
        },
      ],
    };
  }
  const errors: UserErrorShape[] = [];
  const planned: {
    input: MetafieldsSetInput;
    ownerType: MetafieldOwnerType;
    ownerId: number;
    namespace: string;
    type: string;
    existing?: SimMetafield;
  }[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const field = (name: string) => ["metafields", String(index), name];
    const fail = (name: string, code: string, message: string) => errors.push({ field: field(name), code, message, elementIndex: index });
    const owner = parseGid(input.ownerId);
    const ownerType = owner ? OWNER_TYPES[owner.type] : undefined;
    if (!owner || !ownerType || !ownerExists(ctx, ownerType, owner.id)) {
      fail("ownerId", "INVALID", "Owner does not exist.");
      return;
    }
    const namespace = resolveNamespace(input.namespace, ctx);
    const nameErrors = checkNamespaceAndKey(namespace, input.key, field, index);
    if (nameErrors.length > 0) {
      errors.push(...nameErrors);
      return;
    }
    if (!mayWrite(ctx, ownerType, namespace, input.key)) {
      fail("namespace", "APP_NOT_AUTHORIZED", NOT_OWNER);
      return;
    }
    const identity = `${ownerType}:${owner.id}:${namespace}.${input.key}`;
    if (seen.has(identity)) {
      fail("key", "INVALID", "The same metafield was given more than once.");
      return;
    }
    seen.add(identity);
    const existing = ctx.store.findMetafield(ownerType, owner.id, namespace, input.key);
    const definition = ctx.store.findDefinition(ownerType, namespace, input.key);
    const type = input.type ?? definition?.type ?? existing?.type;
    if (!type) {
      fail("type", "BLANK", "Type can't be blank.");
      return;
    }
    const spec = METAFIELD_TYPES[type];
    if (!spec) {
      fail("type", "INVALID_TYPE", `Type '${type}' is not a supported metafield type.`);
      return;
    }
    if (definition && definition.type !== type) {
      fail("type", "INVALID_TYPE", `Type '${type}' must be consistent with the definition's type: '${definition.type}'.`);
      return;
    }
    const invalid = spec.check(input.value);
    if (invalid) {
      fail("value", "INVALID_VALUE", invalid);
      return;
    }
    // compareDigest: absent → unconditional; null → create only; a digest → must match the stored one.
    if ("compareDigest" in input && input.compareDigest !== undefined) {
      const current = existing ? compareDigest(existing) : null;
      if (input.compareDigest !== current) {
        fail(
          "compareDigest",
          "STALE_OBJECT",
          "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value."
        );
        return;
      }
    }
    planned.push({ input, ownerType, ownerId: owner.id, namespace, type, existing });
  });
  if (errors.length > 0) return { metafields: [], userErrors: errors };

  const now = ctx.store.now();
  const changedCustomers: number[] = [];
  const written = planned.map(({ input, ownerType, ownerId, namespace, type, existing }) => {
    if (ownerType === "CUSTOMER" && (!existing || existing.value !== input.value || existing.type !== type)) changedCustomers.push(ownerId);
    if (existing) {
      existing.value = input.value;
      existing.type = type;
      existing.updatedAt = now;
      return existing;
    }
    const mf: SimMetafield = {
      __typename: "Metafield",
      id: ctx.store.nextId("Metafield"),
      ownerType,
      ownerId,
      namespace,
      key: input.key,
      type,
      value: input.value,
      createdAt: now,
      updatedAt: now,
    };
    ctx.store.metafields.set(mf.id, mf);
    return mf;
  });
  announceCustomers(ctx, changedCustomers);
  return { metafields: written, userErrors: [] };
}

export function metafieldsDelete(ctx: ResolverContext, inputs: { ownerId: string; namespace: string; key: string }[]) {
  const userErrors: UserErrorShape[] = [];
  const changedCustomers: number[] = [];
  const deleted = inputs.map((input, index) => {
    const owner = parseGid(input.ownerId);
    const ownerType = owner ? OWNER_TYPES[owner.type] : undefined;
    if (!owner || !ownerType) return null;
    const namespace = resolveNamespace(input.namespace, ctx);
    if (!mayWrite(ctx, ownerType, namespace, input.key)) {
      userErrors.push({ field: ["metafields", String(index), "namespace"], message: NOT_OWNER });
      return null;
    }
    const mf = ctx.store.findMetafield(ownerType, owner.id, namespace, input.key);
    if (!mf) return null;
    ctx.store.metafields.delete(mf.id);
    if (ownerType === "CUSTOMER") changedCustomers.push(owner.id);
    return { ownerId: input.ownerId, namespace: mf.namespace, key: mf.key };
  });
  announceCustomers(ctx, changedCustomers);
  return { deletedMetafields: deleted, userErrors };
}

// ---- metafieldDefinitionCreate ----

interface DefinitionInput {
  name: string;
  namespace?: string | null;
  key: string;
  type: string;
  description?: string | null;
  ownerType: MetafieldOwnerType;
  pin?: boolean | null;
  access?: { admin?: string | null; storefront?: string | null; customerAccount?: string | null } | null;
  capabilities?: { adminFilterable?: { enabled: boolean } | null } | null;
  validations?: { name: string; value?: string | null }[] | null;
}

export function metafieldDefinitionCreate(
  ctx: ResolverContext,
  input: DefinitionInput
): { createdDefinition: SimMetafieldDefinition | null; userErrors: UserErrorShape[] } {
  const errors: UserErrorShape[] = [];
  const field = (name: string) => ["definition", name];
  const fail = (name: string, code: string, message: string) => errors.push({ field: field(name), code, message });
  const namespace = resolveNamespace(input.namespace, ctx);
  const appOwned = namespace.startsWith(`app--${ctx.apiClientId}`);
  if (!input.name.trim()) fail("name", "BLANK", "Name can't be blank.");
  errors.push(
    ...checkNamespaceAndKey(namespace, input.key, field).map((e) => (e.code === "INVALID" ? { ...e, code: "INVALID_CHARACTER" } : e))
  );
  if (namespace === "shopify" || namespace.startsWith("shopify--") || (namespace.startsWith("app--") && !appOwned)) {
    fail("namespace", "RESERVED_NAMESPACE_KEY", `Namespace ${namespace} is reserved.`);
  }
  const spec = METAFIELD_TYPES[input.type];
  if (!spec) fail("type", "INCLUSION", `Type name '${input.type}' is not included in the list of supported types.`);
  if (input.access?.admin && !appOwned)
    fail(
      "access",
      "ADMIN_ACCESS_INPUT_NOT_ALLOWED",
      "Admin access can only be specified on metafield definitions that have an app-reserved namespace."
    );
  const filterable = input.capabilities?.adminFilterable?.enabled ?? false;
  if (filterable && spec && !spec.filterable)
    fail("capabilities", "INVALID_CAPABILITY", `Type '${input.type}' cannot be used as an admin filter.`);
  if (errors.length === 0 && ctx.store.findDefinition(input.ownerType, namespace, input.key)) {
    fail("key", "TAKEN", `Key is in use for ${ownerTypeName(input.ownerType)} metafields on the '${namespace}' namespace.`);
  }
  if (errors.length > 0) return { createdDefinition: null, userErrors: errors };

  const pinned = [...ctx.store.metafieldDefinitions.values()].filter((d) => d.ownerType === input.ownerType && d.pinnedPosition !== null);
  const definition: SimMetafieldDefinition = {
    __typename: "MetafieldDefinition",
    id: ctx.store.nextId("MetafieldDefinition"),
    ownerType: input.ownerType,
    namespace,
    key: input.key,
    name: input.name,
    description: input.description ?? null,
    type: input.type,
    adminFilterable: filterable,
    pinnedPosition: input.pin ? pinned.length + 1 : null,
    access: {
      admin: input.access?.admin ?? (appOwned ? "MERCHANT_READ" : "PUBLIC_READ_WRITE"),
      storefront: input.access?.storefront ?? "NONE",
      customerAccount: input.access?.customerAccount ?? "NONE",
    },
    validations: (input.validations ?? []).map((v) => ({ name: v.name, value: v.value ?? null })),
    createdAt: ctx.store.now(),
  };
  ctx.store.metafieldDefinitions.set(definition.id, definition);
  return { createdDefinition: definition, userErrors: [] };
}

export function metafieldDefinitionsConnection(
  ctx: ResolverContext,
  args: ConnectionArgs & { ownerType: MetafieldOwnerType; namespace?: string | null; key?: string | null },
  info: GraphQLResolveInfo
) {
  let list = [...ctx.store.metafieldDefinitions.values()].filter((d) => d.ownerType === args.ownerType);
  if (args.namespace != null) {
    const ns = resolveNamespace(args.namespace, ctx);
    list = list.filter((d) => d.namespace === ns);
  }
  if (args.key != null) list = list.filter((d) => d.key === args.key);
  return connection(list, args, ctx, info, {
    id: (d) => d.id,
    sortKeys: { ID: (d) => d.id, NAME: (d) => d.name.toLowerCase(), PINNED_POSITION: (d) => d.pinnedPosition ?? Number.MAX_SAFE_INTEGER },
    search: {
      namespace: { kind: "string", get: (d) => d.namespace },
      key: { kind: "string", get: (d) => d.key },
      type: { kind: "string", get: (d) => d.type },
    },
  });
}
