/**
 * What the store should carry for one scored customer (pure): exactly one persona tag
 * (plus score tags when the merchant asks for them) and the persona metafields.
 * A customer without a persona should carry nothing of ours.
 */
import { compilePersonaMap, isoDate, personaRulesFor, utcDay, type PersonaSettings } from "~/rfm";
import type { WritebackSettings } from "~/settings/shop-settings";
import { metafieldId, PERSONA_NAMESPACE } from "./metafields";
import { personaTag } from "./naming";
import type { StoreState } from "./state";
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
}

export type Writability = "writable" | "guest" | "not-a-customer";

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/\d+$/;

/** Guests (keyed by email) have no customer record to write to; neither has anything that is not a customer GID. */
export function writability(customer: Pick<WritebackCustomer, "customerKey" | "guest">): Writability {
  if (customer.guest || isGuestKey(customer.customerKey)) return "guest";
  return CUSTOMER_GID.test(customer.customerKey) ? "writable" : "not-a-customer";
}

/** Persona names of the shop's map; a slug the map no longer has keeps its slug as name. */
export function personaNamesFor(personas: PersonaSettings): (slug: string) => string {
  const names = new Map(compilePersonaMap(personaRulesFor(personas)).personas.map((p) => [p.slug, p.name]));
  return (slug) => names.get(slug) ?? slug;
}

/** Extra tags for merchants who filter by single scores: "rfm:r5", "rfm:f4", "rfm:m5", "rfm:score:545". */
export function scoreTags(prefix: string, r: number, f: number, m: number): string[] {
  return [`${prefix}r${r}`, `${prefix}f${f}`, `${prefix}m${m}`, `${prefix}score:${r}${f}${m}`];
}

export function desiredState(customer: WritebackCustomer, ctx: DesiredContext): StoreState {
  const { persona } = customer;
  if (!persona) return { tags: [], metafields: {}, persona: null };
  const { tagPrefix, extraTags } = ctx.writeback;
  // Always the app-reserved namespace: the old `metafieldNamespace` setting is no longer read, and
  // values a customer carries elsewhere (recorded in `written`) are deleted by the plan — the migration.
  const ns = PERSONA_NAMESPACE;
  const hasScores = customer.r !== null && customer.f !== null && customer.m !== null;

  const tags = [personaTag({ tagPrefix }, persona)];
  if (extraTags && hasScores) {
    for (const tag of scoreTags(tagPrefix, customer.r!, customer.f!, customer.m!)) {
      // A custom persona slug could spell a score tag ("r5"); one copy is enough.
      if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) tags.push(tag);
    }
  }

  const metafields: Record<string, string> = {};
  const set = (key: string, value: string) => {
    metafields[metafieldId(ns, key)] = value;
  };
  set("persona", ctx.personaName(persona));
  if (hasScores) {
    set("r_score", String(customer.r));
    set("f_score", String(customer.f));
    set("m_score", String(customer.m));
    set("score", `${customer.r}${customer.f}${customer.m}`);
  }
  if (customer.previousPersona) set("previous_persona", ctx.personaName(customer.previousPersona));
  // Days are UTC days, as everywhere else in the app (snapshots, transitions).
  if (customer.personaSince !== null) set("persona_since", isoDate(utcDay(customer.personaSince)));
  if (customer.scoredAt !== null) set("computed_at", new Date(customer.scoredAt).toISOString().replace(/\.\d{3}Z$/, "Z"));
  return { tags, metafields, persona };
}
