import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endMerchantSession, requireMerchant } from "~/platforms/merchant.server";
import { adapterFor } from "~/platforms/registry.server";
import { services } from "~/services.server";

/**
 * POST /app/disconnect (the standalone shell's "Disconnect store", after its confirmation):
 * the store's platform removes what we set up there and the shop is uninstalled through the
 * Shop lifecycle; the session ends and the merchant lands where the platform says (its connect
 * page, told what could not be removed). Stores installed from their platform's admin are
 * uninstalled there, so they have nothing to disconnect here.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") throw Response.json({ message: "Use POST to disconnect the store." }, { status: 405 });
  const { shop } = await requireMerchant(request);
  const connection = adapterFor(shop.platform).connection;
  if (!connection) throw Response.json({ message: "This store is removed by uninstalling the app from its admin." }, { status: 404 });
  const { nextUrl } = await connection.disconnect(shop, { db: services().db });
  return redirect(nextUrl, { headers: { ...(await endMerchantSession(request)), "Cache-Control": "no-store" } });
};
