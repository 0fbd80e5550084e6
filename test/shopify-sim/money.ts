/**
 * Money is kept in integer minor units (cents) so totals never drift; Shopify serialises it as a
 * decimal string ("12.30" in REST, "12.3" in GraphQL's Decimal scalar).
 */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${sign}${whole}.${String(frac).padStart(2, "0")}`;
}

/** GraphQL Decimal: no trailing zeros beyond one decimal place, as Shopify returns ("12.3", "10.0"). */
export function centsToGraphqlDecimal(cents: number): string {
  const fixed = centsToDecimal(cents);
  return fixed.endsWith("0") ? fixed.slice(0, -1) : fixed;
}

export function decimalToCents(value: string | number): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a decimal amount: ${value}`);
  return Math.round(n * 100);
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
