/** Shopify global IDs: gid://shopify/<Type>/<numeric id>. */
export function gid(type: string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

export interface ParsedGid {
  type: string;
  id: number;
}

export function parseGid(value: string): ParsedGid | null {
  const match = /^gid:\/\/shopify\/(\w+)\/(\d+)(\?.*)?$/.exec(value);
  if (!match) return null;
  return { type: match[1], id: Number(match[2]) };
}

/** Numeric id of a gid of the expected type, or null. */
export function idOf(value: string, type: string): number | null {
  const parsed = parseGid(value);
  return parsed && parsed.type === type ? parsed.id : null;
}
