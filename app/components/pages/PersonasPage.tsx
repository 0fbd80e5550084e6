/** Every persona with its size, revenue and the tag it carries in the store. */
import type { SerializeFrom } from "@remix-run/node";
import { BlockStack, Card, IndexTable, Layout, Link, Page, Text } from "@shopify/polaris";
import type { SyncProgress } from "~/dashboard/overview.server";
import type { PersonasList } from "~/dashboard/personas.server";
import { formatMoney, formatNumber, formatPercent } from "../format";
import { PersonaLabel } from "../PersonaLabel";
import { ruleInShopTerms } from "../score-edges";
import { StillImporting, SyncActivity } from "../sync-activity";

/** What the personas loader sends. */
export type PersonasPageData = SerializeFrom<PersonasList & { locale: string; sync?: SyncProgress }>;

export function PersonasPage({ data }: { data: PersonasPageData }) {
  const { personas, currency, locale, customersScored } = data;
  const busy = data.sync?.busy ?? null;
  // First run: nobody scored yet while the import or scoring runs — say so rather than list 11 zeros.
  const waiting = busy !== null && customersScored === 0 ? busy : null;
  return (
    <Page title="Personas" subtitle={`${formatNumber(customersScored, locale)} customers with a persona`}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <SyncActivity busy={busy} readyText={`${formatNumber(customersScored, locale)} customers have a persona.`} />
            <Card padding="0">
              {waiting ? (
                <StillImporting
                  busy={waiting}
                  ordersDone={data.sync?.ordersDone ?? 0}
                  ordersEstimated={data.sync?.ordersEstimated ?? null}
                  locale={locale}
                />
              ) : (
                <IndexTable
                  resourceName={{ singular: "persona", plural: "personas" }}
                  itemCount={personas.length}
                  selectable={false}
                  headings={[
                    // Persona and its size first: on a phone they are what fits on screen.
                    { title: "Persona" },
                    { title: "Customers", alignment: "end" },
                    { title: "Share", alignment: "end" },
                    { title: "Revenue", alignment: "end" },
                    { title: "Tag" },
                    { title: "Who they are" },
                  ]}
                >
                  {personas.map((p, i) => (
                    <IndexTable.Row id={p.slug} key={p.slug} position={i}>
                      <IndexTable.Cell>
                        <Link url={`/app/personas/${p.slug}`} removeUnderline monochrome>
                          <PersonaLabel persona={p} />
                        </Link>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {formatNumber(p.customers, locale)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {formatPercent(p.customerShare, locale)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {formatMoney(p.revenueMinor, currency, locale)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <code>{p.tag}</code>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <div style={{ maxWidth: "28rem", whiteSpace: "normal" }}>
                          <Text as="span" variant="bodySm" tone="subdued">
                            {p.description}
                          </Text>
                          {data.edges &&
                            p.rules.map((rule, r) => (
                              // Each rule that assigns it, in this shop's days, orders and money today.
                              <Text as="p" variant="bodySm" key={r}>
                                <span data-testid="persona-in-shop-terms">{ruleInShopTerms(rule, data.edges!, locale)}</span>
                              </Text>
                            ))}
                        </div>
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Using personas
              </Text>
              <Text as="p" variant="bodySm">
                Every customer with a persona carries its tag in your store. Filter customers by the tag, build a segment with it, or start
                a Shopify Flow automation when the tag is added or removed.
              </Text>
              <Link url="/app/settings">Change names, colours or the persona map</Link>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
