/**
 * The platform-neutral simulator kit: what every platform's simulator (sim/shopify/, next
 * sim/woocommerce/) builds on. Nothing here names a platform's fields, ids or headers.
 */
export { createManualClock, systemClock, type Clock, type ManualClock } from "./clock";
export { createRandom, hashSeed, type Random } from "./random";
export { RequestFaults, type HttpFault, type RequestFaultOptions } from "./faults";
export { centsToDecimal, decimalToCents } from "./money";
export { localToUtc, zoneOffsetMinutes } from "./time-zones";
export {
  DeliveryEngine,
  hmacBase64,
  type DeliveryAttempt,
  type DeliveryBehavior,
  type DeliveryRecord,
  type DeliverySettings,
} from "./webhook-delivery";
export {
  DATASET_SHOPS,
  datasetDrafts,
  defaultDatasetsDir,
  placeDrafts,
  readCdnow,
  readOnlineRetail,
  type CdnowRow,
  type Dataset,
  type DraftLine,
  type DraftOrder,
  type RetailRow,
  type TimedDraft,
} from "./datasets";
export {
  buildTruth,
  DEFAULT_SHARES,
  type SeedShares,
  type SeedTruth,
  type TruthCounts,
  type TruthCustomer,
  type TruthLineItem,
  type TruthOrder,
} from "./truth";
export { parseJsonl, startReceiver, type Received } from "./receiver";
