/**
 * The customer metafields write-back maintains: key, type, and the name and description
 * a merchant reads in Settings → Custom data → Customers. Types are chosen so every one
 * can be used in customer segments and admin filters (text, number, date/time).
 * Keys are 2–64 characters in Shopify, hence `r_score` rather than `r`.
 *
 * They live in the app-reserved namespace `$app` (Shopify stores it as `app--<client id>`):
 * only this app can write them, merchants read them. Their definitions are declared in
 * shopify.app.toml (`[customer.metafields.app.<key>]`), which must agree with the list
 * below. See docs/decisions/009-metafield-ownership.md.
 */
import type { FieldWrite } from "~/writeback/plan";

/** Where persona metafields are written: the app-reserved namespace. */
export const PERSONA_NAMESPACE = "$app";

/** Where versions before app ownership wrote them (the merchant setting's default); migrated away by write-back. */
export const LEGACY_NAMESPACE = "rfm";

export type PersonaMetafieldKey =
  | "persona"
  | "r_score"
  | "f_score"
  | "m_score"
  | "score"
  | "previous_persona"
  | "persona_since"
  | "computed_at";

export interface PersonaMetafieldSpec {
  key: PersonaMetafieldKey;
  type: "single_line_text_field" | "number_integer" | "date" | "date_time";
  name: string;
  description: string;
}

export const PERSONA_METAFIELDS: readonly PersonaMetafieldSpec[] = [
  {
    key: "persona",
    type: "single_line_text_field",
    name: "RFM persona",
    description: "The customer's RFM persona, e.g. Champions or At Risk (set by RFM Personas).",
  },
  {
    key: "r_score",
    type: "number_integer",
    name: "RFM recency score",
    description: "1–5: how recently the customer bought (5 = most recent).",
  },
  {
    key: "f_score",
    type: "number_integer",
    name: "RFM frequency score",
    description: "1–5: how often the customer buys (5 = most often).",
  },
  {
    key: "m_score",
    type: "number_integer",
    name: "RFM monetary score",
    description: "1–5: how much the customer spends (5 = most).",
  },
  {
    key: "score",
    type: "single_line_text_field",
    name: "RFM score",
    description: "Recency, frequency and monetary scores together, e.g. 545.",
  },
  {
    key: "previous_persona",
    type: "single_line_text_field",
    name: "Previous RFM persona",
    description: "The persona the customer had before the current one.",
  },
  {
    key: "persona_since",
    type: "date",
    name: "RFM persona since",
    description: "The day the customer entered the current persona.",
  },
  {
    key: "computed_at",
    type: "date_time",
    name: "RFM computed at",
    description: "When the persona and scores shown here were computed (updated only when they change).",
  },
];

const TYPE_BY_KEY = new Map<string, PersonaMetafieldSpec["type"]>(PERSONA_METAFIELDS.map((m) => [m.key, m.type]));

/** The metafield type for one of our keys. Throws for keys we never write (a bug, not data). */
export function metafieldType(key: string): PersonaMetafieldSpec["type"] {
  const type = TYPE_BY_KEY.get(key);
  if (!type) throw new Error(`not a persona metafield key: ${key}`);
  return type;
}

/** A planned field write as metafieldsSet takes it: the place is the namespace, the type follows from the key. */
export function metafieldWrite(field: FieldWrite): { namespace: string; key: string; type: string; value: string } {
  return { namespace: field.place, key: field.key, type: metafieldType(field.key), value: field.value };
}
