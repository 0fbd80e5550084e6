import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { dataRequestExport } from "~/privacy/data-requests.server";
import { services } from "~/services.server";
import { requireMerchant } from "~/platforms/merchant.server";

const Id = z.coerce.number({ error: "must be a number" }).int("must be a whole number").positive("must be positive");

/**
 * GET /app/data-requests/:id → a customers/data_request export of this shop, as a JSON
 * attachment. Fetched by the app with its session token in the Authorization header
 * (DataRequestDownloads), never with a token in the URL. Another shop's id, or an export
 * past its 30 days, is a 404.
 */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireMerchant(request);
  const { db } = services();
  const id = Id.safeParse(params.id);
  if (!id.success) {
    throw Response.json({ message: "Invalid data request", errors: { id: id.error.issues[0].message } }, { status: 400 });
  }
  const found = await dataRequestExport(db, shop.domain, id.data, new Date());
  if (!found) {
    throw Response.json({ message: "No such data request (exports are kept for 30 days)" }, { status: 404 });
  }
  const name = `customer-data-request-${found.requestId.replace(/[^\w-]/g, "_")}.json`;
  return new Response(found.export, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
};
