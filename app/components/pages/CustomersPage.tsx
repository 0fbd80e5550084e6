/**
 * The customer list, as Shopify's own lists work: search by name, email or id and filters
 * (persona, R, F, M) in Polaris IndexFilters that apply as they change — the URL holds them —
 * one page of customers with where it sits ("1–50 of 1,357"), cursor pagination, CSV export.
 */
import type { SerializeFrom } from "@remix-run/node";
import { useLocation, useNavigate, useNavigation } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  ChoiceList,
  IndexFilters,
  IndexFiltersMode,
  IndexTable,
  InlineStack,
  Page,
  Pagination,
  Text,
  useSetIndexFiltersMode,
  type IndexFiltersProps,
} from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import type { CustomerPage } from "~/dashboard/customers.server";
import type { SyncProgress } from "~/dashboard/overview.server";
import { ExportButton } from "../ExportButton";
import { formatDate, formatMoney, formatNumber } from "../format";
import { PersonaLabel } from "../PersonaLabel";
import { StillImporting, SyncActivity } from "../sync-activity";

/** The filters the list was loaded with ("" and null: not set). */
export interface CustomerFiltersView {
  persona: string;
  q: string;
  r: number | null;
  f: number | null;
  m: number | null;
  /** Score ranges (rMin/rMax, …) from links such as the persona pages'; only those set. */
  ranges: { d: "r" | "f" | "m"; lo: number | null; hi: number | null }[];
}

/** What the customers loader sends. */
export type CustomersPageData = SerializeFrom<CustomerPage & { filters: CustomerFiltersView; locale: string; sync?: SyncProgress; lookbackDays?: number | null }>;

const SORTS: IndexFiltersProps["sortOptions"] = [
  { label: "Spend", value: "monetary desc", directionLabel: "Highest first" },
  { label: "Spend", value: "monetary asc", directionLabel: "Lowest first" },
  { label: "Orders", value: "frequency desc", directionLabel: "Most first" },
  { label: "Orders", value: "frequency asc", directionLabel: "Fewest first" },
  { label: "Last order", value: "recency asc", directionLabel: "Most recent first" },
  { label: "Last order", value: "recency desc", directionLabel: "Longest ago first" },
  { label: "Persona", value: "persona asc", directionLabel: "Best first" },
  { label: "Persona", value: "persona desc", directionLabel: "Best last" },
];
const SCORES = ["r", "f", "m"] as const;
const SCORE_NAMES = { r: "Recency score", f: "Frequency score", m: "Monetary score" } as const;
const SCORE_CHOICES = [5, 4, 3, 2, 1].map((s) => ({ label: String(s), value: String(s) }));
/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 400;

