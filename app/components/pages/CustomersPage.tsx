/** The customer list: filters in the URL (a GET form), one page of customers, cursor pagination, CSV export. */
import type { SerializeFrom } from "@remix-run/node";
import { Form, useLocation, useNavigation, useSubmit } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  IndexTable,
  InlineStack,
  Page,
  Pagination,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import type { CustomerPage } from "~/dashboard/customers.server";
import type { SyncProgress } from "~/dashboard/overview.server";
import { ExportButton } from "../ExportButton";
import { formatDate, formatMoney, formatNumber } from "../format";
import { PersonaLabel } from "../PersonaLabel";
import { StillImporting, SyncActivity } from "../sync-activity";

/** The filters the list was loaded with, as the form shows them ("" and null: not set). */
export interface CustomerFiltersView {
  persona: string;
  q: string;
  r: number | null;
  f: number | null;
  m: number | null;
  /** Score ranges (rMin/rMax, …) carried along as hidden fields; only those set. */
  ranges: { d: "r" | "f" | "m"; lo: number | null; hi: number | null }[];
}

/** What the customers loader sends. */
export type CustomersPageData = SerializeFrom<CustomerPage & { filters: CustomerFiltersView; locale: string; sync?: SyncProgress }>;

const SORTS = [
  { label: "Highest spend", value: "monetary:desc" },
  { label: "Lowest spend", value: "monetary:asc" },
  { label: "Most orders", value: "frequency:desc" },
  { label: "Fewest orders", value: "frequency:asc" },
  { label: "Most recent", value: "recency:asc" },
  { label: "Longest ago", value: "recency:desc" },
  { label: "Persona", value: "persona:asc" },
];
const SCORE_OPTIONS = [{ label: "Any", value: "" }, ...[5, 4, 3, 2, 1].map((s) => ({ label: String(s), value: String(s) }))];

export function CustomersPage({ data }: { data: CustomersPageData }) {
  const { locale, currency, filters } = data;
  const busy = data.sync?.busy ?? null;
  const location = useLocation();
  const navigation = useNavigation();
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);

  const params = new URLSearchParams(location.search);
  const pageUrl = (cursorKey: "after" | "before", cursor: string) => {
    const next = new URLSearchParams(params);
    next.delete("after");
    next.delete("before");
    next.set(cursorKey, cursor);
    return `?${next.toString()}`;
  };
  const change = () => submit(form.current, { replace: true });

  const rows = data.rows.map((c, i) => (
    <IndexTable.Row id={c.customerKey} key={c.customerKey} position={i}>
      <IndexTable.Cell>
        <BlockStack gap="050">
          {c.adminUrl ? (
            <a href={c.adminUrl} target="_top" style={{ color: "var(--p-color-text-link)" }}>
              {c.email ?? c.customerKey}
            </a>
          ) : (
            <Text as="span">{c.email ?? c.customerKey.replace(/^email:/, "")}</Text>
          )}
          {c.guest && (
            <span>
              <Badge size="small">Guest</Badge>
            </span>
          )}
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <PersonaLabel persona={c.persona} />
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" tone="subdued">
          {c.previousPersona?.name ?? "—"}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" numeric>
          {c.r && c.f && c.m ? `${c.r}${c.f}${c.m}` : "—"}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {c.recencyDays === null ? "—" : formatNumber(c.recencyDays, locale)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {formatNumber(c.frequency, locale)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {formatMoney(c.monetaryMinor, currency, locale)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>{formatDate(c.lastOrderAt, locale)}</IndexTable.Cell>
    </IndexTable.Row>
  ));

  return (
    <Page
      title="Customers"
      subtitle={`${formatNumber(data.total, locale)} customers match`}
      primaryAction={<ExportButton search={location.search} />}
    >
      <BlockStack gap="400">
        <SyncActivity busy={busy} readyText="Customers are scored." />
        <Card>
          <Form method="get" ref={form} onChange={(e) => (e.target as HTMLElement).tagName === "SELECT" && change()}>
            <BlockStack gap="300">
              <InlineStack gap="300" wrap blockAlign="end">
                <div style={{ flex: "1 1 16rem" }}>
                  <TextField
                    label="Search"
                    name="q"
                    value={q}
                    onChange={setQ}
                    placeholder="Email or customer id"
                    autoComplete="off"
                    clearButton
                    onClearButtonClick={() => {
                      setQ("");
                      setTimeout(change);
                    }}
                  />
                </div>
                <Select
                  label="Persona"
                  name="persona"
                  value={filters.persona}
                  options={[
                    { label: "All", value: "" },
                    ...data.personas.map((p) => ({ label: p.name, value: p.slug })),
                    { label: "No persona", value: "none" },
                  ]}
                />
                <Select label="R" name="r" value={filters.r?.toString() ?? ""} options={SCORE_OPTIONS} />
                <Select label="F" name="f" value={filters.f?.toString() ?? ""} options={SCORE_OPTIONS} />
                <Select label="M" name="m" value={filters.m?.toString() ?? ""} options={SCORE_OPTIONS} />
                <Select label="Sort" name="sort" value={`${data.sort}:${data.dir}`} options={SORTS} />
                <Button submit loading={navigation.state === "loading"}>
                  Apply
                </Button>
              </InlineStack>
              {filters.ranges.map(({ d, lo, hi }) => (
                <span key={d}>
                  <input type="hidden" name={`${d}Min`} value={lo ?? ""} />
                  <input type="hidden" name={`${d}Max`} value={hi ?? ""} />
                  <Badge>{`${d.toUpperCase()} ${lo ?? 1}–${hi ?? 5}`}</Badge>
                </span>
              ))}
              {(filters.persona || filters.q || filters.r || filters.f || filters.m || filters.ranges.length > 0) && (
                <InlineStack>
                  <Button variant="plain" url="/app/customers">
                    Clear filters
                  </Button>
                </InlineStack>
              )}
            </BlockStack>
          </Form>
        </Card>
        <Card padding="0">
          {data.rows.length === 0 && busy ? (
            <StillImporting busy={busy} ordersDone={data.sync?.ordersDone ?? 0} ordersEstimated={data.sync?.ordersEstimated ?? null} locale={locale} />
          ) : data.rows.length === 0 ? (
            <div style={{ padding: "var(--p-space-800)", textAlign: "center" }}>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  No customers match
                </Text>
                <Text as="p" tone="subdued">
                  Try another persona or score, or clear the filters.
                </Text>
              </BlockStack>
            </div>
          ) : (
            <IndexTable
              resourceName={{ singular: "customer", plural: "customers" }}
              itemCount={data.rows.length}
              selectable={false}
              headings={[
                { title: "Customer" },
                { title: "Persona" },
                { title: "Previous" },
                { title: "RFM" },
                { title: "Days since order", alignment: "end" },
                { title: "Orders", alignment: "end" },
                { title: "Spend", alignment: "end" },
                { title: "Last order" },
              ]}
            >
              {rows}
            </IndexTable>
          )}
          <div style={{ display: "flex", justifyContent: "center", padding: "var(--p-space-300)" }}>
            <Pagination
              hasPrevious={Boolean(data.previousCursor)}
              previousURL={data.previousCursor ? pageUrl("before", data.previousCursor) : undefined}
              hasNext={Boolean(data.nextCursor)}
              nextURL={data.nextCursor ? pageUrl("after", data.nextCursor) : undefined}
            />
          </div>
        </Card>
      </BlockStack>
    </Page>
  );
}
