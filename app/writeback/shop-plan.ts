/**
 * The write-back plan for a whole shop (pure): which customers need which operations,
 * which are skipped and why, and which Flow triggers are still owed.
 */
import { desiredState, writability, type DesiredContext, type WritebackCustomer } from "./desired";
import { isEmptyPlan, operationsFor, targetState, type CustomerPlan } from "./plan";
import { metafieldId, PERSONA_NAMESPACE } from "./metafields";
import { parseWritten, type PendingFlow, type StoreState, type WrittenState } from "./state";

export interface CustomerRow extends WritebackCustomer {
  written: string | null;
  writeStatus: string | null;
  writeAttempts: number;
}

export interface WriteJob {
  customerKey: string;
  written: WrittenState | null;
  target: StoreState;
  plan: CustomerPlan;
  /** Planned by a full run (a resumed bulk write re-derives the same operations). */
  full?: boolean;
}

export interface FlowJob {
  customerKey: string;
  written: WrittenState;
  flow: PendingFlow;
}

export interface ShopPlanCounts {
  customers: number;
  /** Scored by email only: no customer record to write to. */
  guests: number;
  /** Keys that are not Shopify customer ids (e.g. data from another platform). */
  notWritable: number;
  unchanged: number;
  toWrite: number;
  /** Failed `maxAttempts` times in a row: left alone until a full run. */
  skippedFailing: number;
  /** Part of an unfinished bulk write (resumed separately). */
  pending: number;
}

export interface ShopPlan {
  jobs: WriteJob[];
  flows: FlowJob[];
  counts: ShopPlanCounts;
}

export interface PlanOptions {
  /** Re-send every tag and metafield we want (repairs edits made in the admin); still removes only our tags. */
  full?: boolean;
  maxAttempts?: number;
  /**
   * Persona metafield keys not to touch (their definition in the store has another type):
   * neither set nor deleted, so the rest of the customer is still written.
   */
  heldMetafieldKeys?: readonly string[];
}

/** The desired state with held keys left as we last wrote them (or absent). */
export function holdKeys(desired: StoreState, written: StoreState | null, held: readonly string[]): StoreState {
  if (held.length === 0) return desired;
  const metafields = { ...desired.metafields };
  for (const key of held) {
    const id = metafieldId(PERSONA_NAMESPACE, key);
    const before = written?.metafields[id];
    if (before === undefined) delete metafields[id];
    else metafields[id] = before;
  }
  return { ...desired, metafields };
}

export function planShop(rows: Iterable<CustomerRow>, ctx: DesiredContext, options: PlanOptions = {}): ShopPlan {
  const maxAttempts = options.maxAttempts ?? 5;
  const counts: ShopPlanCounts = { customers: 0, guests: 0, notWritable: 0, unchanged: 0, toWrite: 0, skippedFailing: 0, pending: 0 };
  const jobs: WriteJob[] = [];
  const flows: FlowJob[] = [];
  for (const row of rows) {
    counts.customers++;
    const kind = writability(row);
    if (kind === "guest") {
      counts.guests++;
      continue;
    }
    if (kind === "not-a-customer") {
      counts.notWritable++;
      continue;
    }
    const written = parseWritten(row.written);
    if (written?.pending) {
      counts.pending++;
      continue;
    }
    if (!options.full && row.writeStatus === "failed" && row.writeAttempts >= maxAttempts) {
      counts.skippedFailing++;
      continue;
    }
    const desired = holdKeys(desiredState(row, ctx), written, options.heldMetafieldKeys ?? []);
    const target = targetState(desired, written);
    const plan = operationsFor(written, target, options.full);
    if (isEmptyPlan(plan)) {
      counts.unchanged++;
      if (written?.flow) flows.push({ customerKey: row.customerKey, written, flow: written.flow });
      continue;
    }
    counts.toWrite++;
    jobs.push({ customerKey: row.customerKey, written, target, plan, ...(options.full ? { full: true } : {}) });
  }
  return { jobs, flows, counts };
}
