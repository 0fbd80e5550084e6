import { centsToDecimal } from "../kit/money";

/**
 * Shopify's money shapes over the kit's cents: "12.30" in REST (the kit's centsToDecimal), "12.3" in
 * GraphQL's Decimal scalar, and MoneyBag (shop and presentment money).
 */

/** GraphQL Decimal: no trailing zeros beyond one decimal place, as Shopify returns ("12.3", "10.0"). */
export function centsToGraphqlDecimal(cents: number): string {
  const fixed = centsToDecimal(cents);
  return fixed.endsWith("0") ? fixed.slice(0, -1) : fixed;
}

export interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export interface MoneyBag {
  shopMoney: MoneyV2;
  presentmentMoney: MoneyV2;
}

/** presentmentRate: presentment units per shop unit (1 when the buyer paid in the shop currency). */
export function moneyBag(cents: number, shopCurrency: string, presentmentCurrency: string, presentmentRate: number): MoneyBag {
  return {
    shopMoney: { amount: centsToGraphqlDecimal(cents), currencyCode: shopCurrency },
    presentmentMoney: {
      amount: centsToGraphqlDecimal(Math.round(cents * presentmentRate)),
      currencyCode: presentmentCurrency,
    },
  };
}
