/** The dashboard: sync status, headline figures, customers per persona, the trend and the score grid. */
import type { SerializeFrom } from "@remix-run/node";
import type { ReactNode } from "react";
import { Link as RemixLink } from "@remix-run/react";
import { BlockStack, Card, DataTable, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import type { DashboardData } from "~/dashboard/overview.server";
import type { ShopScoreEdges } from "~/dashboard/edges.server";
import { GRID_AXES } from "~/dashboard/grid-axes";
import { ScoreGrid } from "../charts/ScoreGrid";
import { ShareBar } from "../charts/ShareBar";
import { TrendChart } from "../charts/TrendChart";
import { EmptyDashboard } from "../EmptyDashboard";
import { FigureCard } from "../FigureCard";
import { formatDate, formatDelta, formatMoney, formatNumber, formatPercent } from "../format";
import { PersonaLabel } from "../PersonaLabel";
import { SyncActivity } from "../sync-activity";
import { SyncStatusCard } from "../SyncStatusCard";
import { ToggleButtons } from "../ToggleButtons";

/** What the dashboard's loader sends. */
export type DashboardPageData = SerializeFrom<DashboardData & { locale: string; scoreEdges?: ShopScoreEdges | null }>;

const DIM_NAMES = { r: "Recency", f: "Frequency", m: "Monetary" } as const;

/** `setup`: the write-back setup guide, shown first on every state of the page. */
export function DashboardPage({ data, setup }: { data: DashboardPageData; setup?: ReactNode }) {
  const { locale, currency } = data;
  // Every headline figure names its period: counted orders up to the last scoring's day, spend in the lookback window.
  const { period } = data.totals;
  const spendPeriod = period.lookbackDays === null ? "all time" : `last ${formatNumber(period.lookbackDays, locale)} days`;
  const asOf = formatDate(period.asOf, locale);
  // The same element in every state of the page, so the change from busy to ready is seen and announced.
  const status = (
    <BlockStack gap="400">
      <SyncActivity busy={data.status.busy} readyText={`${formatNumber(data.totals.customersScored, locale)} customers have a persona.`} />
      <SyncStatusCard status={data.status} locale={locale} />
    </BlockStack>
  );

  if (data.emptyState) {
    return (
      <Page title="Dashboard">
        <Layout>
          {setup && <Layout.Section>{setup}</Layout.Section>}
          <Layout.Section>{status}</Layout.Section>
          <Layout.Section>
            <Card>
              <EmptyDashboard
                state={data.emptyState}
                busy={data.status.busy}
                ordersDone={data.status.ordersDone}
                ordersEstimated={data.status.ordersEstimated}
                orders={data.totals.orders}
                locale={locale}
              />
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    );
  }

  const rows = data.personas.map((p) => [
    <RemixLink key={p.slug} to={`/app/personas/${p.slug}`} style={{ textDecoration: "none", color: "inherit" }}>
      <PersonaLabel persona={p} />
    </RemixLink>,
    formatNumber(p.customers, locale),
    formatPercent(p.customerShare, locale),
    formatMoney(p.revenueMinor, currency, locale),
    formatPercent(p.revenueShare, locale),
    p.changeCustomers === null ? "—" : formatDelta(p.changeCustomers, locale),
  ]);

  return (
    <Page title="Dashboard" subtitle="Your customers by RFM persona">
      <Layout>
        {setup && <Layout.Section>{setup}</Layout.Section>}
        <Layout.Section>{status}</Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
            <FigureCard size="lg" label="Customers with a persona" value={formatNumber(data.totals.customersScored, locale)} note={`Scored ${asOf}: every customer with an order that counts`} />
            <FigureCard size="lg" label={`Counted spend, ${spendPeriod}`} value={formatMoney(data.totals.revenueMinor, currency, locale)} note={`Orders up to ${asOf} that count under your rules`} />
            <FigureCard
              size="lg"
              label="Guests (scored, not tagged)"
              value={formatNumber(data.totals.guestsScored, locale)}
              note="Guest checkouts have no customer record to tag."
            />
            <FigureCard
              size="lg"
              label="Without a persona"
              value={formatNumber(data.totals.customersWithoutPersona, locale)}
              note="Ordered, but none of their orders counts under your rules."
            />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Personas
              </Text>
              <ShareBar
                label="Share of customers"
                locale={locale}
                parts={data.personas.map((p) => ({ ...p, share: p.customerShare }))}
              />
              <DataTable
                columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
                headings={["Persona", "Customers", "Share", `Spend, ${spendPeriod}`, "Share of spend", "Change"]}
                rows={rows}
                footerContent={
                  data.change
                    ? `Change: customers on ${formatDate(data.change.latestDay, locale)} against ${formatDate(data.change.comparedDay, locale)}.`
                    : "Change since last week appears once a week of daily snapshots exists."
                }
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Persona sizes over time
              </Text>
              {data.trend.days.length > 0 ? (
                <TrendChart
                  days={data.trend.days}
                  series={data.trend.series}
                  locale={locale}
                  label={data.trend.backdatedThrough ? "Customers per persona over the past year: weekly from order history, then daily" : "Customers per persona, one point per daily snapshot"}
                  backdatedThrough={data.trend.backdatedThrough}
                />
              ) : (
                <Text as="p" tone="subdued">
                  The trend starts with the first daily snapshot.
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineGrid columns="1fr auto" alignItems="center">
                <Text as="h2" variant="headingMd">
                  {DIM_NAMES[data.grid.rowDim]} × {DIM_NAMES[data.grid.colDim]}
                </Text>
                <ToggleButtons
                  selected={data.grid.axes}
                  options={GRID_AXES.map((axes) => ({
                    key: axes,
                    label: axes.toUpperCase().split("").join("×"),
                    href: `?grid=${axes}`,
                  }))}
                />
              </InlineGrid>
              <ScoreGrid
                cells={data.grid.cells}
                maxCustomers={data.grid.maxCustomers}
                rowLabel={DIM_NAMES[data.grid.rowDim]}
                colLabel={DIM_NAMES[data.grid.colDim]}
                currency={currency}
                locale={locale}
                rowDim={data.grid.rowDim}
                colDim={data.grid.colDim}
                edges={data.scoreEdges}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
