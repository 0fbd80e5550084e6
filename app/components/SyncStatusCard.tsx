/** Where the shop's data stands: backfill progress, last recompute, errors, failed write-backs. */
import { Badge, Banner, BlockStack, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { DataRequestDownloads, type DataRequestView } from "./DataRequestDownloads";
import { formatDateTime, formatNumber } from "./format";
import { importProgress, timeLeft } from "./sync-activity";

export interface SyncStatusView {
  phase: string;
  busy?: "import" | "score" | "write" | null;
  importEtaSeconds?: number | null;
  ordersDone: number;
  ordersEstimated: number | null;
  backfillStartedAt: string | null;
  backfillFinishedAt: string | null;
  lastSweepAt: string | null;
  lastRecomputeAt: string | null;
  lastError: string | null;
  failedWrites: number;
  skippedLines?: number;
  historyFrom?: string | null;
  writebackProblem?: string | null;
  failedJobs?: { type: string; attempts: number; lastError: string | null; failedAt: string }[];
  dataRequests?: DataRequestView[];
  readOnly?: { reconnectUrl: string } | null;
  writeConsent?: "pending" | "granted" | "paused" | "removed";
}

const JOB_LABELS: Record<string, string> = {
  backfill: "Order import",
  sweep: "Check for missed orders",
  "refresh-order": "Order re-read",
  recompute: "Scoring",
  writeback: "Write-back to the store",
  cleanup: "Removing persona data from the store",
};

const PHASES: Record<string, { label: string; tone?: "info" | "success" | "attention" | "critical" }> = {
  idle: { label: "Up to date", tone: "success" },
  backfill: { label: "Importing orders", tone: "info" },
  ingest: { label: "Importing orders", tone: "info" },
  recompute: { label: "Scoring customers", tone: "info" },
  writeback: { label: "Writing personas to the store", tone: "info" },
  failed: { label: "Needs attention", tone: "critical" },
};

/** When sync is idle but nothing is being written, "Up to date" would claim the store is current. */
const IDLE_WITHOUT_WRITES: Record<string, { label: string; tone: "attention" | "info" }> = {
  pending: { label: "Scored, write-back awaiting your approval", tone: "attention" },
  paused: { label: "Scored, write-back paused", tone: "info" },
  removed: { label: "Removed, paused", tone: "info" },
};

/** Work under way or queued (the import before its job has started included) wins over the stored phase. */
const BUSY: Record<"import" | "score" | "write", { label: string; tone: "info" }> = {
  import: { label: "Importing orders", tone: "info" },
  score: { label: "Scoring customers", tone: "info" },
  write: { label: "Writing personas to the store", tone: "info" },
};

export function SyncStatusCard({ status, locale }: { status: SyncStatusView; locale: string }) {
  const idleWithoutWrites = status.phase === "idle" && status.writeConsent ? IDLE_WITHOUT_WRITES[status.writeConsent] : undefined;
  const phase = (status.busy && status.phase !== "failed" ? BUSY[status.busy] : undefined) ?? idleWithoutWrites ?? PHASES[status.phase] ?? { label: status.phase };
  const importing = status.busy === "import" || status.phase === "backfill" || status.phase === "ingest";
  const progress =
    status.ordersEstimated && status.ordersEstimated > 0
      ? Math.min(100, Math.round((status.ordersDone / status.ordersEstimated) * 100))
      : null;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Sync and write-back
          </Text>
          <Badge tone={phase.tone}>{phase.label}</Badge>
        </InlineStack>
        {status.lastError && (
          <Banner tone="critical" title="The last sync step failed">
            <Text as="p">{status.lastError}</Text>
          </Banner>
        )}
        {status.readOnly && (
          <Banner
            tone="warning"
            title="Connected read-only"
            action={{ content: "Reconnect with Read/Write keys", url: status.readOnly.reconnectUrl }}
          >
            <Text as="p">
              Connected read-only: personas are computed but not written to the store; reconnect with Read/Write keys to write them.
            </Text>
          </Banner>
        )}
        {status.writebackProblem && (
          <Banner tone="warning" title="Write-back could not write everything">
            <Text as="p">{status.writebackProblem}</Text>
          </Banner>
        )}
        {status.historyFrom && (
          <Banner tone="warning" title="Order history limited to the last 60 days">
            <Text as="p">
              {`Orders before ${formatDateTime(status.historyFrom, locale)} are not imported, so customers are scored on the last 60 days only. Grant read_all_orders to import the full history.`}
            </Text>
          </Banner>
        )}
        {!!status.skippedLines && (
          <Banner tone="warning" title={`${formatNumber(status.skippedLines, locale)} unreadable ${status.skippedLines === 1 ? "line" : "lines"} skipped in the order import`}>
            <Text as="p">Their orders are read again one by one.</Text>
          </Banner>
        )}
        {status.failedJobs && status.failedJobs.length > 0 && (
          <Banner tone="critical" title="Background work stopped after repeated failures">
            <BlockStack gap="100">
              {status.failedJobs.map((j) => (
                <Text as="p" key={`${j.type}-${j.failedAt}`}>
                  {JOB_LABELS[j.type] ?? j.type}: {j.lastError ?? "failed"} ({j.attempts} {j.attempts === 1 ? "attempt" : "attempts"}, {formatDateTime(j.failedAt, locale)})
                </Text>
              ))}
            </BlockStack>
          </Banner>
        )}
        {status.failedWrites > 0 && (
          <Banner tone="warning" title={`${formatNumber(status.failedWrites, locale)} ${status.failedWrites === 1 ? "customer" : "customers"} could not be updated in your store`}>
            <Text as="p">Their persona tags will be retried with the next write-back.</Text>
          </Banner>
        )}
        {importing && (
          <BlockStack gap="100">
            <Text as="p" variant="bodySm" id="import-progress">
              {status.ordersEstimated === null && status.ordersDone === 0
                ? "Counting your orders…"
                : importProgress(status.ordersDone, status.ordersEstimated, locale)}
            </Text>
            <ProgressBar progress={progress ?? 0} size="small" tone="primary" animated={progress === null} ariaLabelledBy="import-progress" />
            <Text as="p" variant="bodySm" tone="subdued">
              {timeLeft(status.importEtaSeconds ?? null)}
            </Text>
          </BlockStack>
        )}
        <InlineStack gap="600" wrap>
          <Text as="p" variant="bodySm" tone="subdued">
            Last scored: {formatDateTime(status.lastRecomputeAt, locale)}
          </Text>
          {status.backfillFinishedAt && (
            <Text as="p" variant="bodySm" tone="subdued">
              Orders imported: {formatDateTime(status.backfillFinishedAt, locale)}
            </Text>
          )}
          {status.lastSweepAt && (
            <Text as="p" variant="bodySm" tone="subdued">
              Last check for missed orders: {formatDateTime(status.lastSweepAt, locale)}
            </Text>
          )}
        </InlineStack>
        <DataRequestDownloads requests={status.dataRequests ?? []} locale={locale} />
      </BlockStack>
    </Card>
  );
}
