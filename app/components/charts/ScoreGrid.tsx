/**
 * The score grid: 5 × 5 cells of two RFM scores (rows 5 → 1 top to bottom, columns
 * 1 → 5 left to right). Each cell shows how many customers it holds and their average
 * spend, is tinted with the colour of the persona most of them carry (stronger where
 * more customers sit), and links to the customer list filtered to that cell.
 */
import { Link } from "@remix-run/react";
import { Text } from "@shopify/polaris";
import { formatMoneyCompact, formatNumber } from "../format";

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
}

function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  const n = m ? parseInt(m[1], 16) : 0x9e9e9e;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function ScoreGrid({ cells, maxCustomers, rowLabel, colLabel, currency, locale }: ScoreGridProps) {
  const header = { textAlign: "center" as const, color: "var(--p-color-text-secondary)", fontSize: 12 };
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
        <div />
        {[1, 2, 3, 4, 5].map((col) => (
          <div key={col} role="columnheader" style={header}>
            {colLabel[0]}
            {col}
          </div>
        ))}
      </div>
      <div style={{ marginTop: "var(--p-space-200)" }}>
        <Text as="p" variant="bodySm" tone="subdued">
          Rows: {rowLabel} score (5 = best). Columns: {colLabel} score. Select a cell to list its customers.
        </Text>
      </div>
    </div>
  );
}
