/**
 * Merchant settings for RFM: what counts as an order (counting rules), how scores
 * are cut (scoring), and which persona each score cell gets (personas).
 *
 * Everything arriving from the settings page, the database or the CLI goes through
 * `parseSettings`, so the engine only ever sees a complete, valid object.
 */
import { z } from "zod";
import { slugify } from "./personas";

/**
 * Limits the engine and write-back rely on. The engine indexes personas in a byte
 * (255 = no persona), so a compiled map holds at most 250 personas, counting the
 * "Others" and "Lost" it adds (compilePersonaMap throws beyond that). Settings that
 * pass this schema always compile and score: see app/settings/shop-settings.property.test.ts.
 */
export const SETTINGS_LIMITS = {
  personas: 250,
  /** 125 score cells: a longer list only adds rules that can never apply. */
  personaRules: 250,
  slugLength: 60,
  compositeWeight: 1000,
  listEntries: 250,
  listEntryLength: 255,
} as const;

/** Slugs the engine gives its own personas: a custom rule must not take them where the engine adds them. */
const OTHERS_SLUG = "others";
const LOST_SLUG = "lost";

/** A persona's slug: lower-case words joined by single hyphens ("cant-lose-them"). */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const scoreSchema = z.number().int("scores are whole numbers 1–5").min(1, "scores run 1–5").max(5, "scores run 1–5");

/** An inclusive score range [lo, hi], e.g. [4, 5]. */
const scoreRangeSchema = z
  .tuple([scoreSchema, scoreSchema])
  .refine(([lo, hi]) => lo <= hi, { message: "the lower score must not be above the higher one" });

/**
 * Four strictly increasing thresholds cut a dimension into five scores with the
 * bin rule lower ≤ x < upper (see scoring.ts). Units: recency in days, frequency in
 * counted orders, monetary in minor units of the shop currency.
 */
const edgesSchema = z
  .array(z.number({ error: (issue) => (typeof issue.input === "number" ? "edges must be finite numbers" : undefined) }))
  .length(4, "enter exactly 4 edges (they divide customers into 5 scores)")
  .superRefine((edges, ctx) => {
    for (let i = 1; i < edges.length; i++) {
      if (!(edges[i] > edges[i - 1])) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "each edge must be higher than the one before" });
        return;
      }
    }
  });

function listSchema(what: string) {
  return z
    .array(
      z
        .string()
        .trim()
        .min(1, `${what} must not be empty`)
        .max(SETTINGS_LIMITS.listEntryLength, `${what} are at most ${SETTINGS_LIMITS.listEntryLength} characters`),
    )
    .max(SETTINGS_LIMITS.listEntries, `at most ${SETTINGS_LIMITS.listEntries} ${what}`);
}

export const countingRulesSchema = z
  .object({
    /** Subscription orders (renewals) and subscription line items don't count. */
    excludeSubscriptions: z.boolean().default(true),
    /**
     * Point-of-sale orders don't count. On by default (the product brief: "drop
     * subscription orders, POS orders and $0 items"): in-store buying is often
     * anonymous or staff-keyed and would blur online personas.
     */
    excludePos: z.boolean().default(true),
    /** $0 line items (free gifts, samples) don't count; an order left with none doesn't count. */
    excludeZeroPriceItems: z.boolean().default(true),
    excludeTest: z.boolean().default(true),
    excludeCancelled: z.boolean().default(true),
    /** Monetary is net of refunds; a fully refunded order doesn't count. */
    netRefunds: z.boolean().default(true),
    /** Customers are scored on their counted orders in the last N days; null = all time. */
    lookbackDays: z
      .number()
      .int("lookback window is a whole number of days")
      .min(1, "the lookback window is at least 1 day; to count every order, choose All time")
      .max(36_500, "the lookback window is at most 36,500 days; to count every order, choose All time")
      .nullable()
      .default(365),
    /** Orders carrying any of these tags don't count (case-insensitive, like Shopify tags). */
    excludedTags: listSchema("tags").default([]),
    /** Orders from these sales channels don't count (case-insensitive). */
    excludedChannels: listSchema("channels").default([]),
  })
  .strict();

// Bounded so wF·F + wM·M can never overflow to Infinity (a NaN score).
const compositeWeightSchema = z
  .number({ error: (issue) => (typeof issue.input === "number" ? "weights must be finite numbers" : undefined) })
  .min(0, "weights are at least 0")
  .max(SETTINGS_LIMITS.compositeWeight, `weights are at most ${SETTINGS_LIMITS.compositeWeight}`);

export const scoringSettingsSchema = z
  .object({
    /** "quantiles": quintiles over the customers in the lookback window; "edges": merchant thresholds. */
    mode: z.enum(["quantiles", "edges"]).default("quantiles"),
    edges: z.object({ r: edgesSchema, f: edgesSchema, m: edgesSchema }).partial().strict().optional(),
    /**
     * How quantiles mode cuts F: "balanced" fills every score while order counts last, ties
     * together (1 · 2 · 3 · 4–5 · 6+ orders on skewed data); "quintiles" is the plain tie-safe
     * rule, which can leave a whole F column empty. Absent = "balanced". See docs/decisions/024.
     */
    frequency: z.enum(["balanced", "quintiles"]).optional(),
    /** Optional weighted FM composite (Responsys-style): round((wF·F + wM·M) / (wF + wM)). */
    composite: z
      .object({ f: compositeWeightSchema, m: compositeWeightSchema })
      .strict()
      .refine((w) => w.f + w.m > 0, { message: "composite weights must not both be 0" })
      .optional(),
  })
  .strict()
  .superRefine((scoring, ctx) => {
    if (scoring.mode !== "edges") return;
    for (const dim of ["r", "f", "m"] as const) {
      if (!scoring.edges?.[dim]) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["edges", dim],
          message: "enter four edges here: they are required when you set your own edges",
        });
      }
    }
  });

