/**
 * Customer data requests (customers/data_request) waiting for the merchant: each export can
 * be downloaded for 30 days. The file is fetched the way the shell authenticates (session token
 * in the Authorization header, or the standalone session cookie: nothing replayable in a URL)
 * and saved from a blob.
 */
import { Banner, BlockStack, Button, InlineStack, Text } from "@shopify/polaris";
import { useState } from "react";
import { useAdminFetch } from "./admin-shell";
import { formatDateTime } from "./format";

export interface DataRequestView {
  id: number;
  requestId: string;
  /** How the merchant knows the customer (their id in the store, or the guest key). */
  customer: string;
  createdAt: string;
  expiresAt: string;
}

export function DataRequestDownloads({ requests, locale }: { requests: DataRequestView[]; locale: string }) {
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const adminFetch = useAdminFetch();
  if (requests.length === 0) return null;

  async function download(r: DataRequestView) {
    setBusy(r.id);
    setError(null);
    try {
      const res = await adminFetch(`/app/data-requests/${r.id}`);
      if (!res.ok) throw new Error(res.status === 404 ? "This export has expired." : `Download failed (${res.status}).`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `customer-data-request-${r.requestId}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm">
        Customer data requests
      </Text>
      <Text as="p" variant="bodySm" tone="subdued">
        Send each customer the data we hold about them. Exports are deleted after 30 days.
      </Text>
      {error && (
        <Banner tone="critical" onDismiss={() => setError(null)}>
          {error}
        </Banner>
      )}
      {requests.map((r) => (
        <InlineStack key={r.id} gap="300" blockAlign="center" wrap={false}>
          <Text as="span" variant="bodySm">
            Request {r.requestId} · {r.customer} · received{" "}
            {formatDateTime(r.createdAt, locale)} · until {formatDateTime(r.expiresAt, locale)}
          </Text>
          <Button size="slim" onClick={() => download(r)} loading={busy === r.id}>
            Download
          </Button>
        </InlineStack>
      ))}
    </BlockStack>
  );
}
