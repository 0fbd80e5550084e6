/**
 * The raw body of a webhook delivery, for every platform: read with a size cap before
 * anything is verified (the signature is over the raw bytes, so nothing is parsed first).
 */

/**
 * The largest delivery we read. Shopify's biggest order payloads (hundreds of lines with
 * tax lines and discount allocations) and WooCommerce's stay well under a few hundred kilobytes.
 */
export const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;

export type CappedBody = { ok: true; text: string } | { ok: false; response: Response };

/** The answer to a delivery over `limit` (every server that reads deliveries gives this one). */
export const payloadTooLarge = (limit: number) =>
  new Response(`Payload too large: at most ${limit} bytes`, { status: 413 });
const tooLarge = payloadTooLarge;

/**
 * Reads a request's body, refusing it (413) as soon as it is known to exceed `limit`:
 * by its Content-Length before a byte is read, or while streaming when it has none or lies.
 * Memory stays bounded by `limit` whatever a client sends.
 */
export async function readBodyCapped(request: Request, limit = MAX_WEBHOOK_BYTES): Promise<CappedBody> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared.trim()) || Number(declared) > limit)) {
    return { ok: false, response: declared.trim().match(/^\d+$/) ? tooLarge(limit) : new Response("Bad Content-Length", { status: 400 }) };
  }
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Stop reading without cancelling: the server then discards the rest unbuffered, and
    // the client still gets its 413 (cancelling resets the connection under the client).
    if (size > limit) {
      reader.releaseLock();
      return { ok: false, response: tooLarge(limit) };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks, size).toString("utf8") };
}
