/** One persona: its figures, its definition in the persona map, who moved in and out, and where it shows in the store. */
import type { SerializeFrom } from "@remix-run/node";
import type { PersonaInStore } from "~/writeback/status.server";
import {
  Badge,
  BlockStack,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import type { PersonaDetail } from "~/dashboard/personas.server";
import { FigureCard } from "../FigureCard";
import { formatDate, formatMoney, formatNumber, formatPercent } from "../format";
import { Swatch } from "../PersonaLabel";
import { PersonaMoves } from "../PersonaMoves";

/** What the persona loader sends. */
export type PersonaPageData = SerializeFrom<PersonaDetail & { locale: string }>;

/** The movement periods the page offers, in days (the loader accepts the same). */
const PERIODS = [7, 30, 90] as const;

function range([lo, hi]: readonly [number, number]): string {
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}

/** Whether a tag or segment is in the store now (from what write-back recorded). */
function InStoreNote({ present, count, writing, locale }: { present: boolean; count?: number; writing: boolean; locale: string }) {
  const paused = writing ? "" : " Write-back is paused.";
  const text = present
    ? count === undefined
      ? `In your store.${paused}`
      : `On ${formatNumber(count, locale)} ${count === 1 ? "customer" : "customers"} in your store.${paused}`
    : `Not in your store.${paused}`;
  return (
    <Text as="p" variant="bodySm" tone={present ? "subdued" : "caution"}>
      {text}
    </Text>
  );
}

/** `inStore`: whether the persona's tag and segment are in the store now. */
export function PersonaPage({ data, inStore }: { data: PersonaPageData; inStore?: SerializeFrom<PersonaInStore> }) {
  const { persona, definition, figures, transitions, currency, locale } = data;
  const fromLabel = (slug: string, name: string) => (slug === "" ? "New to scoring" : name);
  const toLabel = (slug: string, name: string) => (slug === "" ? "No persona any more" : name);
  return (
    <Page
      title={persona.name}
      titleMetadata={<Swatch color={persona.color} size={14} />}
      subtitle={persona.description}
      backAction={{ content: "Personas", url: "/app/personas" }}
      secondaryActions={[{ content: "View customers", url: `/app/customers?persona=${persona.slug}` }]}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
              <FigureCard label="Customers" value={formatNumber(figures.customers, locale)} note={`${formatPercent(figures.customerShare, locale)} of scored customers`} />
              <FigureCard label="Revenue (counted)" value={formatMoney(figures.revenueMinor, currency, locale)} />
              <FigureCard label="Average order value" value={formatMoney(figures.aovMinor, currency, locale)} />
              <FigureCard label="Orders per customer" value={formatNumber(figures.ordersPerCustomer, locale, 1)} />
              <FigureCard
                label="Average lifetime"
                value={figures.avgLifetimeDays === null ? "—" : `${formatNumber(figures.avgLifetimeDays, locale)} days`}
                note="First to last counted order"
              />
              <FigureCard
                label="Median days since last order"
                value={formatNumber(figures.median.recencyDays, locale, 1)}
              />
              <FigureCard label="Median spend" value={formatMoney(figures.median.monetaryMinor, currency, locale)} />
              <FigureCard
                label="Median scores"
                value={`R ${formatNumber(figures.median.r, locale, 1)} · F ${formatNumber(figures.median.f, locale, 1)} · M ${formatNumber(figures.median.m, locale, 1)}`}
              />
            </InlineGrid>

            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Definition
                </Text>
                <Text as="p">{persona.description}</Text>
                {definition.rules.map((r) => (
                  <Text as="p" key={r.position}>
                    {definition.rules.length > 1 ? `Rule #${r.position}: ` : ""}
                    {r.words}
                  </Text>
                ))}
                {definition.rules.length > 0 ? (
                  <DataTable
                    columnContentTypes={["numeric", "text", "text", "text", "numeric"]}
                    headings={["Rule", "Recency", "Frequency", "Monetary", "Score cells"]}
                    rows={definition.rules.map((r) => [
                      `#${r.position}`,
                      range(r.r),
                      range(r.f),
                      range(r.m),
                      formatNumber(r.cellsWon, locale),
                    ])}
                    footerContent={`Scores run 1–5 (5 = most recent, most orders, highest spend). Rules apply in order, the first match wins: this persona gets ${definition.cells} of the 125 score cells.`}
                  />
                ) : (
                  <Text as="p" tone="subdued">
                    No rule of your persona map assigns this persona.
                  </Text>
                )}
                {definition.notes.map((note) => (
                  <Text as="p" key={note}>
                    {note}
                  </Text>
                ))}
              </BlockStack>
            </Card>

            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Movement since {formatDate(transitions.since, locale)}
                  </Text>
                  <ButtonGroup variant="segmented">
                    {PERIODS.map((d) => (
                      <Button key={d} size="slim" url={`?days=${d}`} pressed={transitions.days === d}>
                        {`${d} days`}
                      </Button>
                    ))}
                  </ButtonGroup>
                </InlineStack>
                <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                  <PersonaMoves
                    title={`Moved in: ${formatNumber(transitions.totalIn, locale)}`}
                    rows={transitions.in.map((r) => ({ ...r, label: fromLabel(r.slug, r.name) }))}
                    locale={locale}
                    empty="Nobody moved in."
                  />
                  <PersonaMoves
                    title={`Moved out: ${formatNumber(transitions.totalOut, locale)}`}
                    rows={transitions.out.map((r) => ({ ...r, label: toLabel(r.slug, r.name) }))}
                    locale={locale}
                    empty="Nobody moved out."
                  />
                </InlineGrid>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  In your store
                </Text>
                <BlockStack gap="100">
                  <Text as="p" variant="bodySm" tone="subdued">
                    Customer tag (Flow, customer filters)
                  </Text>
                  <InlineStack>
                    <Badge>{persona.tag}</Badge>
                  </InlineStack>
                  {inStore && <InStoreNote present={inStore.customersLabelled > 0} count={inStore.customersLabelled} writing={inStore.writing} locale={locale} />}
                </BlockStack>
                <BlockStack gap="100">
                  <Text as="p" variant="bodySm" tone="subdued">
                    Customer segment (campaigns)
                  </Text>
                  <Text as="p" fontWeight="semibold">
                    {persona.segment}
                  </Text>
                  {inStore?.segments && <InStoreNote present={inStore.segment} writing={inStore.writing} locale={locale} />}
                </BlockStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  In Shopify Flow, start from “Customer tags added” and check for <code>{persona.tag}</code>.
                </Text>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Suggested uses
                </Text>
                {persona.uses.length > 0 ? (
                  <List>
                    {persona.uses.map((u) => (
                      <List.Item key={u}>{u}</List.Item>
                    ))}
                  </List>
                ) : (
                  <Text as="p" tone="subdued">
                    A persona of your own: you know best what it is for.
                  </Text>
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