export function CustomersPage({ data }: { data: CustomersPageData }) {
  const { locale, currency, filters } = data;
  const busy = data.sync?.busy ?? null;
  const location = useLocation();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const { mode, setMode } = useSetIndexFiltersMode(IndexFiltersMode.Filtering);

  /** The list with some parameters changed (null removes one); any change starts again at page 1. */
  const go = (changes: Record<string, string | null>) => {
    // From the list being loaded, if any: a change made while another is in flight adds to it.
    const next = new URLSearchParams(navigation.location?.search ?? location.search);
    next.delete("after");
    next.delete("before");
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    const search = next.toString();
    navigate(search ? `?${search}` : location.pathname, { replace: true, preventScrollReset: true });
  };
  const goRef = useRef(go);
  goRef.current = go;

  const [q, setQ] = useState(filters.q);
  const shownQ = useRef(filters.q);
  shownQ.current = filters.q;
  // Only typing searches: a list loaded with other filters must not send an old query after them.
  const typed = useRef(false);
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => {
    if (!typed.current) return;
    const timer = setTimeout(() => {
      typed.current = false;
      // Already the list's query (e.g. cleared, which also reports a change): nothing to send,
      // and sending would replace a filter chosen meanwhile.
      if (q.trim() === (shownQ.current ?? "").trim()) return;
      goRef.current({ q: q.trim() || null });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [q]);

  const personaName = (slug: string) => (slug === "none" ? "No persona" : (data.personas.find((p) => p.slug === slug)?.name ?? slug));
  const single = (key: string, title: string, choices: { label: string; value: string }[], value: string) => (
    <ChoiceList title={title} titleHidden choices={choices} selected={value ? [value] : []} onChange={(v) => go({ [key]: v[0] ?? null })} />
  );
  const filterList: IndexFiltersProps["filters"] = [
    {
      key: "persona",
      label: "Persona",
      pinned: true,
      filter: single(
        "persona",
        "Persona",
        [...data.personas.map((p) => ({ label: p.name, value: p.slug })), { label: "No persona", value: "none" }],
        filters.persona,
      ),
    },
    ...SCORES.map((d) => ({
      key: d,
      label: SCORE_NAMES[d],
      filter: single(d, SCORE_NAMES[d], SCORE_CHOICES, filters[d]?.toString() ?? ""),
    })),
  ];
  const applied: IndexFiltersProps["appliedFilters"] = [
    ...(filters.persona ? [{ key: "persona", label: `Persona: ${personaName(filters.persona)}`, onRemove: () => go({ persona: null }) }] : []),
    ...SCORES.flatMap((d) => (filters[d] ? [{ key: d, label: `${SCORE_NAMES[d]}: ${filters[d]}`, onRemove: () => go({ [d]: null }) }] : [])),
    ...filters.ranges.map(({ d, lo, hi }) => ({
      key: `${d}-range`,
      label: `${SCORE_NAMES[d]}: ${lo ?? 1}–${hi ?? 5}`,
      onRemove: () => go({ [`${d}Min`]: null, [`${d}Max`]: null }),
    })),
  ];

  const rows = data.rows.map((c, i) => {
    const who = c.name ?? c.email ?? c.customerKey.replace(/^email:/, "");
    const contact = c.name ? c.email : null;
    return (
      <IndexTable.Row id={c.customerKey} key={c.customerKey} position={i}>
        <IndexTable.Cell>
          {/* Wide enough for a name on a phone, never so wide it pushes persona and score off screen. */}
          <div style={{ minWidth: "min(7.5rem, 30vw)", maxWidth: "min(14rem, 36vw)", whiteSpace: "normal" }}>
            <BlockStack gap="050">
              {c.adminUrl ? (
                <a href={c.adminUrl} target="_top" style={{ color: "var(--p-color-text-link)", fontWeight: 600 }}>
                  {who}
                </a>
              ) : (
                <Text as="span" fontWeight="semibold">
                  {who}
                </Text>
              )}
              {contact && (
                <Text as="span" variant="bodySm" tone="subdued" truncate>
                  {contact}
                </Text>
              )}
              {c.guest && (
                <span>
                  <Badge size="small">Guest</Badge>
                </span>
              )}
            </BlockStack>
          </div>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <PersonaLabel persona={c.persona} />
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" numeric>
            {c.r && c.f && c.m ? `${c.r}${c.f}${c.m}` : "—"}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" alignment="end" numeric>
            {formatMoney(c.monetaryMinor, currency, locale)}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" alignment="end" numeric>
            {formatNumber(c.frequency, locale)}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" alignment="end" numeric>
            {c.recencyDays === null ? "—" : formatNumber(c.recencyDays, locale)}
            {/* Scored R1 on older orders, placed by the map like everyone (decision 024): said per customer. */}
            {c.recencyDays !== null && data.lookbackDays != null && c.recencyDays >= data.lookbackDays && (
              <span data-testid="outside-window" style={{ display: "block", fontSize: 12, color: "var(--p-color-text-secondary)" }}>
                outside the {data.lookbackDays}-day window
              </span>
            )}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>{formatDate(c.lastOrderAt, locale)}</IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" tone="subdued">
            {c.previousPersona?.name ?? "—"}
          </Text>
        </IndexTable.Cell>
      </IndexTable.Row>
    );
  });

  const pageUrl = (cursorKey: "after" | "before", cursor: string) => {
    const next = new URLSearchParams(location.search);
    next.delete("after");
    next.delete("before");
    next.set(cursorKey, cursor);
    return `?${next.toString()}`;
  };
  const range =
    data.total > 0
      ? `${formatNumber(data.range.from, locale)}–${formatNumber(data.range.to, locale)} of ${formatNumber(data.total, locale)}${data.totalCapped ? "+" : ""}`
      : "0 customers";

  return (
    <Page
      title="Customers"
      subtitle={`${formatNumber(data.total, locale)}${data.totalCapped ? "+" : ""} customers match`}
      primaryAction={<ExportButton search={location.search} count={data.total} />}
    >
      <BlockStack gap="400">
        <SyncActivity busy={busy} readyText="Customers are scored." />
        <Card padding="0">
          <IndexFilters
            tabs={[{ id: "all", content: "All customers" }]}
            selected={0}
            onSelect={() => undefined}
            canCreateNewView={false}
            queryValue={q}
            queryPlaceholder="Search by name, email or customer id"
            onQueryChange={(value) => {
              typed.current = true;
              setQ(value);
            }}
            onQueryClear={() => {
              typed.current = false;
              setQ("");
              go({ q: null });
            }}
            sortOptions={SORTS}
            sortSelected={[`${data.sort} ${data.dir}`]}
            onSort={([value]) => go({ sort: value.replace(" ", ":"), dir: null })}
            filters={filterList}
            appliedFilters={applied}
            onClearAll={() => go({ persona: null, q: null, r: null, f: null, m: null, rMin: null, rMax: null, fMin: null, fMax: null, mMin: null, mMax: null })}
            mode={mode}
            setMode={setMode}
            loading={navigation.state === "loading"}
            disableStickyMode
          />
          {data.rows.length === 0 && busy ? (
            <StillImporting busy={busy} ordersDone={data.sync?.ordersDone ?? 0} ordersEstimated={data.sync?.ordersEstimated ?? null} locale={locale} />
          ) : data.rows.length === 0 ? (
            <div style={{ padding: "var(--p-space-800)", textAlign: "center" }}>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  No customers match
                </Text>
                <Text as="p" tone="subdued">
                  Try another search, persona or score, or clear the filters.
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
                { title: "RFM" },
                { title: "Spend", alignment: "end" },
                { title: "Orders", alignment: "end" },
                { title: "Days since order", alignment: "end" },
                { title: "Last order" },
                { title: "Previous persona" },
              ]}
            >
              {rows}
            </IndexTable>
          )}
          <InlineStack align="center" blockAlign="center">
            <div style={{ padding: "var(--p-space-300)" }}>
              <Pagination
                label={range}
                hasPrevious={Boolean(data.previousCursor)}
                previousURL={data.previousCursor ? pageUrl("before", data.previousCursor) : undefined}
                hasNext={Boolean(data.nextCursor)}
                nextURL={data.nextCursor ? pageUrl("after", data.nextCursor) : undefined}
              />
            </div>
          </InlineStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
