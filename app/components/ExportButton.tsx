/**
 * Downloads the customer CSV. A download is a top-level document request, which carries
 * no App Bridge Authorization header, so the link gets what Shopify's document auth
 * expects instead: shop, host, embedded=1 and a fresh session token (valid one minute)
 * as id_token. The server streams the file straight to disk.
 */
import { Banner, Button, Link } from "@shopify/polaris";
import { useState } from "react";
import { appBridge } from "./app-bridge";

export function ExportButton({ search }: { search: string }) {
  const [busy, setBusy] = useState(false);
  const [fallback, setFallback] = useState<string | null>(null);

  async function download() {
    const shopify = appBridge();
    if (!shopify) return;
    setBusy(true);
    try {
      const url = new URL("/app/customers/export", window.location.origin);
      for (const [key, value] of new URLSearchParams(search)) {
        if (!["sort", "dir", "after", "before", "limit"].includes(key)) url.searchParams.set(key, value);
      }
      url.searchParams.set("shop", shopify.config.shop ?? "");
      url.searchParams.set("host", shopify.config.host ?? "");
      url.searchParams.set("embedded", "1");
      url.searchParams.set("id_token", await shopify.idToken());
      const opened = window.open(url.toString(), "_blank");
      if (!opened) setFallback(url.toString());
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button onClick={download} loading={busy}>
        Export CSV
      </Button>
      {fallback && (
        <Banner tone="info" onDismiss={() => setFallback(null)}>
          Your browser blocked the download window.{" "}
          <Link url={fallback} target="_blank">
            Download the CSV
          </Link>{" "}
          (this link works for one minute).
        </Banner>
      )}
    </>
  );
}
