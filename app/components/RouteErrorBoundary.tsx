/**
 * Error boundary for the admin pages: our own 400 (bad query parameters) and 404
 * (unknown shop or persona) as a Polaris page; anything else — notably the responses a
 * platform's auth throws — goes to the platform's boundary, which knows what to do with them.
 */
import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, List, Page, Text } from "@shopify/polaris";
import { platformErrorBoundary } from "~/platforms/error-boundary";

interface OurError {
  message?: string;
  errors?: Record<string, string>;
}

export function RouteErrorBoundary({ title }: { title: string }) {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && (error.status === 400 || error.status === 404) && typeof error.data === "object") {
    const data = (error.data ?? {}) as OurError;
    return (
      <Page title={title} backAction={{ content: "Dashboard", url: "/app" }}>
        <Banner tone="critical" title={data.message ?? (error.status === 404 ? "Not found" : "Invalid request")}>
          <BlockStack gap="200">
            {data.errors && (
              <List>
                {Object.entries(data.errors).map(([field, message]) => (
                  <List.Item key={field}>
                    <Text as="span" fontWeight="semibold">
                      {field}
                    </Text>{" "}
                    {message}
                  </List.Item>
                ))}
              </List>
            )}
          </BlockStack>
        </Banner>
      </Page>
    );
  }
  return platformErrorBoundary(error);
}
