import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { env } from "~/env.server";
import { StandaloneShell } from "~/components/StandaloneShell";
import { isEmbeddedAdmin, requireMerchant } from "~/platforms/merchant.server";
import { adapterFor } from "~/platforms/registry.server";
import { authenticate } from "~/platforms/shopify/shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  if (!isEmbeddedAdmin(request)) {
    // A merchant whose admin opens the app as a page of its own (WooCommerce, from WP admin):
    // the same Polaris pages, without App Bridge. requireMerchant refuses an expired session.
    const { shop } = await requireMerchant(request);
    // A store connected from the app is disconnected here too (an embedding admin uninstalls apps itself).
    const connection = adapterFor(shop.platform).connection;
    const disconnect = connection ? { store: shop.name ?? shop.domain, effects: [...connection.disconnectEffects] } : null;
    return { embedded: false, apiKey: "", appBridgeUrl: null, disconnect };
  }
  await authenticate.admin(request);
  const simulator = env().SHOPIFY_ADMIN_SIMULATOR_URL;
  return {
    embedded: true,
    disconnect: null,
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
  const { embedded, apiKey, appBridgeUrl, disconnect } = useLoaderData<typeof loader>();
  if (!embedded) {
    return (
      <AppProvider isEmbeddedApp={false} apiKey={apiKey}>
        <StandaloneShell nav={NAV} disconnect={disconnect}>
          <Outlet />
        </StandaloneShell>
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
