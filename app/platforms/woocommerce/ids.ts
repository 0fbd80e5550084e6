/**
 * WooCommerce's ids as the rest of the app meets them: customer keys are `woo:customer:N`
 * (registered customers, writable); guests (`customer_id: 0`) are keyed by email and cannot
 * be written to. The spelling itself lives in orders.ts (wooCustomerKey / wooCustomerIdOf).
 */
import type { CustomerIds } from "../types";
import { wooCustomerIdOf } from "./orders";

/** The site's base URL for a shop domain: the domain is the site URL's host (plus path). */
export function siteBase(domain: string): string {
  return /^https?:\/\//.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain.replace(/\/+$/, "")}`;
}

export const wooCustomerIds: CustomerIds = {
  isWritable: (key) => wooCustomerIdOf(key) !== null,
  adminUrl: (shop, key) => {
    const id = wooCustomerIdOf(key);
    return id === null ? null : `${siteBase(shop.domain)}/wp-admin/user-edit.php?user_id=${id}`;
  },
  displayId: (key) => {
    const id = wooCustomerIdOf(key);
    return id === null ? null : String(id);
  },
};
