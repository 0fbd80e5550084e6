/**
 * Comparing what the app stored with the simulator's truth, and rendering the sync status
 * card as a merchant would see it (server-rendered Polaris markup, text only).
 */
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { SyncStatusCard, type SyncStatusView } from "~/components/SyncStatusCard";
import type { CanonicalOrder } from "~/rfm/order";
import type { TruthOrder } from "../../sim/shopify";
import { guestKey } from "~/rfm/customer-key";

/** What a stored canonical order must say about a seeded order (money in cents = minor units of USD). */
export function expectedOf(o: TruthOrder, options: { emails?: boolean } = {}) {
  const guest = options.emails === false ? null : guestKey(o.email);
  return {
    id: o.id,
    customerKey: o.customerId ?? guest,
    totalMinor: o.totalCents,
    refundedMinor: o.refundedCents,
    test: o.test,
    cancelled: o.cancelledAt !== null,
    pos: o.pos,
    lineItems: o.lineItems
      .map((l) => ({ id: l.id, totalMinor: l.discountedTotalCents, subscription: l.subscription }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

export function projection(o: CanonicalOrder) {
  return {
    id: o.id,
    customerKey: o.customerKey,
    totalMinor: o.totalMinor,
    refundedMinor: o.refundedMinor,
    test: o.test,
    cancelled: o.cancelled,
    pos: o.pos,
    lineItems: o.lineItems
      .map((l) => ({ id: l.id, totalMinor: l.totalMinor, subscription: l.subscription }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);

/** The sync status card's visible text. */
export function syncStatusText(status: SyncStatusView): string {
  const html = renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(SyncStatusCard, { status, locale: "en-US" })));
  return html.replace(/<[^>]+>/g, " ").replace(/&#x27;|&#39;/g, "'").replace(/\s+/g, " ");
}
