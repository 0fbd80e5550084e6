/**
 * The "RFM persona changed" Flow trigger: its handle and payload keys, which must match
 * extensions/rfm-persona-changed/shopify.extension.toml exactly (a test parses the TOML).
 * Flow wants the customer reference as `customer_id`, the numeric customer id.
 */
import type { PendingTrigger } from "~/writeback/state";
import { legacyId } from "../ids";

export const FLOW_TRIGGER_HANDLE = "rfm-persona-changed";

/** Custom field keys: Flow allows letters and spaces only. */
export const FLOW_FIELDS = {
  previousPersona: "previous persona",
  newPersona: "new persona",
  score: "rfm score",
} as const;

export type FlowPayload = {
  customer_id: number;
} & Record<(typeof FLOW_FIELDS)[keyof typeof FLOW_FIELDS], string>;

export function flowPayload(customerKey: string, flow: PendingTrigger): FlowPayload {
  const id = legacyId(customerKey);
  if (id === null) throw new Error(`not a customer id: ${customerKey}`);
  return {
    customer_id: Number(id),
    [FLOW_FIELDS.previousPersona]: flow.from,
    [FLOW_FIELDS.newPersona]: flow.to,
    [FLOW_FIELDS.score]: flow.score,
  } as FlowPayload;
}
