/**
 * The personas a shop's customers can carry, as its settings define them (names,
 * colours, uses) with the names they have in the store (tag, segment). Customers may
 * still carry a slug the current map no longer has (settings changed, recompute
 * pending): those get a neutral entry instead of disappearing from the figures.
 */
import { compilePersonaMap, personaRulesFor } from "~/rfm";
import type { ShopSettings } from "~/settings/shop-settings";
import { personaTag, segmentName } from "~/writeback/naming";

export interface PersonaInfo {
  slug: string;
  name: string;
  color: string;
  description: string;
  uses: string[];
  /** The customer tag write-back puts on members, e.g. "rfm:champions". */
  tag: string;
  /** The native customer segment for the persona, e.g. "RFM: Champions". */
  segment: string;
  /** False for a slug customers carry that the current map no longer defines. */
  inMap: boolean;
}

export function personaCatalog(settings: ShopSettings): PersonaInfo[] {
  const map = compilePersonaMap(personaRulesFor(settings.personas));
  return map.personas.map((p) => ({
    slug: p.slug,
    name: p.name,
    color: p.color,
    description: p.description,
    uses: [...p.uses],
    tag: personaTag(settings.writeback, p.slug),
    segment: segmentName(p.name),
    inMap: true,
  }));
}

export function unknownPersona(settings: ShopSettings, slug: string): PersonaInfo {
  const name = slug
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
  return {
    slug,
    name,
    color: "#9E9E9E",
    description: "No longer in your persona map; the next recompute reassigns these customers.",
    uses: [],
    tag: personaTag(settings.writeback, slug),
    segment: segmentName(name),
    inMap: false,
  };
}

/** Catalog entries for the map plus any extra slugs found in the data, map order first. */
export function withDataSlugs(settings: ShopSettings, catalog: PersonaInfo[], slugs: Iterable<string>): PersonaInfo[] {
  const known = new Set(catalog.map((p) => p.slug));
  const extra: PersonaInfo[] = [];
  for (const slug of slugs) {
    if (!known.has(slug)) {
      known.add(slug);
      extra.push(unknownPersona(settings, slug));
    }
  }
  return [...catalog, ...extra];
}
