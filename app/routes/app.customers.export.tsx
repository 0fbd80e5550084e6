/**
 * The customer CSV, in two steps, so no session token ever sits in a URL:
 *
 *   POST /app/customers/export?persona=…&r=…&q=…   (App Bridge fetch, Authorization: Bearer)
 *     → { url: "/app/customers/export?token=…", expiresAt }   a one-time token for these filters
 *   GET  /app/customers/export?token=…              (the browser's download window)
 *     → the CSV, streamed; the token is spent, a second GET or one after a minute is refused
 *
 * The GET authenticates by the download token alone: a session token (`id_token`) in the
 * URL is not accepted here, since that URL ends up in access logs and browser history.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerCsvStream, csvFilename } from "~/dashboard/customers-csv.server";
import { customerFilterSchema } from "~/dashboard/customers.server";
import { parseSearchParams } from "~/dashboard/request.server";
import { mintDownloadToken, redeemDownloadToken } from "~/downloads/download-tokens.server";
import { services } from "~/services.server";
import { requireMerchant } from "~/platforms/merchant.server";

const PURPOSE = "customers-csv";

/** Mints a one-time download link for the filters in the query string (400 names a bad one). */
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return refuse(405, "Use POST to start an export.");
  const { shop } = await requireMerchant(request);
  const { db } = services();
  const filter = parseSearchParams(customerFilterSchema, request);
  const { token, expiresAt } = await mintDownloadToken(db, { shopId: shop.id, purpose: PURPOSE, params: filter });
  return Response.json(
    { url: `/app/customers/export?${new URLSearchParams({ token })}`, expiresAt: expiresAt.toISOString() },
    { headers: { "Cache-Control": "no-store" } },
  );
};

/** GET ?token=… → every matching customer as a streamed CSV, once. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  const token = url.searchParams.get("token");
  if (!token) {
    return refuse(400, "This download link has no download token. Use Export CSV in the app to download customers.");
  }
  const { db } = services();
  const redeemed = await redeemDownloadToken(db, token, PURPOSE);
  if (!redeemed.ok) {
    return redeemed.reason === "unknown"
      ? refuse(403, "This download link is not valid. Use Export CSV in the app to download customers.")
      : refuse(410, `This download link has ${redeemed.reason === "used" ? "already been used" : "expired"}. Use Export CSV in the app again.`);
  }
  const shop = (await db
    .prepare(`SELECT id, domain FROM "Shop" WHERE id = ? AND uninstalledAt IS NULL`)
    .get(redeemed.shopId)) as { id: string; domain: string } | undefined;
  // The token names its shop; a link that claims another one was not made for this request.
  const claimed = url.searchParams.get("shop");
  if (!shop || (claimed !== null && claimed !== shop.domain)) {
    return refuse(403, "This download link is not valid for this store.");
  }
  const filter = customerFilterSchema.safeParse(redeemed.params);
  if (!filter.success) return refuse(400, "This download link's filters are not valid. Use Export CSV in the app again.");
  return new Response(await customerCsvStream(db, shop.id, filter.data), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${csvFilename(shop.domain)}"`,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    },
  });
};

/** A download window shows the body as a page: plain words, not JSON. */
function refuse(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" },
  });
}
