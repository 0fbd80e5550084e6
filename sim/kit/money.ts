/**
 * Money is kept in integer minor units (cents) so totals never drift; platforms serialise it as a
 * decimal string ("12.30").
 */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${sign}${whole}.${String(frac).padStart(2, "0")}`;
}

export function decimalToCents(value: string | number): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a decimal amount: ${value}`);
  return Math.round(n * 100);
}
