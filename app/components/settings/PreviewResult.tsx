/**
 * What saving would change: customers per persona under the current and the new
 * settings, the from → to matrix, and what each counting rule leaves out under both.
 */
import { Banner, BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { SettingsPreview } from "~/scoring/preview.server";
import { formatDate, formatDelta, formatMoney, formatNumber } from "../format";
import { isoDate } from "~/rfm/days";
import { PersonaLabel } from "../PersonaLabel";

type Jsonified<T> = T extends (infer U)[] ? Jsonified<U>[] : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

const NONE = { name: "No persona", color: "#BDBDBD" };

export function PreviewResult({
  preview,
  currency,
  locale,
}: {
  preview: Jsonified<SettingsPreview>;
  currency: string;
  locale: string;
}) {
  const current = new Map(preview.currentPersonas.map((p) => [p.slug, p]));
  const candidate = new Map(preview.candidatePersonas.map((p) => [p.slug, p]));
  const fromSlugs = unique(["", ...preview.currentPersonas.map((p) => p.slug)]).filter((s) =>
    preview.matrix.some((m) => m.from === s),
  );
  const toSlugs = unique(["", ...preview.candidatePersonas.map((p) => p.slug)]).filter((s) =>
    preview.matrix.some((m) => m.to === s),
  );
  const cell = (from: string, to: string) => preview.matrix.find((m) => m.from === from && m.to === to)?.customers ?? 0;
  const name = (map: Map<string, { name: string; color: string }>, slug: string) => (slug === "" ? NONE : (map.get(slug) ?? { name: slug, color: "#9E9E9E" }));

  const sizeRows = unique([...preview.currentPersonas.map((p) => p.slug), ...preview.candidatePersonas.map((p) => p.slug)])
    .map((slug) => {
      const before = preview.current.personas.find((p) => p.slug === slug)?.customers ?? 0;
      const after = preview.candidate.personas.find((p) => p.slug === slug)?.customers ?? 0;
      return { slug, before, after };
    })
    .filter((r) => r.before > 0 || r.after > 0);

  const ruleRows = preview.current.rules.removed
    .map((rule, i) => ({ rule, next: preview.candidate.rules.removed[i] }))
    .filter(({ rule, next }) => rule.orders + rule.lineItems + next.orders + next.lineItems > 0 || rule.applies !== next.applies);

  return (
    <BlockStack gap="400">
      <Banner tone={preview.moved > 0 ? "info" : "success"} title={
        preview.moved > 0
          ? `${formatNumber(preview.moved, locale)} of ${formatNumber(preview.customers, locale)} customers would change persona`
          : "No customer would change persona"
      }>
        <Text as="p">Computed on your stored orders as of now; nothing has been saved or written to your store.</Text>
      </Banner>
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Customers per persona
          </Text>
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "numeric"]}
            headings={["Persona", "Now", "With these settings", "Change"]}
            rows={sizeRows.map((r) => [
              <PersonaLabel key={r.slug} persona={name(candidate.has(r.slug) ? candidate : current, r.slug)} />,
              formatNumber(r.before, locale),
              formatNumber(r.after, locale),
              formatDelta(r.after - r.before, locale),
            ])}
          />
        </BlockStack>
      </Card>
      {preview.matrix.length > 0 && (
        <Card>
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              Who moves where
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              Rows: persona now. Columns: persona with these settings. The diagonal stays put.
            </Text>
            <div style={{ overflowX: "auto" }}>
              <DataTable
                columnContentTypes={["text", ...toSlugs.map(() => "numeric" as const)]}
                headings={["Now ↓ / New →", ...toSlugs.map((s) => name(candidate, s).name)]}
                rows={fromSlugs.map((from) => [
                  name(current, from).name,
                  ...toSlugs.map((to) => {
                    const n = cell(from, to);
                    const text = n === 0 ? "·" : formatNumber(n, locale);
                    return from === to ? <strong key={to}>{text}</strong> : text;
                  }),
                ])}
              />
            </div>
          </BlockStack>
        </Card>
      )}
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            What the rules leave out
          </Text>
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
            headings={["Rule", "Orders now", "Customers now", "Revenue now", "Orders new", "Customers new", "Revenue new"]}
            rows={[
              ...ruleRows.map(({ rule, next }) => [
                rule.label,
                rule.applies ? formatNumber(rule.orders + rule.lineItems, locale) : "off",
                rule.applies ? formatNumber(rule.customers, locale) : "off",
                rule.applies ? formatMoney(rule.revenueMinor, currency, locale) : "off",
                next.applies ? formatNumber(next.orders + next.lineItems, locale) : "off",
                next.applies ? formatNumber(next.customers, locale) : "off",
                next.applies ? formatMoney(next.revenueMinor, currency, locale) : "off",
              ]),
              ...(preview.current.rules.amountUnknown.orders + preview.candidate.rules.amountUnknown.orders > 0
                ? [[
                    "Orders in another currency without a rate: counted for recency and frequency, not for spend",
                    formatNumber(preview.current.rules.amountUnknown.orders, locale),
                    "",
                    "",
                    formatNumber(preview.candidate.rules.amountUnknown.orders, locale),
                    "",
                    "",
                  ]]
                : []),
              [
                `Counted: orders up to ${formatDate(isoDate(preview.current.rules.asOfDay), locale)}, all time`,
                formatNumber(preview.current.rules.counted.orders, locale),
                formatNumber(preview.current.rules.counted.customers, locale),
                formatMoney(preview.current.rules.counted.revenueMinor, currency, locale),
                formatNumber(preview.candidate.rules.counted.orders, locale),
                formatNumber(preview.candidate.rules.counted.customers, locale),
                formatMoney(preview.candidate.rules.counted.revenueMinor, currency, locale),
              ],
              // The dashboard's counted spend is the lookback window's: the same figure, in the same terms.
              ...([preview.current.rules, preview.candidate.rules].some((r) => r.lookbackWindow.lookbackDays !== null)
                ? [[
                    "…of which in the lookback window (the dashboard's counted spend)",
                    ...[preview.current.rules, preview.candidate.rules].flatMap((r) => [
                      formatNumber(r.counted.orders - r.lookbackWindow.ordersBefore, locale),
                      formatNumber(r.counted.customers - r.lookbackWindow.customersOnlyBefore, locale),
                      formatMoney(r.counted.revenueMinor - r.lookbackWindow.revenueBeforeMinor, currency, locale),
                    ]),
                  ]]
                : []),
            ]}
            footerContent="Orders column counts whole orders and, for item rules ($0 and subscription items), line items removed. Customers: those left with no counted order because of that rule alone."
          />
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
