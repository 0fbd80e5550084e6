/**
 * The dashboard's setup guide (modelled on Shopify's): before anything is written to the
 * store, it says what write-back would change — computed from the real plan — and waits for
 * the merchant to approve. Shown again after write-back was paused or persona data removed.
 * The card shows at once; its summary streams in when counted (decision 071), and the approve
 * button waits for it, so nobody approves without having seen what it changes.
 */
import { Suspense } from "react";
import type { SerializeFrom } from "@remix-run/node";
import { Await, useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, InlineStack, List, SkeletonBodyText, Text } from "@shopify/polaris";
import type { WriteConsent } from "~/shops/write-consent.server";
import type { WritebackSummary } from "~/writeback/consent.server";
import { formatDateTime, formatNumber } from "./format";

type Summary = SerializeFrom<WritebackSummary>;

/** The loader's WritebackConsentView as the page receives it: the summary still a promise. */
export interface SetupGuideView {
  consent: SerializeFrom<WriteConsent>;
  enabled: boolean;
  summary: Promise<Summary> | null;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What approving would change, one line per kind of change, in the merchant's words. */
export function summaryLines(summary: Summary, locale: string): string[] {
  const n = (v: number) => formatNumber(v, locale);
  const { carries } = summary;
  const lines: string[] = [];
  if (carries.labels) {
    const example = summary.exampleLabel ? ` (such as ${summary.exampleLabel})` : "";
    lines.push(`${n(summary.customersLabelled)} ${plural(summary.customersLabelled, "customer", "customers")} tagged with their persona${example}`);
  }
  if (carries.fields) {
    // A store with tags keeps typed fields as metafields; one without keeps them as customer meta.
    const kind = carries.labels ? "persona metafields" : "persona customer meta";
    const keys = summary.fieldKeys.length > 0 ? `: ${summary.fieldKeys.join(", ")}` : "";
    lines.push(`${n(summary.customersWithFields)} ${plural(summary.customersWithFields, "customer gets", "customers get")} ${kind}${keys}`);
  }
  if (carries.segments) {
    const count = summary.segmentsToCreate.length;
    lines.push(`${n(count)} customer ${plural(count, "segment", "segments")} created, one per persona`);
  }
  if (carries.personaChangedTrigger) {
    lines.push(
      summary.personaChangedTriggers > 0
        ? `${n(summary.personaChangedTriggers)} "RFM persona changed" Flow ${plural(summary.personaChangedTriggers, "trigger", "triggers")} fired`
        : `No "RFM persona changed" Flow trigger fires now; later persona changes fire it`,
    );
  }
  if (carries.labels && summary.customersLabelled > 0) {
    lines.push(`Adding tags may run your own Flows that start with "Customer tags added"`);
  }
  if (summary.guests > 0) {
    lines.push(`${n(summary.guests)} guest ${plural(summary.guests, "checkout is", "checkouts are")} scored but not written (no customer record)`);
  }
  return lines;
}

const TITLES = {
  pending: { title: "Write personas to your store", badge: "Waiting for your go-ahead", action: "Approve write-back" },
  paused: { title: "Write-back is paused", badge: "Paused", action: "Resume write-back" },
  removed: { title: "Persona data removed from your store", badge: "Removed, paused", action: "Write personas again" },
} as const;

export function SetupGuide({ consent, locale }: { consent: SetupGuideView; locale: string }) {
  const fetcher = useFetcher<{ approved?: boolean }>();
  const { state, at } = consent.consent;
  if (state === "granted" || !consent.summary) return null;
  const approve = () => fetcher.submit({ intent: "approve-writeback" }, { method: "post" });
  const submitting = fetcher.state !== "idle";
  const card = (summary: Summary | "counting" | "failed") => (
    <GuideCard state={state} at={at} locale={locale} summary={summary} approve={approve} submitting={submitting} />
  );
  return (
    <Suspense fallback={card("counting")}>
      <Await resolve={consent.summary} errorElement={card("failed")}>
        {(summary) => card(summary)}
      </Await>
    </Suspense>
  );
}

export interface GuideCardProps {
  state: keyof typeof TITLES;
  at: number | null;
  locale: string;
  /** The count, still under way, or failed. */
  summary: Summary | "counting" | "failed";
  approve: () => void;
  submitting: boolean;
}

/** The guide as shown: the approve button waits for the count. */
export function GuideCard({ state, at, locale, summary, approve, submitting }: GuideCardProps) {
  const text = TITLES[state];
  const since = at ? ` since ${formatDateTime(new Date(at).toISOString(), locale)}` : "";
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {text.title}
          </Text>
          <Badge tone="attention">{text.badge}</Badge>
        </InlineStack>
        <Text as="p">
          {state === "pending"
            ? "Your orders are imported and your customers scored here in the app. Nothing has been written to your store: write-back is waiting for your go-ahead."
            : `Nothing is written to your store${since}. Personas keep being scored here in the app.`}
        </Text>
        {summary === "counting" ? (
          <BlockStack gap="200">
            <Text as="p" fontWeight="semibold">
              Counting what approving would change in your store…
            </Text>
            <SkeletonBodyText lines={4} />
          </BlockStack>
        ) : summary === "failed" ? (
          <Text as="p" tone="critical">
            What approving would change could not be counted just now. Reload the page to count it again.
          </Text>
        ) : (
          <>
            <Text as="p" fontWeight="semibold">
              {summary.customers > 0 ? "Approving will change your store:" : "Approving lets the app write personas as customers are scored:"}
            </Text>
            <List type="bullet">
              {summaryLines(summary, locale).map((line) => (
                <List.Item key={line}>{line}</List.Item>
              ))}
            </List>
          </>
        )}
        <Text as="p" tone="subdued">
          You can pause write-back at any time in Settings.
        </Text>
        <InlineStack>
          <Button
            variant="primary"
            loading={submitting}
            disabled={summary === "counting"}
            onClick={approve}
          >
            {text.action}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
