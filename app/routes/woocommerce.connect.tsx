import { useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider as PolarisAppProvider, Banner, BlockStack, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { connectDeps } from "~/platforms/woocommerce/connect-deps.server";
import { connectWithKey, readConnectState, RETURN_PATH, REVOKE_KEY_NOTICE, signConnectState, siteUrlOf, startWooConnect } from "~/platforms/woocommerce/connect.server";
import { connectStateCookie, launchSecretFor } from "~/platforms/woocommerce/launch.server";

/**
 * Connect a WooCommerce store (standalone page, outside any admin): approve the app in the
 * store (wc-auth), or paste a REST API key made in WooCommerce.
 */
export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

/**
 * `?store=`: the companion plugin's Connect button names the site it runs on.
 * `?disconnected=<store>&problem=…`: the app's "Disconnect store" landed here (connection.server.ts).
 */
export const loader = ({ request }: LoaderFunctionArgs) => {
  const query = new URL(request.url).searchParams;
  const disconnected = query.get("disconnected");
  return {
    polarisTranslations,
    store: query.get("store") ?? "",
    disconnected: disconnected ? { store: disconnected, problems: query.getAll("problem"), notice: REVOKE_KEY_NOTICE } : null,
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const form = await request.formData();
  const field = (name: string) => String(form.get(name) ?? "");
  const deps = connectDeps();
  if (field("intent") === "keys") {
    // The same signed state as wc-auth's, so the landing page hands the plugin's launch secret to this browser only.
    const state = signConnectState(siteUrlOf(field("site")) ?? "https://invalid", deps.stateSecret, new Date());
    const checked = readConnectState(state, deps.stateSecret, new Date());
    const launchSecret = checked.ok ? launchSecretFor(checked, deps.stateSecret) : undefined;
    const result = await connectWithKey({ siteUrl: field("site"), consumerKey: field("consumerKey"), consumerSecret: field("consumerSecret"), launchSecret }, deps);
    if (!result.ok) return { problem: result.problem };
    return redirect(`${RETURN_PATH}?${new URLSearchParams({ site: result.siteUrl })}`, { headers: { "Set-Cookie": connectStateCookie(state, deps.appUrl) } });
  }
  const start = await startWooConnect(field("site"), deps);
  if (!start.ok) return { problem: start.problem };
  return redirect(start.authorizeUrl, { headers: { "Set-Cookie": connectStateCookie(start.state, deps.appUrl) } });
};

export default function ConnectWooCommerce() {
  const { polarisTranslations: i18n, store, disconnected } = useLoaderData<typeof loader>();
  const problem = useActionData<typeof action>()?.problem;
  const [site, setSite] = useState(store);
  const [consumerKey, setConsumerKey] = useState("");
  const [consumerSecret, setConsumerSecret] = useState("");

  return (
    <PolarisAppProvider i18n={i18n}>
      <Page title="Connect your WooCommerce store">
        <BlockStack gap="400">
          {disconnected ? (
            <Banner tone={disconnected.problems.length > 0 ? "warning" : "success"} title={`${disconnected.store} is disconnected`}>
              <BlockStack gap="100">
                {disconnected.problems.map((p) => (
                  <p key={p}>{`Not done in the store: ${p}`}</p>
                ))}
                <p>{disconnected.notice}</p>
              </BlockStack>
            </Banner>
          ) : null}
          {problem ? (
            <Banner tone="critical" title="The store could not be connected">
              <p>{problem}</p>
            </Banner>
          ) : null}
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="authorize" />
              <FormLayout>
                <Text variant="headingMd" as="h2">Approve in your store</Text>
                <TextField label="Store address" name="site" value={site} onChange={setSite} helpText="https://shop.example.com" autoComplete="url" />
                <Button submit variant="primary">Connect</Button>
              </FormLayout>
            </Form>
          </Card>
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="keys" />
              <FormLayout>
                <Text variant="headingMd" as="h2">Or paste a REST API key</Text>
                <Text as="p" tone="subdued">
                  In WooCommerce → Settings → Advanced → REST API, add a key with Read/Write permissions (Read only: the app shows personas but does not write them to your customers).
                </Text>
                <TextField label="Store address" name="site" value={site} onChange={setSite} autoComplete="url" />
                <TextField label="Consumer key" name="consumerKey" value={consumerKey} onChange={setConsumerKey} autoComplete="off" />
                <TextField label="Consumer secret" name="consumerSecret" type="password" value={consumerSecret} onChange={setConsumerSecret} autoComplete="off" />
                <Button submit>Connect with this key</Button>
              </FormLayout>
            </Form>
          </Card>
        </BlockStack>
      </Page>
    </PolarisAppProvider>
  );
}
