import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { services } from "~/services.server";
import { verifyLaunchToken } from "~/platforms/woocommerce/launch.server";
import { openWooSession } from "~/platforms/woocommerce/merchant.server";

/**
 * The companion plugin's "Open RFM Personas": GET ?token=<launch token> → a session bound to
 * the token's store → the admin pages. A token that does not check out opens nothing.
 */
const REFUSALS = {
  malformed: "This link is not a valid launch link.",
  forged: "This launch link was not signed by your store: check the launch secret in the plugin's settings.",
  expired: "This launch link has expired: open RFM Personas again from your WordPress admin.",
  "unknown-store": "No connected store matches this launch link: connect the store first.",
  replayed: "This launch link was already used: open RFM Personas again from your WordPress admin.",
} as const;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const check = await verifyLaunchToken(services().db, new URL(request.url).searchParams.get("token"));
  if (!check.ok) {
    throw new Response(REFUSALS[check.reason], { status: check.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  }
  const cookie = await openWooSession({ shopId: check.shopId, domain: check.domain, user: check.user });
  return redirect("/app", { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
};
