/**
 * Shopify's ids as the rest of the app meets them: customer keys are customer GIDs
 * (guests, who have none, are keyed by email and cannot be written to), and the admin
 * links App Bridge opens inside the Shopify admin.
 */
import type { CustomerIds } from "../types";

const GID = /^gid:\/\/shopify\/(\w+)\/(\d+)$/;

/** Numeric id of a Shopify GID ("gid://shopify/Customer/42" → "42"). */
export function legacyId(gid: string): string | null {
  const m = GID.exec(gid);
  return m ? m[2] : null;
}

export const orderGid = (id: string) => (id.startsWith("gid://") ? id : `gid://shopify/Order/${id}`);
export const customerGid = (id: string) => (id.startsWith("gid://") ? id : `gid://shopify/Customer/${id}`);
const isCustomerGid = (key: string) => GID.exec(key)?.[1] === "Customer";

export const shopifyCustomerIds: CustomerIds = {
  isWritable: isCustomerGid,
  // App Bridge resolves shopify://admin/… inside the merchant's own admin.
  adminUrl: (_shop, key) => (isCustomerGid(key) ? `shopify://admin/customers/${legacyId(key)}` : null),
  displayId: (key) => (isCustomerGid(key) ? legacyId(key) : null),
};
