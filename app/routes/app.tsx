import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { Box, InlineStack } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { env } from "~/env.server";
import { isEmbeddedAdmin, requireMerchant } from "~/platforms/merchant.server";
import { authenticate } from "~/platforms/shopify/shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  if (!isEmbeddedAdmin(request)) {
    // A merchant whose admin opens the app as a page of its own (WooCommerce, from WP admin):
    // the same Polaris pages, without App Bridge. requireMerchant refuses an expired session.
    await requireMerchant(request);
    return { embedded: false, apiKey: "", appBridgeUrl: null };
  }
  await authenticate.admin(request);
  const simulator = env().SHOPIFY_ADMIN_SIMULATOR_URL;
  return {
    embedded: true,
    apiKey: process.env.SHOPIFY_API_KEY || "",
    // Tests and the offline demo only: the Shopify simulator's App Bridge stand-in replaces the CDN script
    // (docs/decisions/007-offline-admin-and-app-bridge.md). Unset in production: Shopify's own script.
    appBridgeUrl: simulator ? new URL("/__sim/app-bridge.js", simulator).href : null,
  };
};

/** The standalone shell's navigation (App Bridge's NavMenu is the embedded one's). */
const NAV = [
  { to: "/app", label: "Dashboard" },
  { to: "/app/personas", label: "Personas" },
  { to: "/app/customers", label: "Customers" },
  { to: "/app/settings", label: "Settings" },
];

export default function App() {
  const { embedded, apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  if (!embedded) {
    return (
      <AppProvider isEmbeddedApp={false} apiKey={apiKey}>
        <Box padding="400" borderBlockEndWidth="025" borderColor="border" background="bg-surface">
          <nav>
            <InlineStack gap="400">
              {NAV.map((n) => (
                <Link key={n.to} to={n.to}>{n.label}</Link>
              ))}
            </InlineStack>
          </nav>
        </Box>
        <Outlet />
      </AppProvider>
    );
  }
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">Dashboard</Link>
        <Link to="/app/personas">Personas</Link>
        <Link to="/app/customers">Customers</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs Remix to catch some thrown responses so their headers reach the browser.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
