/**
 * Settings' write-back controls: whether the merchant's go-ahead stands (pause it here;
 * approving again happens on the dashboard, which shows what will change), and removing
 * persona data from the store behind a confirmation that says what goes.
 */
import type { SerializeFrom } from "@remix-run/node";
import { Link as RemixLink, useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, InlineStack, List, Modal, Text } from "@shopify/polaris";
import { useState } from "react";
import type { WriteConsent } from "~/shops/write-consent.server";
import type { RemovalSummary } from "~/writeback/consent.server";
import { formatDateTime, formatNumber } from "../format";

export interface WritebackControlsProps {
  consent: SerializeFrom<WriteConsent>;
  removal: SerializeFrom<RemovalSummary>;
  locale: string;
}

type Answer = { removing?: true; paused?: true; errors?: Record<string, string> };

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What removal takes out, for the confirmation. */
function removalLines(removal: WritebackControlsProps["removal"], locale: string): string[] {
  const { carries } = removal;
  const kinds = [carries.labels && "persona tags", carries.fields && (carries.labels ? "persona metafields" : "persona customer meta")].filter(Boolean).join(" and ");
  return [`${kinds} from ${formatNumber(removal.customers, locale)} ${plural(removal.customers, "customer", "customers")}`];
}

export function WritebackControls({ consent, removal, locale }: WritebackControlsProps) {
  const pauser = useFetcher<Answer>();
  const remover = useFetcher<Answer>();
  const [confirming, setConfirming] = useState(false);
  const [withSegments, setWithSegments] = useState(true);
  const removing = remover.data?.removing === true;
  const granted = consent.state === "granted" && !pauser.data?.paused && !removing;
  const at = consent.at ? formatDateTime(new Date(consent.at).toISOString(), locale) : null;

  const confirmRemoval = () => {
    remover.submit({ intent: "remove", segments: String(removal.carries.segments && withSegments) }, { method: "post" });
    setConfirming(false);
  };

  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Writing to your store
          </Text>
          {granted ? (
            <>
              <Text as="p" tone="subdued">
                {`You approved write-back${at ? ` on ${at}` : ""}. Pausing stops all writing to your store; what is there stays.`}
              </Text>
              <InlineStack>
                <Button loading={pauser.state !== "idle"} onClick={() => pauser.submit({ intent: "pause" }, { method: "post" })}>
                  Pause write-back
                </Button>
              </InlineStack>
            </>
          ) : (
            <Text as="p">
              {consent.state === "pending" ? "Write-back is waiting for your go-ahead. " : "Write-back is paused. "}
              <RemixLink to="/app">Review what will change and approve it on the dashboard.</RemixLink>
            </Text>
          )}
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Remove persona data from your store
          </Text>
          <Text as="p" tone="subdued">
            Pauses write-back and removes every persona tag and metafield this app wrote to your customers (your own tags are not
            touched). Do this before uninstalling if you want your store clean.
          </Text>
          {removing ? (
            <Banner tone="info" title="Removing persona data from your store">
              <Text as="p">Write-back is paused until you approve it again on the dashboard. The removal runs in the background.</Text>
            </Banner>
          ) : (
            <InlineStack>
              <Button tone="critical" loading={remover.state !== "idle"} onClick={() => setConfirming(true)}>
                Remove all persona tags and metafields
              </Button>
            </InlineStack>
          )}
        </BlockStack>
      </Card>
      <Modal
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Remove persona data from your store?"
        primaryAction={{ content: "Remove persona data", destructive: true, onAction: confirmRemoval }}
        secondaryActions={[{ content: "Cancel", onAction: () => setConfirming(false) }]}
      >
        <Modal.Section>
          <BlockStack gap="300">
            <Text as="p">This removes:</Text>
            <List type="bullet">
              {removalLines(removal, locale).map((line) => (
                <List.Item key={line}>{line}</List.Item>
              ))}
            </List>
            {removal.carries.segments && removal.segments > 0 && (
              <Checkbox
                label={`Also delete the ${formatNumber(removal.segments, locale)} customer ${plural(removal.segments, "segment", "segments")} this app created`}
                checked={withSegments}
                onChange={setWithSegments}
              />
            )}
            <Text as="p" tone="subdued">
              Write-back stays paused until you approve it again on the dashboard. Your own tags are not touched.
            </Text>
          </BlockStack>
        </Modal.Section>
      </Modal>
    </BlockStack>
  );
}
