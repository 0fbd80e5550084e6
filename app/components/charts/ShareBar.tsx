/** Shares of a whole as one stacked bar (persona mix of customers or revenue). */
import { formatPercent } from "../format";

export interface ShareBarProps {
  parts: { slug: string; name: string; color: string; share: number }[];
  locale: string;
  label: string;
}

export function ShareBar({ parts, locale, label }: ShareBarProps) {
  const visible = parts.filter((p) => p.share > 0);
  return (
    <div
      role="img"
      aria-label={`${label}: ${visible.map((p) => `${p.name} ${formatPercent(p.share, locale)}`).join(", ")}`}
      style={{
        display: "flex",
        height: 12,
        borderRadius: "var(--p-border-radius-full)",
        overflow: "hidden",
        background: "var(--p-color-bg-surface-secondary)",
      }}
    >
      {visible.map((p) => (
        <div
          key={p.slug}
          title={`${p.name}: ${formatPercent(p.share, locale)}`}
          style={{ width: `${(p.share * 100).toFixed(3)}%`, background: p.color }}
        />
      ))}
    </div>
  );
}
