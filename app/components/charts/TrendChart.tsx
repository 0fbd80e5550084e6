/**
 * Persona sizes over time: one line per persona, days on the x axis. Plain SVG drawn
 * on the server and the client alike (no layout effects, no window), coloured with the
 * personas' colours and Polaris tokens for axes and text. See docs/decisions/005-charts.md.
 */
import { BlockStack, InlineStack, Text } from "@shopify/polaris";
import { formatDate, formatNumber } from "../format";
import { Swatch } from "../PersonaLabel";

export interface TrendSeries {
  slug: string;
  name: string;
  color: string;
  values: number[];
}

export interface TrendChartProps {
  days: string[];
  series: TrendSeries[];
  locale: string;
  /** What the chart shows, for screen readers. */
  label: string;
  /** Days up to this one were computed from order history under today's rules: drawn dashed on a shaded band, and said below. */
  backdatedThrough?: string | null;
}

const W = 640;
const H = 240;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };

/** 0, a round step, …: a few gridlines a person can read. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/**
 * The chart scales with its card, text included: 11 units are 11 px on a desktop card but under
 * 6 px on a phone. Below 600 px wide the labels get 20 units (about 10.5 px at 390 px).
 */
const CHART_TEXT_CSS = ".rfm-chart text{font-size:11px}@media (max-width:600px){.rfm-chart text{font-size:20px}}";

export function TrendChart({ days, series, locale, label, backdatedThrough = null }: TrendChartProps) {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] || 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const dayMs = days.map((d) => Date.parse(`${d}T00:00:00Z`));
  const t0 = dayMs[0] ?? 0;
  const span = (dayMs[dayMs.length - 1] ?? 0) - t0;
  const x = (i: number) => PAD.left + (span > 0 ? ((dayMs[i] - t0) / span) * innerW : innerW / 2);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const labelDays = days.length <= 2 ? days.map((_, i) => i) : [0, Math.floor((days.length - 1) / 2), days.length - 1];
  // Font size comes from CHART_TEXT_CSS (by screen width), not from here.
  const text = { fill: "var(--p-color-text-secondary)", fontFamily: "var(--p-font-family-sans)" };
  // Index of the last backdated day (−1: none); that part of each line is dashed, the rest solid.
  const lastBackdated = backdatedThrough === null ? -1 : days.findLastIndex((d) => d <= backdatedThrough);
  const line = (values: number[], from: number, to: number) =>
    values
      .slice(from, to + 1)
      .map((v, i) => `${x(from + i).toFixed(1)},${y(v).toFixed(1)}`)
      .join(" ");

  return (
    <BlockStack gap="300">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} style={{ display: "block" }} className="rfm-chart">
        <title>{label}</title>
        <style>{CHART_TEXT_CSS}</style>
        {lastBackdated >= 0 && (
          <rect
            data-backdated
            x={x(0)}
            y={PAD.top}
            width={Math.max(0, x(lastBackdated) - x(0))}
            height={innerH}
            style={{ fill: "var(--p-color-bg-surface-secondary)" }}
          />
        )}
        {ticks.map((t) => (
          <g key={t}>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={y(t)}
              y2={y(t)}
              style={{ stroke: "var(--p-color-border-secondary)", strokeWidth: 1 }}
            />
            <text x={PAD.left - 8} y={y(t) + 4} textAnchor="end" style={text}>
              {formatNumber(t, locale, 1)}
            </text>
          </g>
        ))}
        {labelDays.map((i) => (
          <text
            key={days[i]}
            x={x(i)}
            y={H - 8}
            textAnchor={i === 0 && days.length > 1 ? "start" : i === days.length - 1 && days.length > 1 ? "end" : "middle"}
            style={text}
          >
            {formatDate(days[i], locale)}
          </text>
        ))}
        {series.map((s) =>
          s.values.length === 1 ? (
            <circle key={s.slug} cx={x(0)} cy={y(s.values[0])} r={4} style={{ fill: s.color }}>
              <title>{`${s.name}: ${formatNumber(s.values[0], locale)}`}</title>
            </circle>
          ) : (
            <g key={s.slug} data-series={s.slug}>
              {lastBackdated >= 0 && (
                <polyline
                  data-backdated
                  points={line(s.values, 0, Math.min(lastBackdated + 1, days.length - 1))}
                  style={{ fill: "none", stroke: s.color, strokeWidth: 2, strokeDasharray: "4 3", strokeLinejoin: "round" }}
                />
              )}
              {lastBackdated + 1 < days.length - 1 && (
                <polyline
                  points={line(s.values, lastBackdated + 1, days.length - 1)}
                  style={{ fill: "none", stroke: s.color, strokeWidth: 2, strokeLinejoin: "round", strokeLinecap: "round" }}
                />
              )}
              <title>{`${s.name}: ${formatNumber(s.values[s.values.length - 1], locale)} on ${formatDate(days[days.length - 1], locale)}`}</title>
            </g>
          ),
        )}
      </svg>
      {lastBackdated >= 0 && (
        <Text as="p" variant="bodySm" tone="subdued">
          {`Dashed, up to ${formatDate(days[lastBackdated], locale)}: computed from order history under today's rules, one point a week. After that: each day's scoring.`}
        </Text>
      )}
      <InlineStack gap="300" wrap>
        {series.map((s) => (
          <InlineStack key={s.slug} gap="100" blockAlign="center">
            <Swatch color={s.color} />
            <Text as="span" variant="bodySm" tone="subdued">
              {s.name}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
    </BlockStack>
  );
}
