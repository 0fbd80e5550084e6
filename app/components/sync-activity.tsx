/**
 * Pages that show the shop's data follow the sync by themselves: while an import, scoring or
 * write-back is under way they re-run their loader every few seconds (and only then), and
 * when the work ends they say so once — an App Bridge toast, a banner, and a polite live
 * region for screen readers.
 */
import { useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Text } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import type { SyncBusy } from "~/dashboard/overview.server";
import { useAdminToast } from "./admin-shell";
import { formatNumber } from "./format";

export const POLL_MS = 2_000;

/** Re-runs the page's loader every `everyMs` while `busy`; stops as soon as it is not. */
export function useRevalidateWhileBusy(busy: SyncBusy, everyMs = POLL_MS): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => {
      // One revalidation at a time; a hidden tab waits until it is seen again.
      if (latest.current.state === "idle" && document.visibilityState !== "hidden") latest.current.revalidate();
    }, everyMs);
    return () => clearInterval(timer);
  }, [busy, everyMs]);
}

/** True from the render where busy work finished (seen on this page) until dismissed. */
export function useReadyAnnouncement(busy: SyncBusy, message: string): { ready: boolean; dismiss: () => void } {
  const toast = useAdminToast();
  const previous = useRef(busy);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (previous.current && !busy) {
      setReady(true);
      toast(message);
    }
    if (busy) setReady(false);
    previous.current = busy;
  }, [busy, message, toast]);
  return { ready, dismiss: () => setReady(false) };
}

const BUSY_SENTENCES: Record<Exclude<SyncBusy, null>, string> = {
  import: "Importing your orders.",
  score: "Scoring your customers.",
  write: "Writing personas to your store.",
};

export const READY_MESSAGE = "Your personas are ready";

/**
 * Polls while busy and announces the end: the banner and toast for everyone, the live region
 * for screen readers (it always holds the current state, so the change is read out).
 */
export function SyncActivity({ busy, readyText }: { busy: SyncBusy; readyText: string }) {
  useRevalidateWhileBusy(busy);
  const { ready, dismiss } = useReadyAnnouncement(busy, READY_MESSAGE);
  return (
    <>
      <div role="status" aria-live="polite" style={VISUALLY_HIDDEN}>
        {busy ? BUSY_SENTENCES[busy] : ready ? `${READY_MESSAGE}. ${readyText}` : ""}
      </div>
      {ready && (
        <Banner tone="success" title={READY_MESSAGE} onDismiss={dismiss}>
          <Text as="p">{readyText}</Text>
        </Banner>
      )}
    </>
  );
}

const VISUALLY_HIDDEN = {
  position: "absolute",
  width: 1,
  height: 1,
  margin: -1,
  padding: 0,
  overflow: "hidden",
  clip: "rect(0 0 0 0)",
  whiteSpace: "nowrap",
  border: 0,
} as const;

/** Personas and customers while the first import or scoring runs: what is happening, not "no results". */
export function StillImporting({
  busy,
  ordersDone,
  ordersEstimated,
  locale,
}: {
  busy: Exclude<SyncBusy, null>;
  ordersDone: number;
  ordersEstimated: number | null;
  locale: string;
}) {
  return (
    <div style={{ padding: "var(--p-space-800)", textAlign: "center" }}>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {busy === "import" ? "Still importing your orders" : "Still scoring your customers"}
        </Text>
        <Text as="p" tone="subdued">
          {busy === "import"
            ? `${importProgress(ordersDone, ordersEstimated, locale)}. Customers appear here as soon as they are scored; this page updates by itself.`
            : "Customers appear here in a moment; this page updates by itself."}
        </Text>
      </BlockStack>
    </div>
  );
}

/** "120 of about 1,395 orders imported", or "120 orders imported so far" before the store says how many. */
export function importProgress(done: number, estimated: number | null, locale: string): string {
  return estimated && estimated > 0
    ? `${formatNumber(Math.min(done, estimated), locale)} of about ${formatNumber(estimated, locale)} orders imported`
    : `${formatNumber(done, locale)} orders imported so far`;
}

/** "About 3 minutes left" from seconds; null when there is no pace yet. */
export function timeLeft(seconds: number | null): string {
  if (seconds === null) return "Time left: estimated once the first orders arrive";
  if (seconds < 60) return "Less than a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `About ${minutes} ${minutes === 1 ? "minute" : "minutes"} left`;
  const hours = Math.round(minutes / 60);
  return `About ${hours} hours left`;
}
