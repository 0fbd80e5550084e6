/**
 * The dashboard's setup guide (modelled on Shopify's): before anything is written to the
 * store, it says what write-back would change — computed from the real plan — and waits for
 * the merchant to approve. Shown again after write-back was paused or persona data removed.
 */
import type { SerializeFrom } from "@remix-run/node";
import { useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, InlineStack, List, Text } from "@shopify/polaris";
import type { WritebackConsentView, WritebackSummary } from "~/writeback/consent.server";
import { formatDateTime, formatNumber } from "./format";

export type SetupGuideView = SerializeFrom<WritebackConsentView>;

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What approving would change, one line per kind of change, in the merchant's words. */
export function summaryLines(summary: SerializeFrom<WritebackSummary>, locale: string): string[] {
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
  const text = TITLES[state];
  const lines = summaryLines(consent.summary, locale);
  const submitting = fetcher.state !== "idle";
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
        <Text as="p" fontWeight="semibold">
          {consent.summary.customers > 0 ? "Approving will change your store:" : "Approving lets the app write personas as customers are scored:"}
        </Text>
        <List type="bullet">
          {lines.map((line) => (
            <List.Item key={line}>{line}</List.Item>
          ))}
        </List>
        <Text as="p" tone="subdued">
          You can pause write-back at any time in Settings.
        </Text>
        <InlineStack>
          <Button variant="primary" loading={submitting} onClick={() => fetcher.submit({ intent: "approve-writeback" }, { method: "post" })}>
            {text.action}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
