/**
 * WooCommerce simulator — public entry point for tests, scripts and the demo. See README.md beside
 * this file; what it shares with sim/shopify is in sim/kit.
 */
export { startWooSimulator, type WooSimulator, type WooSimulatorOptions } from "./server";
export { WooShop } from "./shop";
export { generateWooSeed, type WooSeedData, type WooSeedOptions, type WooTruthOrder } from "./seed";
export { WooStore, WcError, DEFAULT_PRODUCTS, type NewOrder, type NewCustomer, type NewLine, type RefundInput, type StoreEvent } from "./store";
export { WooWebhooks, DEFAULT_WOO_DELIVERY, USER_AGENT, type DeliveryMode, type WooDeliverySettings } from "./webhooks";
export { signUrl, oauthHeader, oauthSignature } from "./auth";
export { phpJson, wcDate, orderPayload, customerPayload } from "./payloads";
export type { WcOrder, WcCustomer, WcWebhook, WcApiKey, WcRefund, WcLineItem, WcMeta, WcOrderStatus, KeyPermissions } from "./model";
export { createManualClock, systemClock, type Clock, type ManualClock } from "../kit/clock";
