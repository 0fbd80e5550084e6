import type { CanonicalOrder } from "~/rfm/order";

let seq = 0;
/** A canonical order with sensible defaults; override what a test is about. */
export function anOrder(overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  seq++;
  const id = overrides.id ?? `gid://shopify/Order/${1000 + seq}`;
  return {
    platform: "shopify",
    id,
    customerKey: "gid://shopify/Customer/1",
    guest: false,
    processedAt: "2026-06-01T10:00:00.000Z",
    updatedAt: "2026-06-01T10:00:00.000Z",
    currency: "USD",
    totalMinor: 5000,
    refundedMinor: 0,
    channel: "web",
    pos: false,
    subscription: false,
    test: false,
    cancelled: false,
    tags: [],
    lineItems: [{ id: `${id}-L1`, quantity: 1, unitPriceMinor: 5000, totalMinor: 5000, subscription: false }],
    ...overrides,
  };
}
