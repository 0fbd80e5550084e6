import type { LoaderFunctionArgs } from "@remix-run/node";
import { customerCsvStream, csvFilename } from "~/dashboard/customers-csv.server";
import { customerFilterSchema } from "~/dashboard/customers.server";
import { parseSearchParams, requireShop } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { authenticate } from "~/shopify.server";

/** GET /app/customers/export?persona=…&r=…&q=… → every matching customer as a streamed CSV. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = services();
  const shop = requireShop(db, session.shop);
  const filter = parseSearchParams(customerFilterSchema, request);
  return new Response(customerCsvStream(db, shop.id, filter), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${csvFilename(shop.domain)}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
};
