/**
 * Shopify Admin simulator — public entry point for tests, the standalone script and other simulators.
 * See README.md beside this file and docs/decisions/003-shopify-simulator.md.
 */
export { startSimulator, DEFAULT_APP_SCOPES, type Simulator, type SimulatorOptions, type AppOptions, type SimulatorApp } from "./server";
export { SimShop, normaliseDomain, type ShopOptions, type PlanName } from "./shop";
export { createManualClock, systemClock, type Clock, type ManualClock } from "../kit/clock";
export { generateSeed, type SeedOptions, type SeedData } from "./seed";
export { defaultDatasetsDir, type Dataset } from "../kit/datasets";
export { DEFAULT_SHARES, type SeedShares, type SeedTruth, type TruthOrder, type TruthCustomer, type TruthLineItem } from "../kit/truth";
export { validateAdminDocument, loadAdminSchema, API_VERSION } from "./schema";
export { requestedQueryCost, actualQueryCost, MAX_QUERY_COST, MUTATION_COST } from "./cost";
export { PLAN_LIMITS, type ThrottleStatus, type BucketSettings } from "./throttle";
export type { FaultOptions } from "./faults";
export type { ShopStats, RequestRecord } from "./stats";
export { signSessionToken, verifySessionToken } from "./oauth";
export {
  webhookHmac,
  webhooksFromAppToml,
  type AppWebhookSubscription,
  type DeliveryRecord,
  type DeliveryBehavior,
  type DeliverySettings,
} from "./webhooks";
export { metafieldDefinitionsFromAppToml, type DeclaredMetafieldDefinition } from "./declared-definitions";
export type { NewOrder, NewCustomer, NewLineItem, RefundInput } from "./store";
export type { SimOrder, SimCustomer, SimLineItem, SimRefund, SimMetafield, SimBulkOperation } from "./model";
export type { BulkSettings, ChildOrder } from "./bulk";
export { gid, parseGid } from "./ids";
