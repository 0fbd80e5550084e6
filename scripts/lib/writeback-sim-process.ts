/**
 * The Shopify simulator in a process of its own, holding one shop of `customers` customers
 * (test/writeback/sim-client's simCustomers), for a benchmark that measures its own memory:
 * the simulator's store and its bulk runs are Shopify's memory, not the app's.
 * Sends { url, token } to the parent once it listens; runs until killed.
 */
import { startSimulator } from "../../sim/shopify";
import { simCustomers } from "../../test/writeback/sim-client";

const customers = Number(process.argv[2]);
const domain = process.argv[3] ?? "bench";
const sim = await startSimulator({ bulk: { delayMs: 500 }, shops: [{ domain, plan: "Standard", customers: simCustomers(customers) }] });
process.send!({ url: sim.url, token: sim.shop(domain).issueAccessToken() });
