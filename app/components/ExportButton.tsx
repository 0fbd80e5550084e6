/**
 * Downloads the customer CSV. A download is a top-level request, which carries no App
 * Bridge Authorization header, and a session token must not go into its URL (access
 * logs, history, Referer). So an authenticated fetch (the shell's: session token when
 * embedded, session cookie standalone) asks the server for a one-time download link valid
 * for a minute, and the download window opens that link; the server streams the file
 * straight to disk.
 */
import { Banner, Button, Link } from "@shopify/polaris";
import { useState } from "react";
import { useAdminFetch, useAdminToast } from "./admin-shell";
import { formatNumber } from "./format";

/** List-only parameters the export ignores. */
const LIST_ONLY = ["sort", "dir", "after", "before", "limit"];

/** `count`: how many customers the export holds, for the confirmation. */
export function ExportButton({ search, count }: { search: string; count?: number }) {
  const [busy, setBusy] = useState(false);
  const [fallback, setFallback] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const adminFetch = useAdminFetch();
  const toast = useAdminToast();

  async function download() {
    setBusy(true);
    setFailed(null);
    try {
      const filters = new URLSearchParams();
      for (const [key, value] of new URLSearchParams(search)) if (!LIST_ONLY.includes(key)) filters.set(key, value);
      const query = filters.toString();
      const response = await adminFetch(`/app/customers/export${query ? `?${query}` : ""}`, { method: "POST" });
      if (!response.ok) {
        setFailed(`The export could not start (${response.status}). Reload the page and try again.`);
        return;
      }
      const { url } = (await response.json()) as { url: string };
      const link = new URL(url, window.location.origin).toString();
      const opened = window.open(link, "_blank");
      if (!opened) setFallback(link);
      else toast(count === undefined ? "Export ready: your CSV is downloading" : `Export ready: ${formatNumber(count, "en-US")} ${count === 1 ? "customer" : "customers"}, your CSV is downloading`);
    } catch (error) {
      setFailed(error instanceof TypeError ? "The export could not start. Check your connection and try again." : (error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button onClick={download} loading={busy} accessibilityLabel={busy ? "Export started" : undefined}>
        Export CSV
      </Button>
      {failed && (
        <Banner tone="critical" onDismiss={() => setFailed(null)}>
          {failed}
        </Banner>
      )}
      {fallback && (
        <Banner tone="info" onDismiss={() => setFallback(null)}>
          Your browser blocked the download window.{" "}
          <Link url={fallback} target="_blank">
            Download the CSV
          </Link>{" "}
          (this link works once, for one minute).
        </Banner>
      )}
    </>
  );
}
