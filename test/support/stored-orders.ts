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

/** What a stored order must say, in neutral terms (money in minor units of the shop currency). */
export interface ExpectedOrder {
  id: string;
  customerKey: string | null;
  totalMinor: number;
  refundedMinor: number;
  test: boolean;
  cancelled: boolean;
  pos: boolean;
  subscription: boolean;
  lineItems: { id: string; totalMinor: number; subscription: boolean }[];
}

/** What a stored canonical order must say about a seeded order (money in cents = minor units of USD). */
export function expectedOf(o: TruthOrder, options: { emails?: boolean } = {}): ExpectedOrder {
  const guest = options.emails === false ? null : guestKey(o.email);
  return {
    id: o.id,
    customerKey: o.customerId ?? guest,
    totalMinor: o.totalCents,
    refundedMinor: o.refundedCents,
    test: o.test,
    cancelled: o.cancelledAt !== null,
    pos: o.pos,
    // A subscription order is one a subscription app created (a renewal), not any order with a subscription line.
    subscription: o.subscription && /^subscription/.test(o.sourceName),
    lineItems: o.lineItems
      .map((l) => ({ id: l.id, totalMinor: l.discountedTotalCents, subscription: l.subscription }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** The part of a stored order compared with the store's. */
export function projection(o: CanonicalOrder): ExpectedOrder {
  return {
    id: o.id,
    customerKey: o.customerKey,
    totalMinor: o.totalMinor,
    refundedMinor: o.refundedMinor,
    test: o.test,
    cancelled: o.cancelled,
    pos: o.pos,
    subscription: o.subscription,
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
