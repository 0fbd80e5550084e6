/** The settings form's sections: what counts, how scores are cut, write-back. */
import { BlockStack, Card, Checkbox, ChoiceList, FormLayout, InlineGrid, Text, TextField } from "@shopify/polaris";
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

const DIMENSIONS = [
  { dim: "r", title: "Recency (days since last order)", help: "Fewer days is better: below the first edge scores 5." },
  { dim: "f", title: "Frequency (counted orders)", help: "Below the first edge scores 1, at or above the last scores 5." },
  { dim: "m", title: "Monetary (spend)", help: "Below the first edge scores 1, at or above the last scores 5." },
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
            { label: "My own edges", value: "edges", helpText: "Four thresholds per dimension; a value x scores where lower ≤ x < upper." },
          ]}
          selected={[value.mode]}
          onChange={([v]) => set("mode")(v as "quantiles" | "edges")}
        />
        {value.mode === "edges" &&
          DIMENSIONS.map(({ dim, title, help }) => (
            <BlockStack gap="200" key={dim}>
              <Text as="h3" variant="headingSm">
                {title}
              </Text>
              <InlineGrid columns={4} gap="200">
                {value.edges[dim].map((edge, i) => (
                  <TextField
                    key={i}
                    label={`Edge ${i + 1}`}
                    type="number"
                    value={edge}
                    onChange={setEdge(dim, i)}
                    prefix={dim === "m" ? currency : undefined}
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
          helpText="round((wF·F + wM·M) / (wF + wM)), written next to R, F and M."
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
    </Card>
  );
}
