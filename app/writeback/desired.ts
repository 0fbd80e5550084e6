/**
 * What the store should carry for one scored customer (pure): exactly one persona label
 * (plus score labels when the merchant asks for them) and the persona fields.
 * A customer without a persona should carry nothing of ours.
 */
import { compilePersonaMap, isoDate, personaRulesFor, utcDay, type PersonaSettings } from "~/rfm";
import type { WritebackSettings } from "~/settings/shop-settings";
import { personaTag } from "./naming";
import { fieldId, shared, type StoreState } from "./state";
import { isGuestKey } from "~/rfm/customer-key";

/** The columns of a Customer row write-back reads. Dates are epoch milliseconds. */
export interface WritebackCustomer {
  customerKey: string;
  guest: boolean;
  persona: string | null;
  previousPersona: string | null;
  personaSince: number | null;
  r: number | null;
  f: number | null;
  m: number | null;
  scoredAt: number | null;
}

export interface DesiredContext {
  writeback: Pick<WritebackSettings, "tagPrefix" | "extraTags">;
  /** Display name of a persona slug in the shop's map. */
  personaName: (slug: string) => string;
  /** Where the store's writer keeps our fields (the place part of a field id). */
  fieldPlace: string;
  /** What the store can carry (the writer's capabilities); both by default. */
  carries?: { labels: boolean; fields: boolean };
  /** The shop's day of an instant (its time zone, decision 021); UTC days by default. */
  dayOf?: (ms: number) => number;
}

export type Writability = "writable" | "guest" | "not-a-customer";

/** Guests (keyed by email) have no customer record to write to; neither has a key the store's platform does not know. */
export function writability(
  customer: Pick<WritebackCustomer, "customerKey" | "guest">,
  isWritable: (customerKey: string) => boolean,
): Writability {
  if (customer.guest || isGuestKey(customer.customerKey)) return "guest";
  return isWritable(customer.customerKey) ? "writable" : "not-a-customer";
}

/** Persona names of the shop's map; a slug the map no longer has keeps its slug as name. */
export function personaNamesFor(personas: PersonaSettings): (slug: string) => string {
  const names = new Map(compilePersonaMap(personaRulesFor(personas)).personas.map((p) => [p.slug, p.name]));
  return (slug) => names.get(slug) ?? slug;
}

/** Extra labels for merchants who filter by single scores: "rfm:r5", "rfm:f4", "rfm:m5", "rfm:score:545". */
export function scoreTags(prefix: string, r: number, f: number, m: number): string[] {
  return [`${prefix}r${r}`, `${prefix}f${f}`, `${prefix}m${m}`, `${prefix}score:${r}${f}${m}`];
}

export function desiredState(customer: WritebackCustomer, ctx: DesiredContext): StoreState {
  const { persona } = customer;
  if (!persona) return { labels: [], fields: {}, persona: null };
  const { tagPrefix, extraTags } = ctx.writeback;
  // Always the writer's place: values a customer carries elsewhere (recorded in `written`,
  // e.g. under a retired setting) are deleted by the plan — the migration.
  const place = ctx.fieldPlace;
  const hasScores = customer.r !== null && customer.f !== null && customer.m !== null;

  const labels = [shared(personaTag({ tagPrefix }, persona))];
  if (extraTags && hasScores) {
    for (const label of scoreTags(tagPrefix, customer.r!, customer.f!, customer.m!)) {
      // A custom persona slug could spell a score label ("r5"); one copy is enough.
      if (!labels.some((t) => t.toLowerCase() === label.toLowerCase())) labels.push(label);
    }
  }

  const fields: Record<string, string> = {};
  const set = (key: string, value: string) => {
    fields[fieldId(place, key)] = value;
  };
  set("persona", ctx.personaName(persona));
  if (hasScores) {
    set("r_score", String(customer.r));
    set("f_score", String(customer.f));
    set("m_score", String(customer.m));
    set("score", shared(`${customer.r}${customer.f}${customer.m}`));
  }
  if (customer.previousPersona) set("previous_persona", ctx.personaName(customer.previousPersona));
  // The shop's days, as everywhere else in the app (snapshots, transitions).
  if (customer.personaSince !== null) set("persona_since", shared(isoDate((ctx.dayOf ?? utcDay)(customer.personaSince))));
  // Stryker disable next-line Regex: toISOString always ends in ".sssZ", so the pattern matches once at the end, anchored or not
  if (customer.scoredAt !== null) set("computed_at", shared(new Date(customer.scoredAt).toISOString().replace(/\.\d{3}Z$/, "Z")));
  // A store that cannot carry labels (or fields) gets none planned.
  return { labels: ctx.carries?.labels === false ? [] : labels, fields: ctx.carries?.fields === false ? {} : fields, persona };
}
