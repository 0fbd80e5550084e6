import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AppProvider as PolarisAppProvider, Banner, BlockStack, Card, Page, Text } from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { services } from "~/services.server";
import { connectionStatus } from "~/platforms/woocommerce/connect.server";
import { connectDeps } from "~/platforms/woocommerce/connect-deps.server";
import { handedOutLaunchSecret } from "~/platforms/woocommerce/launch.server";

/** Where the merchant lands after approving in the store (wc-auth return_url) or pasting a key. */
export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  const status = await connectionStatus(services().db, url.searchParams.get("site") ?? "");
  // wc-auth says success=0 when the merchant denied access.
  const denied = url.searchParams.get("success") === "0";
  // The companion plugin's settings: shown only to the browser that made this connection.
  const deps = connectDeps();
  const plugin = status.connected ? await handedOutLaunchSecret(deps.db, request, status.shopId, deps.stateSecret) : null;
  return {
    polarisTranslations,
    denied,
    plugin: plugin ? { appUrl: deps.appUrl, launchSecret: plugin } : null,
    ...(status.connected ? { connected: true as const, domain: status.domain, readOnly: status.readOnly } : { connected: false as const }),
  };
};

export default function Connected() {
  const data = useLoaderData<typeof loader>();
  return (
    <PolarisAppProvider i18n={data.polarisTranslations}>
      <Page title="WooCommerce store">
        <BlockStack gap="400">
        {data.connected ? (
          <Banner tone={data.readOnly ? "warning" : "success"} title={`${data.domain} is connected`}>
            <p>
              {data.readOnly
                ? "The key is read-only: the app imports and scores your orders but does not write personas to your customers. Connect again with Read/Write access to turn write-back on."
                : "Your orders are being imported; personas are written to your customers as they are scored. Open RFM Personas from your WordPress admin."}
            </p>
          </Banner>
        ) : (
          <Banner tone="critical" title="The store is not connected">
            <p>
              {data.denied ? "Access was denied in the store." : "The store did not send a working key."} <Link to="/woocommerce/connect">Try again</Link>
            </p>
          </Banner>
        )}
        {data.plugin ? (
          <Card>
            <BlockStack gap="200">
              <Text variant="headingMd" as="h2">Open the app from WordPress</Text>
              <Text as="p">
                Install the RFM Personas plugin in WordPress, then paste these under RFM Personas → Settings. The secret is shown only in this browser, for the next half hour; connecting again makes a new one.
              </Text>
              <Text as="p">App address: <code>{data.plugin.appUrl}</code></Text>
              <Text as="p">Launch secret: <code>{data.plugin.launchSecret}</code></Text>
            </BlockStack>
          </Card>
        ) : null}
        </BlockStack>
      </Page>
    </PolarisAppProvider>
  );
}
