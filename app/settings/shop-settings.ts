/**
 * Everything a merchant can set, as stored in Shop.settings: the RFM settings
 * (counting rules, scoring, personas — app/rfm/settings.ts) plus how personas are
 * written back to the store. Pure; validated with zod; errors name the field.
 */
import { z } from "zod";
import { rfmSettingsSchema, type RfmSettings, type SettingsError } from "~/rfm";

export const writebackSettingsSchema = z
  .object({
    /** Write personas to the store at all (tags, metafields, segments, Flow). */
    enabled: z.boolean().default(true),
    /** Persona tag = prefix + persona slug, e.g. "rfm:champions". */
    tagPrefix: z
      .string()
      .max(20, "tag prefix is at most 20 characters")
      .regex(/^[A-Za-z0-9:_\-]*$/, "tag prefix may use letters, digits, ':', '_' and '-' only")
      .default("rfm:"),
    /** Metafield namespace for persona, scores and history on customers. */
    metafieldNamespace: z
      .string()
      .min(2, "metafield namespace needs at least 2 characters")
      .max(20, "metafield namespace is at most 20 characters")
      .regex(/^[a-z0-9_\-]+$/, "metafield namespace is lower-case letters, digits, '_' and '-'")
      .default("rfm"),
    /** Also tag score details (e.g. "rfm:r5", "rfm:score:545"). Off by default: tags are a shared space. */
    extraTags: z.boolean().default(false),
  })
  .strict();

export const shopSettingsSchema = rfmSettingsSchema.extend({ writeback: writebackSettingsSchema.prefault({}) });

export type WritebackSettings = z.infer<typeof writebackSettingsSchema>;
export type ShopSettings = z.infer<typeof shopSettingsSchema>;
export type ShopSettingsInput = z.input<typeof shopSettingsSchema>;

export type ParseShopSettingsResult = { ok: true; settings: ShopSettings } | { ok: false; errors: SettingsError[] };

export function parseShopSettings(input: unknown): ParseShopSettingsResult {
  const parsed = shopSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  };
}

/** The RFM part, for the engine. */
export function rfmPart({ rules, scoring, personas }: ShopSettings): RfmSettings {
  return { rules, scoring, personas };
}

export const DEFAULT_SHOP_SETTINGS: ShopSettings = shopSettingsSchema.parse({});
