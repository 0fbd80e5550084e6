/** The settings form's sections: what counts, how scores are cut, write-back. */
import { BlockStack, Button, Card, Checkbox, ChoiceList, Collapsible, FormLayout, InlineGrid, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { currencyExponent } from "~/money";
import type { SettingsForm } from "./form-model";

export type FieldError = (path: string) => string | undefined;

interface SectionProps<K extends keyof SettingsForm> {
  value: SettingsForm[K];
  onChange: (value: SettingsForm[K]) => void;
  error: FieldError;
}

export function CountingRulesSection({ value, onChange, error }: SectionProps<"rules">) {
  const set = <F extends keyof SettingsForm["rules"]>(field: F) => (v: SettingsForm["rules"][F]) =>
    onChange({ ...value, [field]: v });
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Orders that don't count
          </Text>
          <Checkbox
            label="Subscription orders and subscription items"
            helpText="Renewals say little about a customer's choice to come back."
            checked={value.excludeSubscriptions}
            onChange={set("excludeSubscriptions")}
          />
          <Checkbox label="Point-of-sale orders" checked={value.excludePos} onChange={set("excludePos")} />
          <Checkbox
            label="$0 items (free gifts, samples)"
            helpText="An order with nothing but $0 items doesn't count at all."
            checked={value.excludeZeroPriceItems}
            onChange={set("excludeZeroPriceItems")}
          />
          <Checkbox label="Test orders" checked={value.excludeTest} onChange={set("excludeTest")} />
          <Checkbox label="Cancelled orders" checked={value.excludeCancelled} onChange={set("excludeCancelled")} />
          <Checkbox
            label="Net of refunds"
            helpText="Spend is counted after refunds; a fully refunded order doesn't count."
            checked={value.netRefunds}
            onChange={set("netRefunds")}
          />
        </BlockStack>
        <BlockStack gap="200">
          <ChoiceList
            title="Lookback window"
            choices={[
              { label: "Recent orders only", value: "window" },
              { label: "All time", value: "all" },
            ]}
            selected={[value.allTime ? "all" : "window"]}
            onChange={([v]) => onChange({ ...value, allTime: v === "all" })}
          />
          {!value.allTime && (
            <TextField
              label="Days"
              type="number"
              min={1}
              value={value.lookbackDays}
              onChange={set("lookbackDays")}
              error={error("rules.lookbackDays")}
              helpText="Customers whose counted orders all lie before the window become Lost."
              autoComplete="off"
            />
          )}
        </BlockStack>
        <FormLayout>
          <TextField
            label="Excluded order tags"
            value={value.excludedTags}
            onChange={set("excludedTags")}
            error={error("rules.excludedTags")}
            helpText="Comma-separated, e.g. wholesale, staff"
            autoComplete="off"
          />
          <TextField
            label="Excluded sales channels"
            value={value.excludedChannels}
            onChange={set("excludedChannels")}
            error={error("rules.excludedChannels")}
            helpText="Comma-separated, e.g. draft_order, amazon"
            autoComplete="off"
          />
        </FormLayout>
      </BlockStack>
    </Card>
  );
}

/** Each edge is where a score starts, said the way a merchant would. */
const DIMENSIONS = [
  {
    dim: "r",
    title: "Recency: days since the last order",
    labels: ["R5: ordered within the last … days", "R4: within the last … days", "R3: within the last … days", "R2: within the last … days"],
    help: "Longer ago than the last of these: R1.",
  },
  {
    dim: "f",
    title: "Frequency: counted orders",
    labels: ["F2: at least … orders", "F3: at least … orders", "F4: at least … orders", "F5: at least … orders"],
    help: "Fewer orders than for F2: F1.",
  },
  {
    dim: "m",
    title: "Spend: counted spend per customer",
    labels: ["M2: spent at least", "M3: spent at least", "M4: spent at least", "M5: spent at least"],
    help: "Less than for M2: M1.",
  },
] as const;

