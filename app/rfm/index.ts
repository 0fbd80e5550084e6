/**
 * RFM Personas — the pure core (no I/O). Start reading at engine.ts.
 */
export type { CanonicalLineItem, CanonicalOrder, Platform } from "./order";
export {
  DEFAULT_SETTINGS,
  formatSettingsErrors,
  parseSettings,
  rfmSettingsSchema,
  type CountingRules,
  type ParseSettingsResult,
  type PersonaRule,
  type PersonaSettings,
  type RfmSettings,
  type RfmSettingsInput,
  type ScoreRange,
  type ScoringSettings,
  type SettingsError,
} from "./settings";
export {
  applyRules,
  COUNTING_RULES,
  type ApplyRulesResult,
  type CountedOrder,
  type CountingRuleId,
  type RuleEffect,
  type RulesReport,
} from "./rules";
export {
  computeMetrics,
  countedOrderColumns,
  customerMetrics,
  mergeSameDayOrders,
  type CountedOrderColumns,
  type CustomerMetricColumns,
  type CustomerMetrics,
} from "./metrics";
export {
  compositeScore,
  quintileEdges,
  recencyQuintileEdges,
  recencyScoreByEdges,
  scoreByEdges,
  scoreMetrics,
  scoreRanges,
  type Dimension,
  type DimensionReport,
  type Edges,
  type ScoreBin,
  type ScoreColumns,
  type ScoringReport,
  type ValueRange,
} from "./scoring";
export {
  cellIndex,
  compilePersonaMap,
  DEFAULT_PERSONA_RULES,
  LOST_SLUG,
  OTHERS_PERSONA,
  PERSONAS,
  personaMapMarkdown,
  personaRulesFor,
  slugify,
  validatePersonaMap,
  type Cell,
  type CompiledPersonaMap,
  type Persona,
  type PersonaMapCheck,
  type Score,
} from "./personas";
export {
  customersMovedByEdges,
  NO_PERSONA,
  scoreCountedOrders,
  scoreCustomers,
  type LookbackWindowReport,
  type PersonaCount,
  type RfmReport,
  type RfmResult,
  type ScoredCustomer,
  type ScoredCustomerColumns,
  type ScoreReport,
} from "./engine";
export { summarizePersonas, type PersonaSummary } from "./summary";
export { guestEmail, guestKey, isGuestKey } from "./customer-key";
export { DAY_MS, isoDate, utcDay, windowStartDay } from "./days";
export { isKnownTimeZone, shopDayOf, type DayOf } from "./zoned-days";
export {
  parseDay,
  parseMinorUnits,
  parseOrderTable,
  type Delimiter,
  type OrderTable,
  type OrderTableIssue,
  type OrderTableOptions,
  type ParseOrderTableResult,
} from "./order-table";
