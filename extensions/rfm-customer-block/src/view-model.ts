/**
 * The customer block's logic, pure so vitest covers it: read the persona metafields
 * write-back maintains (app/platforms/shopify/writeback/metafields.ts) into what the block shows.
 * Write-back keeps them in the app-reserved namespace (`$app`, which the API reports as
 * `app--<client id>`); customers not yet migrated still carry them under the old merchant
 * namespace ("rfm" by default), so the block prefers ours and falls back to the one that
 * carries a `persona` key.
 */

/** Read with the extension's Admin API access (shopify.query). */
export const CUSTOMER_PERSONA_QUERY = `query RfmCustomerPersona($id: ID!) {
  customer(id: $id) {
    id
    metafields(first: 50) { nodes { namespace key value } }
  }
}`;

export interface MetafieldValue {
  namespace: string;
  key: string;
  value: string;
}

export interface PersonaView {
  namespace: string | null;
  persona: string | null;
  tone: "success" | "info" | "caution" | "warning" | "critical" | "neutral";
  scores: { r: number | null; f: number | null; m: number | null };
  /** "R 5 · F 4 · M 5" */
  scoreLabel: string | null;
  previousPersona: string | null;
  /** "Since 1 Nov 2026 (12 days)" */
  sinceLabel: string | null;
  /** "Computed 2 Nov 2026, 06:00 UTC" */
  computedLabel: string | null;
  /** Where the app shows the customer (App Bridge resolves `app:` links inside the admin). */
  appUrl: string;
}

const DAY_MS = 86_400_000;
/** Before app ownership, the default merchant namespace (docs/decisions/009-metafield-ownership.md). */
const LEGACY_NAMESPACE = "rfm";
const isAppReserved = (namespace: string) => namespace.startsWith("app--");

/** Tones for the built-in personas; custom ones are neutral information. */
const TONES: Record<string, PersonaView["tone"]> = {
  champions: "success",
  loyal: "success",
  "potential loyalist": "success",
  "new customers": "info",
  promising: "info",
  "need attention": "caution",
  "about to sleep": "caution",
  "at risk": "warning",
  "can't lose them": "critical",
  hibernating: "neutral",
  lost: "neutral",
};

export function personaTone(name: string | null): PersonaView["tone"] {
  if (!name) return "neutral";
  return TONES[name.trim().toLowerCase().replace(/’/g, "'")] ?? "info";
}

/**
 * The namespace our metafields live in: among those with a `persona` key, the app-reserved
 * one (only this app's is visible to it), else the legacy "rfm", else the first by name.
 */
export function pickNamespace(metafields: readonly MetafieldValue[]): string | null {
  const candidates = [...new Set(metafields.filter((m) => m.key === "persona" && m.value.trim()).map((m) => m.namespace))].sort();
  if (candidates.length === 0) return null;
  return candidates.find(isAppReserved) ?? (candidates.includes(LEGACY_NAMESPACE) ? LEGACY_NAMESPACE : candidates[0]);
}

function score(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return n >= 1 && n <= 5 ? n : null;
}

/** "2026-11-01" → "1 Nov 2026" (the date is a calendar day: formatted in UTC so it never shifts). */
export function formatDay(day: string, locale = "en-GB"): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const date = new Date(`${day}T00:00:00Z`);
  // Rejects impossible days ("2026-02-30") that Date would roll over.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) return null;
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(date);
}

function formatInstant(iso: string, locale: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(date);
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "UTC" }).format(date);
  return `${day}, ${time} UTC`;
}

function daysLabel(days: number): string {
  return days === 1 ? "1 day" : `${days} days`;
}

/** The app's customer list searched for this customer (app/routes/app.customers._index.tsx, `q`). */
export function appUrl(customerId: string | undefined): string {
  return customerId ? `app:/app/customers?q=${encodeURIComponent(customerId)}` : "app:/app";
}

export function personaView(
  metafields: readonly MetafieldValue[],
  options: { now: Date; customerId?: string; locale?: string },
): PersonaView {
  const locale = options.locale ?? "en-GB";
  const namespace = pickNamespace(metafields);
  const values = new Map(metafields.filter((m) => m.namespace === namespace).map((m) => [m.key, m.value]));
  const persona = values.get("persona")?.trim() || null;
  const scores = { r: score(values.get("r_score")), f: score(values.get("f_score")), m: score(values.get("m_score")) };
  const hasScores = scores.r !== null && scores.f !== null && scores.m !== null;

  let sinceLabel: string | null = null;
  const since = values.get("persona_since");
  const sinceText = since ? formatDay(since, locale) : null;
  if (since && sinceText) {
    const days = Math.max(0, Math.floor((options.now.getTime() - Date.parse(`${since}T00:00:00Z`)) / DAY_MS));
    sinceLabel = `Since ${sinceText} (${daysLabel(days)})`;
  }
  const computed = values.get("computed_at");
  const computedText = computed ? formatInstant(computed, locale) : null;

  return {
    namespace,
    persona,
    tone: personaTone(persona),
    scores,
    scoreLabel: hasScores ? `R ${scores.r} · F ${scores.f} · M ${scores.m}` : null,
    previousPersona: persona ? values.get("previous_persona")?.trim() || null : null,
    sinceLabel: persona ? sinceLabel : null,
    computedLabel: persona && computedText ? `Computed ${computedText}` : null,
    appUrl: appUrl(options.customerId),
  };
}
