/**
 * Downloads the customer CSV. A download is a top-level request, which carries no App
 * Bridge Authorization header, and a session token must not go into its URL (access
 * logs, history, Referer). So an authenticated fetch (App Bridge adds the header) asks
 * the server for a one-time download link valid for a minute, and the download window
 * opens that link; the server streams the file straight to disk.
 */
import { Banner, Button, Link } from "@shopify/polaris";
import { useState } from "react";
import { appBridge } from "./app-bridge";

/** List-only parameters the export ignores. */
const LIST_ONLY = ["sort", "dir", "after", "before", "limit"];

export function ExportButton({ search }: { search: string }) {
  const [busy, setBusy] = useState(false);
  const [fallback, setFallback] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  async function download() {
    if (!appBridge()) return;
    setBusy(true);
    setFailed(null);
    try {
      const filters = new URLSearchParams();
      for (const [key, value] of new URLSearchParams(search)) if (!LIST_ONLY.includes(key)) filters.set(key, value);
      const query = filters.toString();
      const response = await fetch(`/app/customers/export${query ? `?${query}` : ""}`, { method: "POST" });
      if (!response.ok) {
        setFailed(`The export could not start (${response.status}). Reload the page and try again.`);
        return;
      }
      const { url } = (await response.json()) as { url: string };
      const link = new URL(url, window.location.origin).toString();
      const opened = window.open(link, "_blank");
      if (!opened) setFallback(link);
    } catch {
      setFailed("The export could not start. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button onClick={download} loading={busy}>
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
