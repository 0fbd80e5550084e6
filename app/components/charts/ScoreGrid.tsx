/**
 * The score grid: 5 × 5 cells of two RFM scores (rows 5 → 1 top to bottom, columns
 * 1 → 5 left to right). Each cell shows how many customers it holds and their average
 * spend, is tinted with the colour of the persona most of them carry (stronger where
 * more customers sit), and links to the customer list filtered to that cell. Under it, what
 * each row and column means in the shop's terms (days, orders, money), when the edges are known.
 */
import { Link } from "@remix-run/react";
import { Text } from "@shopify/polaris";
import type { Dimension } from "~/rfm";
import { formatMoneyCompact, formatNumber } from "../format";
import { dimensionInWords, outsideWindowNote, rangeInWords, type EdgesForWords } from "../score-edges";

export interface ScoreGridCell {
  row: number;
  col: number;
  customers: number;
  avgMonetaryMinor: number | null;
  topPersona: { name: string; color: string } | null;
  href: string;
}

export interface ScoreGridProps {
  cells: ScoreGridCell[];
  maxCustomers: number;
  rowLabel: string;
  colLabel: string;
  currency: string;
  locale: string;
  /** Which scores the rows and columns are, to say what each means. */
  rowDim?: Dimension;
  colDim?: Dimension;
  /** The shop's current edges (shopScoreEdges); null before the first scoring. */
  edges?: EdgesForWords | null;
}

function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  const n = m ? parseInt(m[1], 16) : 0x9e9e9e;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function ScoreGrid({ cells, maxCustomers, rowLabel, colLabel, currency, locale, rowDim, colDim, edges }: ScoreGridProps) {
  const header = { textAlign: "center" as const, color: "var(--p-color-text-secondary)", fontSize: 12 };
  const colRanges = edges && colDim ? edges[colDim].ranges : null;
  return (
    <div role="table" aria-label={`${rowLabel} by ${colLabel}`}>
      <div
        style={{
          display: "grid",
          gridTemplateColumns: "2.5rem repeat(5, minmax(0, 1fr))",
          gap: "var(--p-space-100)",
          alignItems: "stretch",
        }}
      >
        {[5, 4, 3, 2, 1].map((row) => (
          <div key={row} role="row" style={{ display: "contents" }}>
            <div role="rowheader" style={{ ...header, alignSelf: "center" }}>
              {rowLabel[0]}
              {row}
            </div>
            {[1, 2, 3, 4, 5].map((col) => {
              const cell = cells.find((c) => c.row === row && c.col === col);
              const customers = cell?.customers ?? 0;
              const strength = maxCustomers > 0 ? customers / maxCustomers : 0;
              const [r, g, b] = hexToRgb(cell?.topPersona?.color ?? "#9E9E9E");
              const alpha = customers > 0 ? 0.12 + 0.73 * strength : 0;
              const dark = alpha > 0.55;
              const title = cell?.topPersona
                ? `${rowLabel} ${row}, ${colLabel} ${col}: ${formatNumber(customers, locale)} customers, mostly ${cell.topPersona.name}`
                : `${rowLabel} ${row}, ${colLabel} ${col}: no customers`;
              return (
                <Link
                  key={col}
                  role="cell"
                  to={cell?.href ?? "#"}
                  title={title}
                  aria-label={title}
                  style={{
                    display: "block",
                    minHeight: "3.5rem",
                    padding: "var(--p-space-150)",
                    borderRadius: "var(--p-border-radius-200)",
                    textDecoration: "none",
                    background: customers > 0 ? `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(3)})` : "var(--p-color-bg-surface-secondary)",
                    color: dark ? "#fff" : "var(--p-color-text)",
                    boxShadow: "inset 0 0 0 1px var(--p-color-border-secondary)",
                  }}
                >
                  <div style={{ fontWeight: 600, fontSize: 14 }}>{formatNumber(customers, locale)}</div>
                  <div style={{ fontSize: 11, opacity: 0.85 }}>
                    {cell?.avgMonetaryMinor != null ? `avg ${formatMoneyCompact(cell.avgMonetaryMinor, currency, locale)}` : " "}
                  </div>
                </Link>
              );
            })}
          </div>
        ))}
        {/* The column headers are a row of their own, as ARIA tables require. */}
        <div role="row" style={{ display: "contents" }}>
          <div role="cell" />
          {[1, 2, 3, 4, 5].map((col) => (
            <div key={col} role="columnheader" style={header}>
              {colLabel[0]}
              {col}
              {colRanges && colDim && (
                // The column's meaning right under its score: "1 order", "4–5 orders", "$151.12 or more".
                <div data-testid="column-meaning" style={{ fontSize: 11, lineHeight: 1.3 }}>
                  {rangeInWords(colDim, colRanges[col - 1], edges!.currency, locale)}
                </div>
              )}
            </div>
          ))}
        </div>
      </div>
      <div style={{ marginTop: "var(--p-space-200)" }}>
        <Text as="p" variant="bodySm" tone="subdued">
          Rows: {rowLabel} score (5 = best). Columns: {colLabel} score. Select a cell to list its customers.
        </Text>
        {edges && rowDim && colDim && <GridLegend edges={edges} dims={[rowDim, colDim]} locale={locale} />}
      </div>
    </div>
  );
}

/** What each score of the grid's two dimensions means in this shop today, one line per dimension. */
function GridLegend({ edges, dims, locale }: { edges: EdgesForWords; dims: [Dimension, Dimension]; locale: string }) {
  const note = dims.includes("r") ? outsideWindowNote(edges.lookbackDays) : null;
  return (
    <div data-testid="score-edges" style={{ marginTop: "var(--p-space-100)" }}>
      {dims.map((dim) => (
        <Text as="p" variant="bodySm" key={dim}>
          {/* Best score first for recency (the rows read top down), lowest first otherwise. */}
          {(dim === "r" ? dimensionInWords(dim, edges, locale).reverse() : dimensionInWords(dim, edges, locale)).join(" · ")}
        </Text>
      ))}
      {note && (
        <Text as="p" variant="bodySm" tone="subdued">
          {note}
        </Text>
      )}
    </div>
  );
}
