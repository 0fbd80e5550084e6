/** One persona: its figures, its definition in the persona map, who moved in and out, and where it shows in the store. */
import type { SerializeFrom } from "@remix-run/node";
import type { PersonaInStore } from "~/writeback/status.server";
import type { PersonaAdminActions } from "~/platforms/types";
import { useState } from "react";
import {
  Badge,
  BlockStack,
  Button,
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
import { ExportButton } from "../ExportButton";
import { ToggleButtons } from "../ToggleButtons";
import { FigureCard } from "../FigureCard";
import { formatDate, formatMoney, formatNumber, formatPercent } from "../format";
import { Swatch } from "../PersonaLabel";
import { PersonaMoves } from "../PersonaMoves";
import { ruleInShopTerms } from "../score-edges";

/** What the persona loader sends. */
export type PersonaPageData = SerializeFrom<
  PersonaDetail & {
    locale: string;
    /** Where to act on the persona in the store's admin (null: the platform offers none). */
    actions?: PersonaAdminActions | null;
    /** Snapshots and moves up to this day were computed from order history under today's rules. */
    backdatedThrough?: string | null;
    /** What the figures cover: counted orders up to `asOf`, spend in the last `lookbackDays` (null = all time). */
    period?: { asOf: string | null; lookbackDays: number | null };
  }
>;

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

/** A link into the store's admin: App Bridge opens shopify://admin/… in the admin itself; another site opens in a new tab. */
function AdminLinkButton({ url, label }: { url: string; label: string }) {
  return (
    <Button url={url} target={/^https?:/.test(url) ? "_blank" : "_top"}>
      {label}
    </Button>
  );
}

/** Copies the persona's tag; says so, or says how to copy it where the browser refuses. */
function CopyTag({ tag }: { tag: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  return (
    <InlineStack gap="200" blockAlign="center">
      <Button
        size="slim"
        onClick={() =>
          navigator.clipboard
            .writeText(tag)
            .then(() => setCopied("yes"))
            .catch(() => setCopied("no"))
        }
      >
        Copy tag
      </Button>
      <span role="status">
        {copied && (
          <Text as="span" variant="bodySm" tone="subdued">
            {copied === "yes" ? `Copied ${tag}` : "Select the tag and copy it"}
          </Text>
        )}
      </span>
    </InlineStack>
  );
}

/** `inStore`: whether the persona's tag and segment are in the store now. */
export function PersonaPage({ data, inStore }: { data: PersonaPageData; inStore?: SerializeFrom<PersonaInStore> }) {
  const { persona, definition, figures, transitions, currency, locale } = data;
  const actions = data.actions ?? null;
  const backdated = data.backdatedThrough && transitions.since <= data.backdatedThrough ? data.backdatedThrough : null;
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
              <FigureCard
                label="Counted spend"
                value={formatMoney(figures.revenueMinor, currency, locale)}
                note={
                  data.period
                    ? `Orders up to ${formatDate(data.period.asOf, locale)}${data.period.lookbackDays === null ? "" : ` in the last ${formatNumber(data.period.lookbackDays, locale)} days (customers with none in them: their older orders)`}`
                    : undefined
                }
              />
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
                  <BlockStack gap="050" key={r.position}>
                    <Text as="p">
                      {definition.rules.length > 1 ? `Rule #${r.position}: ` : ""}
                      {r.words}
                    </Text>
                    {definition.edges && (
                      // The rule in this shop's days, orders and money today.
                      <Text as="p" variant="bodySm" tone="subdued">
                        <span data-testid="rule-in-shop-terms">{ruleInShopTerms(r, definition.edges, locale)}</span>
                      </Text>
                    )}
                  </BlockStack>
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
                  <ToggleButtons selected={String(transitions.days)} options={PERIODS.map((d) => ({ key: String(d), label: `${d} days`, href: `?days=${d}` }))} />
                </InlineStack>
                {backdated && (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {`Moves up to ${formatDate(backdated, locale)} are computed from order history under today's rules, week by week; after that, as each day's scoring found them.`}
                  </Text>
                )}
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
                  <InlineStack gap="200" blockAlign="center">
                    <Badge>{persona.tag}</Badge>
                    <CopyTag tag={persona.tag} />
                  </InlineStack>
                  {inStore && <InStoreNote present={inStore.customersLabelled > 0} count={inStore.customersLabelled} writing={inStore.writing} locale={locale} />}
                </BlockStack>
                {(inStore?.segments ?? true) && (
                  <BlockStack gap="100">
                    <Text as="p" variant="bodySm" tone="subdued">
                      Customer segment (campaigns)
                    </Text>
                    <Text as="p" fontWeight="semibold">
                      {persona.segment}
                    </Text>
                    {inStore?.segments && <InStoreNote present={inStore.segment} writing={inStore.writing} locale={locale} />}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Next steps
                </Text>
                {actions?.customers ? (
                  <BlockStack gap="100">
                    <InlineStack>
                      <AdminLinkButton url={actions.customers.url} label={actions.customers.label} />
                    </InlineStack>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {actions.customers.what}
                    </Text>
                  </BlockStack>
                ) : (
                  actions && (
                    <Text as="p" variant="bodySm" tone="subdued">
                      Once write-back has put this persona in your store, its customers open from here.
                    </Text>
                  )
                )}
                <BlockStack gap="100">
                  <InlineStack gap="200">
                    <ExportButton search={`?persona=${persona.slug}`} />
                  </InlineStack>
                  <Text as="p" variant="bodySm" tone="subdued">
                    This persona&apos;s customers as a CSV file (emails, scores, spend).
                  </Text>
                </BlockStack>
                {actions?.discount && (
                  <BlockStack gap="100">
                    <InlineStack>
                      <AdminLinkButton url={actions.discount.url} label={actions.discount.label} />
                    </InlineStack>
                    <List type="number">
                      {actions.discount.steps.map((step) => (
                        <List.Item key={step}>{step}</List.Item>
                      ))}
                    </List>
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
            {actions?.automation && (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {`Act when customers move: “${actions.automation.trigger}”`}
                  </Text>
                  <Text as="p" variant="bodySm">
                    {`The app fires its own “${actions.automation.trigger}” trigger each time a customer's persona changes (not for the first labelling after install).`}
                  </Text>
                  <List type="number">
                    {actions.automation.steps.map((step) => (
                      <List.Item key={step}>{step}</List.Item>
                    ))}
                  </List>
                  <InlineStack>
                    <AdminLinkButton url={actions.automation.url} label={actions.automation.label} />
                  </InlineStack>
                </BlockStack>
              </Card>
            )}
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
