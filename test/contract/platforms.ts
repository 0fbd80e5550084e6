/**
 * What the store-adapter contract suite needs from a platform: its simulator with a seeded
 * store, the app wired to it over real HTTP, and a way to act as the store (place and change
 * orders, read what a customer carries). One harness per platform; the suite is written only
 * against this interface, so a new platform registers a harness and passes it unchanged.
 */
import type { Platform } from "~/platforms/types";
import type { StorePersonaData } from "../support/persona-data";
import type { ExpectedOrder } from "../support/stored-orders";
import { shopifyPlatformHarness } from "./shopify";
import { wooCommercePlatformHarness } from "./woocommerce";

export interface PlatformHarness {
  readonly platform: Platform;
  /** Starts the platform's simulator with a store seeded from a dataset, and the app wired to it. */
  start(seed: { customers: number; seed: number }): Promise<void>;
  /** Connects the store to the app as a merchant would (install); the shop's id. */
  connect(): Promise<string>;
  /** Every order the store holds now, as the app must store it. */
  truthOrders(): ExpectedOrder[];
  /**
   * A buyer places an order in the store: a customer (by customer key) or a guest (by email).
   * The store sends its real signed webhook to the app. Returns the order's id.
   */
  placeOrder(buyer: { customerKey: string } | { email: string }, amountMinor: number): Promise<string>;
  /** The merchant cancels an order in the store; `announce: false` loses its webhooks. */
  cancelOrder(orderId: string, options: { announce: boolean }): Promise<void>;
  /** What the store carries on the customer (labels, our fields); null when it has no such customer. */
  personaDataOf(customerKey: string): StorePersonaData | null;
  /** Write requests the store has received so far. */
  writeRequests(): number;
  /** Lets the store's deliveries arrive and runs the app's due background jobs until none is left. */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

/** Every platform the suite runs for. */
export const PLATFORM_HARNESSES: (() => PlatformHarness)[] = [shopifyPlatformHarness, wooCommercePlatformHarness];
