import { parseGid } from "../ids";
import type { SimCustomer, SimOrder } from "../model";
import { normaliseTags } from "../store";
import type { ResolverContext, UserErrorShape } from "./context";

/**
 * tagsAdd / tagsRemove on customers and orders (https://shopify.dev/docs/api/admin-graphql/latest/mutations/tagsAdd).
 * Tags are trimmed, comma-split and compared case-insensitively; tags not named are left alone.
 * A change announces customers/update or orders/updated, as Shopify does.
 */
export const MAX_TAGS = 250;
export const MAX_TAG_LENGTH = 255;

type Taggable = SimCustomer | SimOrder;

function findTaggable(ctx: ResolverContext, id: string): Taggable | null {
  const parsed = parseGid(id);
  if (!parsed) return null;
  if (parsed.type === "Customer") return ctx.store.customers.get(parsed.id) ?? null;
  if (parsed.type === "Order") return ctx.store.orders.get(parsed.id) ?? null;
  return null;
}

function announce(ctx: ResolverContext, node: Taggable): void {
  if (node.__typename === "Customer") ctx.store.touchCustomer(node);
  else ctx.store.touchOrder(node);
}

export function tagsAdd(ctx: ResolverContext, id: string, tags: string[]): { node: Taggable | null; userErrors: UserErrorShape[] } {
  const node = findTaggable(ctx, id);
  if (!node) return { node: null, userErrors: [{ field: ["id"], message: "Resource does not exist" }] };
  const incoming = normaliseTags(tags);
  const tooLong = incoming.find((t) => t.length > MAX_TAG_LENGTH);
  if (tooLong)
    return {
      node: null,
      userErrors: [{ field: ["tags"], message: `Tag '${tooLong.slice(0, 20)}…' is too long (maximum is ${MAX_TAG_LENGTH} characters)` }],
    };
  const merged = normaliseTags([...node.tags, ...incoming]);
  if (merged.length > MAX_TAGS)
    return { node: null, userErrors: [{ field: ["tags"], message: `A resource can have at most ${MAX_TAGS} tags` }] };
  if (merged.length !== node.tags.length) {
    node.tags = merged;
    announce(ctx, node);
  }
  return { node, userErrors: [] };
}

export function tagsRemove(ctx: ResolverContext, id: string, tags: string[]): { node: Taggable | null; userErrors: UserErrorShape[] } {
  const node = findTaggable(ctx, id);
  if (!node) return { node: null, userErrors: [{ field: ["id"], message: "Resource does not exist" }] };
  const removing = new Set(normaliseTags(tags).map((t) => t.toLowerCase()));
  const kept = node.tags.filter((t) => !removing.has(t.toLowerCase()));
  if (kept.length !== node.tags.length) {
    node.tags = kept;
    announce(ctx, node);
  }
  return { node, userErrors: [] };
}