export function ScoringSection({
  value,
  onChange,
  error,
  currency,
}: SectionProps<"scoring"> & { currency: string }) {
  const set = <F extends keyof SettingsForm["scoring"]>(field: F) => (v: SettingsForm["scoring"][F]) =>
    onChange({ ...value, [field]: v });
  const setEdge = (dim: "r" | "f" | "m", i: number) => (v: string) =>
    onChange({ ...value, edges: { ...value.edges, [dim]: value.edges[dim].map((e, j) => (j === i ? v : e)) } });
  return (
    <Card>
      <BlockStack gap="400">
        <ChoiceList
          title="Scores 1–5"
          choices={[
            {
              label: "Quintiles",
              value: "quantiles",
              helpText: "Fifths of your customers in the lookback window; equal values always share a score.",
            },
            {
              label: "My own edges",
              value: "edges",
              helpText: "You say where each score starts; filled in with the edges your customers are scored by now.",
            },
          ]}
          selected={[value.mode]}
          onChange={([v]) => set("mode")(v as "quantiles" | "edges")}
        />
        {value.mode === "edges" &&
          DIMENSIONS.map(({ dim, title, labels, help }) => (
            <BlockStack gap="200" key={dim}>
              <Text as="h3" variant="headingSm">
                {title}
              </Text>
              <InlineGrid columns={4} gap="200">
                {value.edges[dim].map((edge, i) => (
                  <TextField
                    key={i}
                    label={labels[i]}
                    type="number"
                    value={edge}
                    onChange={setEdge(dim, i)}
                    prefix={dim === "m" ? currency : undefined}
                    suffix={dim === "r" ? "days" : dim === "f" ? "orders" : undefined}
                    error={error(`scoring.edges.${dim}.${i}`)}
                    step={dim === "m" ? 1 / 10 ** currencyExponent(currency) : 1}
                    autoComplete="off"
                  />
                ))}
              </InlineGrid>
              {error(`scoring.edges.${dim}`) ? (
                <Text as="p" tone="critical">
                  {error(`scoring.edges.${dim}`)}
                </Text>
              ) : (
                <Text as="p" variant="bodySm" tone="subdued">
                  {help}
                </Text>
              )}
            </BlockStack>
          ))}
        {error("scoring.edges") && (
          <Text as="p" tone="critical">
            {error("scoring.edges")}
          </Text>
        )}
        <Checkbox
          label="Also compute a weighted FM score"
          helpText="One score from 1 to 5 that mixes frequency and spend by the weights below, written next to R, F and M."
          checked={value.composite}
          onChange={set("composite")}
        />
        {value.composite && (
          <InlineGrid columns={2} gap="200">
            <TextField
              label="Frequency weight"
              type="number"
              value={value.compositeF}
              onChange={set("compositeF")}
              error={error("scoring.composite.f") ?? error("scoring.composite")}
              autoComplete="off"
            />
            <TextField
              label="Monetary weight"
              type="number"
              value={value.compositeM}
              onChange={set("compositeM")}
              error={error("scoring.composite.m")}
              autoComplete="off"
            />
          </InlineGrid>
        )}
      </BlockStack>
    </Card>
  );
}

export function WritebackSection({ value, onChange, error }: SectionProps<"writeback">) {
  const [advanced, setAdvanced] = useState(false);
  const advancedOpen = advanced || Boolean(error("writeback.tagPrefix") || error("writeback.metafieldNamespace"));
  const set = <F extends keyof SettingsForm["writeback"]>(field: F) => (v: SettingsForm["writeback"][F]) =>
    onChange({ ...value, [field]: v });
  return (
    <Card>
      <BlockStack gap="400">
        <Checkbox
          label="Write personas to my store"
          helpText="Tags and RFM metafields on customers (yours to read, filter and segment on; only this app changes them), a segment per persona, and the Flow trigger."
          checked={value.enabled}
          onChange={set("enabled")}
        />
        <Button
          variant="plain"
          disclosure={advancedOpen ? "up" : "down"}
          ariaExpanded={advancedOpen}
          ariaControls="writeback-advanced"
          onClick={() => setAdvanced(!advanced)}
        >
          Advanced: tag names
        </Button>
        <Collapsible id="writeback-advanced" open={advancedOpen} transition={false}>
          <BlockStack gap="300">
            <FormLayout>
              <TextField
                label="Tag prefix"
                value={value.tagPrefix}
                onChange={set("tagPrefix")}
                error={error("writeback.tagPrefix")}
                helpText={`Customers get tags like “${value.tagPrefix}champions”.`}
                autoComplete="off"
              />
            </FormLayout>
            <Checkbox
              label="Also tag score details"
              helpText={`Adds tags such as “${value.tagPrefix}r5” and “${value.tagPrefix}score:545”. Tags are shared with other apps: keep this off unless you use them.`}
              checked={value.extraTags}
              onChange={set("extraTags")}
            />
          </BlockStack>
        </Collapsible>
      </BlockStack>
    </Card>
  );
}