export const personaRuleSchema = z
  .object({
    name: z.string().trim().min(1, "a persona needs a name").max(60),
    /** Stable id used in tags and metafields; derived from the name when absent. */
    slug: z
      .string()
      .min(1, "a slug must not be empty: its tags and segment are named after it")
      .max(SETTINGS_LIMITS.slugLength, `slug is at most ${SETTINGS_LIMITS.slugLength} characters`)
      .regex(SLUG_PATTERN, "a slug uses lower-case letters, digits and single hyphens only, e.g. big-spenders")
      .optional(),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, "use a colour code like #0B7A3E")
      .optional(),
    description: z.string().max(300).optional(),
    r: scoreRangeSchema,
    f: scoreRangeSchema,
    m: scoreRangeSchema,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.slug !== undefined) return;
    const derived = slugify(rule.name);
    if (derived === "") {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["slug"],
        message: "the name has no letters or digits to make a slug from: give a slug",
      });
    } else if (derived.length > SETTINGS_LIMITS.slugLength) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["slug"],
        message: `the slug made from the name is longer than ${SETTINGS_LIMITS.slugLength} characters: give a shorter slug`,
      });
    }
  });

function inRange(x: number, [lo, hi]: readonly [number, number]): boolean {
  return x >= lo && x <= hi;
}

/**
 * The whole-map checks compilePersonaMap relies on: how many personas it will hold
 * (distinct slugs, plus "Others" when cells are left unmatched and "Lost" when no
 * rule is Lost), and no rule taking the "others" slug the engine then adds itself.
 */
function checkPersonaMap(rules: readonly PersonaRule[], ctx: z.RefinementCtx): void {
  const slugs = rules.map((rule) => rule.slug ?? slugify(rule.name));
  let unmatched = 0;
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++)
      for (let m = 1; m <= 5; m++) {
        if (!rules.some((rule) => inRange(r, rule.r) && inRange(f, rule.f) && inRange(m, rule.m))) unmatched++;
      }
  const distinct = new Set(slugs);
  const personas = distinct.size + (unmatched > 0 ? 1 : 0) + (distinct.has(LOST_SLUG) ? 0 : 1);
  if (personas > SETTINGS_LIMITS.personas) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["rules"],
      message:
        `a persona map may define at most ${SETTINGS_LIMITS.personas} personas; this one makes ${personas}` +
        ` (${distinct.size} from its rules${unmatched > 0 ? ', "Others" for unmatched cells' : ""}${distinct.has(LOST_SLUG) ? "" : ', "Lost"'})`,
    });
  }
  if (unmatched > 0) {
    const i = slugs.indexOf(OTHERS_SLUG);
    if (i >= 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["rules", i, "slug"],
        message: `the slug "others" is kept for the ${unmatched} score cells no rule matches: choose another slug or cover every cell`,
      });
    }
  }
}

export const personaSettingsSchema = z
  .discriminatedUnion("map", [
    z.object({ map: z.literal("default") }).strict(),
    /** An ordered rule list: first match wins, unmatched cells become "Others". */
    z
      .object({
        map: z.literal("custom"),
        rules: z
          .array(personaRuleSchema)
          .min(1, "a custom map needs at least one rule")
          .max(SETTINGS_LIMITS.personaRules, `a custom map has at most ${SETTINGS_LIMITS.personaRules} rules`),
      })
      .strict(),
  ])
  .superRefine((settings, ctx) => {
    if (settings.map === "custom") checkPersonaMap(settings.rules, ctx);
  });

export const rfmSettingsSchema = z
  .object({
    rules: countingRulesSchema.prefault({}),
    scoring: scoringSettingsSchema.prefault({}),
    personas: personaSettingsSchema.prefault({ map: "default" }),
  })
  .strict();

export type CountingRules = z.infer<typeof countingRulesSchema>;
export type ScoringSettings = z.infer<typeof scoringSettingsSchema>;
export type ScoreRange = readonly [lo: number, hi: number];
export type PersonaRule = z.infer<typeof personaRuleSchema>;
export type PersonaSettings = z.infer<typeof personaSettingsSchema>;
export type RfmSettings = z.infer<typeof rfmSettingsSchema>;
/** What a settings form or JSON file may send: every field optional where a default exists. */
export type RfmSettingsInput = z.input<typeof rfmSettingsSchema>;

export interface SettingsError {
  /** Dotted path of the offending field, e.g. "scoring.edges.r" ("" for the whole object). */
  path: string;
  message: string;
}

export type ParseSettingsResult = { ok: true; settings: RfmSettings } | { ok: false; errors: SettingsError[] };

export function parseSettings(input: unknown): ParseSettingsResult {
  const parsed = rfmSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  };
}

/** "scoring.edges.r: each edge must be higher than the one before" — one line per error. */
export function formatSettingsErrors(errors: readonly SettingsError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("\n");
}

/** The settings a new shop starts with. */
export const DEFAULT_SETTINGS: RfmSettings = rfmSettingsSchema.parse({});
