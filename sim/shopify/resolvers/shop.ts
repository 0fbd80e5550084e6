import { gid } from "../ids";
import type { ShopInfo } from "../rest-payloads";
import { zoneOffsetMinutes } from "../../kit/time-zones";
import type { ResolverContext, TypeResolvers } from "./context";
import { metafieldResolversFor } from "./metafields";

/** The `shop` root object: the fields apps read for currency, time zone and plan. */
export function shopSource(ctx: ResolverContext): ShopInfo & { __typename: "Shop" } {
  return { __typename: "Shop", ...ctx.store.shop };
}

function offset(ctx: ResolverContext): number {
  return zoneOffsetMinutes(ctx.store.shop.ianaTimezone, ctx.clock.now());
}

export const shopResolvers: TypeResolvers = {
  id: (s: ShopInfo) => gid("Shop", s.id),
  myshopifyDomain: (s: ShopInfo) => s.domain,
  contactEmail: (s: ShopInfo) => s.email,
  shopOwnerName: () => "Simulated Owner",
  url: (s: ShopInfo) => `https://${s.domain}`,
  primaryDomain: (s: ShopInfo) => ({
    __typename: "Domain",
    id: gid("Domain", s.id),
    host: s.domain,
    url: `https://${s.domain}`,
    sslEnabled: true,
  }),
  plan: (_s: ShopInfo, _a: unknown, ctx: ResolverContext) => ({
    displayName: ctx.planName,
    publicDisplayName: ctx.planName,
    partnerDevelopment: ctx.planName === "Development",
    shopifyPlus: ctx.planName === "Plus" || ctx.planName === "Enterprise",
  }),
  updatedAt: (s: ShopInfo) => s.createdAt,
  enabledPresentmentCurrencies: (s: ShopInfo) => [s.currencyCode],
  taxesIncluded: () => false,
  taxShipping: () => false,
  weightUnit: () => "KILOGRAMS",
  unitSystem: () => "METRIC_SYSTEM",
  setupRequired: () => false,
  checkoutApiSupported: () => true,
  transactionalSmsDisabled: () => false,
  marketingSmsConsentEnabledAtCheckout: () => false,
  orderNumberFormatPrefix: () => "#",
  orderNumberFormatSuffix: () => "",
  description: () => null,
  timezoneOffsetMinutes: (_s: ShopInfo, _a: unknown, ctx: ResolverContext) => offset(ctx),
  timezoneOffset: (_s: ShopInfo, _a: unknown, ctx: ResolverContext) => {
    const m = offset(ctx);
    const abs = Math.abs(m);
    return `${m < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
  },
  timezoneAbbreviation: (s: ShopInfo, _a: unknown, ctx: ResolverContext) =>
    new Intl.DateTimeFormat("en-US", { timeZone: s.ianaTimezone, timeZoneName: "short" })
      .formatToParts(new Date(ctx.clock.now()))
      .find((p) => p.type === "timeZoneName")?.value ?? "UTC",
  ...metafieldResolversFor("SHOP"),
};
