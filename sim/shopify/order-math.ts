import type { SimLineItem, SimOrder } from "./model";

/**
 * Order money rules, in one place so GraphQL fields, REST webhook payloads and the seed's truth agree.
 * Simplified: no taxes or duties; every order counts as paid in full, so
 * net payment = total − refunds and the current total drops by what was refunded.
 */

export function lineOriginalTotalCents(line: SimLineItem): number {
  return line.quantity * line.unitPriceCents;
}

export function lineDiscountedTotalCents(line: SimLineItem): number {
  return lineOriginalTotalCents(line) - line.discountCents;
}

export function lineRefundedQuantity(order: SimOrder, line: SimLineItem): number {
  let n = 0;
  for (const refund of order.refunds) for (const r of refund.lines) if (r.lineItemId === line.id) n += r.quantity;
  return n;
}

export function lineCurrentQuantity(order: SimOrder, line: SimLineItem): number {
  return Math.max(0, line.quantity - lineRefundedQuantity(order, line));
}

export function subtotalCents(order: SimOrder): number {
  return order.lineItems.reduce((sum, line) => sum + lineDiscountedTotalCents(line), 0);
}

export function totalDiscountCents(order: SimOrder): number {
  return order.lineItems.reduce((sum, line) => sum + line.discountCents, 0);
}

export function totalCents(order: SimOrder): number {
  return subtotalCents(order) + order.shippingCents;
}

export function refundedCents(order: SimOrder): number {
  return order.refunds.reduce((sum, refund) => sum + refund.amountCents, 0);
}

export function currentTotalCents(order: SimOrder): number {
  return Math.max(0, totalCents(order) - refundedCents(order));
}

export function currentSubtotalCents(order: SimOrder): number {
  return Math.max(0, subtotalCents(order) - refundedCents(order));
}

export function netPaymentCents(order: SimOrder): number {
  return totalCents(order) - refundedCents(order);
}

export function financialStatus(order: SimOrder): "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED" {
  const refunded = refundedCents(order);
  if (refunded === 0) return "PAID";
  return refunded >= totalCents(order) ? "REFUNDED" : "PARTIALLY_REFUNDED";
}

/** Refund value of some quantity of a line: its discounted unit price times the quantity. */
export function lineRefundValueCents(line: SimLineItem, quantity: number): number {
  if (line.quantity === 0) return 0;
  return Math.round((lineDiscountedTotalCents(line) * quantity) / line.quantity);
}
