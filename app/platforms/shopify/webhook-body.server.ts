/**
 * The raw body of a webhook delivery: read with a size cap before anything is verified,
 * and parsed without losing the digits of Shopify's 64-bit ids.
 */

// The size-capped reader is shared by every platform.
export { MAX_WEBHOOK_BYTES, readBodyCapped, type CappedBody } from "../webhook-body.server";

/**
 * JSON.parse, except that integers beyond 2^53 come back as strings with every digit.
 * Shopify's ids are 64-bit (its documented samples use ids like 820982911946154508);
 * a plain JSON.parse silently turns them into neighbouring numbers.
 *
 * Such integers are quoted in the text before parsing: one native regex pass and a plain
 * JSON.parse cost well under half of a reviver, which V8 calls with the source of every value
 * (it ran on every delivery, on the request path). A body without 16 digits in a row (2^53 has
 * 16) has none, and is parsed as it is.
 */
export function parseJsonKeepingIds(text: string): unknown {
  if (!SIXTEEN_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text.replace(STRING_OR_LONG_INTEGER, (token) => (token.charCodeAt(0) === QUOTE || Number.isSafeInteger(Number(token)) ? token : `"${token}"`)));
}

const SIXTEEN_DIGITS = /\d{16}/;
const QUOTE = 0x22;
/**
 * A whole JSON string (matched so that digits inside strings are left alone), or an integer of
 * 16+ digits standing alone as a value: not part of a fraction, an exponent or a longer token.
 */
const STRING_OR_LONG_INTEGER = /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\w.+-])-?\d{16,}(?![\d.eE])/g;
