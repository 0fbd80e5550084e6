/**
 * Decimal money strings ("12.30", "-5.5", "1000") → integer minor units of the currency,
 * without going through floating point.
 */
const exponentCache = new Map<string, number>();

/** Digits after the decimal point for a currency (USD 2, JPY 0, KWD 3). */
export function currencyExponent(currency: string): number {
  let e = exponentCache.get(currency);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponentCache.set(currency, e);
  }
  return e;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export function toMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === "number" ? amount.toFixed(currencyExponent(currency)) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, frac = ""] = match;
  const exp = currencyExponent(currency);
  // Round half away from zero on the first dropped digit.
  const kept = (frac + "0".repeat(exp)).slice(0, exp);
  const next = frac.length > exp ? Number(frac[exp]) : 0;
  let minor = Number(whole) * 10 ** exp + Number(kept || "0");
  if (next >= 5) minor += 1;
  return sign ? -minor : minor;
}

/** Minor units → decimal string (for display and exports). */
export function fromMinorUnits(minor: number, currency: string): string {
  return minorToDecimal(minor, currencyExponent(currency));
}

/** Minor units → decimal string with `exp` digits after the point (when the caller knows the digits, not the currency). */
export function minorToDecimal(minor: number, exp: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (exp === 0) return `${sign}${abs}`;
  const s = String(abs).padStart(exp + 1, "0");
  return `${sign}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}
