/**
 * The write-back plan for a whole shop (pure): which customers need which operations,
 * which are skipped and why, and which persona-changed triggers are still owed.
 */
import { desiredState, writability, type DesiredContext, type WritebackCustomer } from "./desired";
import { isEmptyPlan, operationsFor, targetState, type CustomerPlan } from "./plan";
import { fieldId, parseWritten, type PendingTrigger, type StoreState, type WrittenState } from "./state";

export interface CustomerRow extends WritebackCustomer {
  written: string | null;
  writeStatus: string | null;
  writeAttempts: number;
  /** Epoch ms of the day of the customer's last order: who just ordered is written first. */
  lastOrderAt?: number | null;
}

export interface WriteJob {
  customerKey: string;
  written: WrittenState | null;
  target: StoreState;
  plan: CustomerPlan;
  /** Planned by a full run (a resumed write re-derives the same operations). */
  full?: boolean;
}

/** A persona-changed trigger to send for a customer. */
export interface TriggerJob {
  customerKey: string;
  written: WrittenState;
  trigger: PendingTrigger;
}

/** The shop's view of its store while planning. */
export interface PlanContext extends DesiredContext {
  /** Whether the store can carry data for this customer key (the platform's ids). */
  isWritable: (customerKey: string) => boolean;
  /** Epoch ms the plan is made at: who ordered within JUST_ORDERED_MS of it goes first, longest waiting first. */
  nowMs?: number;
}

/**
 * Customers whose persona changed and whose last order is this recent "just ordered" (a last
 * order is stored as its day, so two days covers today in any time zone): they go first, the
 * one rescored earliest (scoredAt) first. Buyers of one day tie on their last order, and in key
 * order a buyer was overtaken by every later buyer with a lower key for as long as orders kept
 * coming faster than the store's rate limit let us write (decision 056).
 */
export const JUST_ORDERED_MS = 2 * 86_400_000;

export interface ShopPlanCounts {
  customers: number;
  /** Scored by email only: no customer record to write to. */
  guests: number;
  /** Keys that are not customer ids of the store's platform (e.g. data from another platform). */
  notWritable: number;
  unchanged: number;
  toWrite: number;
  /** Failed `maxAttempts` times in a row: left alone until a full run. */
  skippedFailing: number;
  /** Part of an unfinished write the writer resumes (e.g. a bulk write in flight). */
  pending: number;
}

export interface ShopPlan {
  /** Most urgent first (see byUrgency). */
  jobs: WriteJob[];
  triggers: TriggerJob[];
  counts: ShopPlanCounts;
}

export interface PlanOptions {
  /** Re-send every label and field we want (repairs edits made in the admin); still removes only our labels. */
  full?: boolean;
  maxAttempts?: number;
  /**
   * Persona field keys not to touch (e.g. the store defines the field with another type):
   * neither set nor deleted, so the rest of the customer is still written.
   */
  heldFieldKeys?: readonly string[];
}

/** The desired state with held keys left as we last wrote them (or absent). */
export function holdKeys(desired: StoreState, written: StoreState | null, held: readonly string[], place: string): StoreState {
  if (held.length === 0) return desired;
  const fields = { ...desired.fields };
  for (const key of held) {
    const id = fieldId(place, key);
    const before = written?.fields[id];
    if (before === undefined) delete fields[id];
    else fields[id] = before;
  }
  return { ...desired, fields };
}

/**
 * Persona changes of customers who just ordered (JUST_ORDERED_MS), longest waiting first; then
 * other persona changes, then score-only changes, each latest buyer first: the customer who
 * just ordered is the one the merchant (and a Flow) waits for, while an order that moves a
 * quintile edge re-scores hundreds who did nothing (docs/decisions/046, 056).
 * Stable, so equal urgency keeps the rows' order (customer key).
 */
function byUrgency(jobs: { job: WriteJob; lastOrderAt: number; scoredAt: number }[], nowMs: number | undefined): WriteJob[] {
  const personaMoves = (job: WriteJob) => (job.written?.persona ?? null) !== job.target.persona;
  const tierOf = (moves: boolean, lastOrderAt: number) => (!moves ? 2 : nowMs !== undefined && lastOrderAt >= nowMs - JUST_ORDERED_MS ? 0 : 1);
  return jobs
    .map((entry) => ({ ...entry, tier: tierOf(personaMoves(entry.job), entry.lastOrderAt) }))
    .sort((a, b) => a.tier - b.tier || (a.tier === 0 ? a.scoredAt - b.scoredAt : b.lastOrderAt - a.lastOrderAt))
    .map((entry) => entry.job);
}

/** One customer's part of a shop plan (see planShop). */
export type CustomerOutcome =
  | { kind: "guest" | "notWritable" | "pending" | "skippedFailing" }
  | { kind: "unchanged"; trigger: TriggerJob | null }
  | { kind: "write"; job: WriteJob };

/** What write-back would do for one customer: the same decision for a run's plan and for a summary of it. */
export function outcomeFor(row: CustomerRow, ctx: PlanContext, options: PlanOptions = {}): CustomerOutcome {
  const kind = writability(row, ctx.isWritable);
  if (kind === "guest") return { kind: "guest" };
  if (kind === "not-a-customer") return { kind: "notWritable" };
  const written = parseWritten(row.written);
  if (written?.transport !== undefined) return { kind: "pending" };
  if (!options.full && row.writeStatus === "failed" && row.writeAttempts >= (options.maxAttempts ?? 5)) return { kind: "skippedFailing" };
  const desired = holdKeys(desiredState(row, ctx), written, options.heldFieldKeys ?? [], ctx.fieldPlace);
  const target = targetState(desired, written);
  const plan = operationsFor(written, target, options.full);
  if (isEmptyPlan(plan)) {
    return { kind: "unchanged", trigger: written?.trigger ? { customerKey: row.customerKey, written, trigger: written.trigger } : null };
  }
  return { kind: "write", job: { customerKey: row.customerKey, written, target, plan, ...(options.full ? { full: true } : {}) } };
}

/** A shop's plan made one customer at a time (planShop over rows read in pages). */
export class ShopPlanner {
  private readonly counts: ShopPlanCounts = { customers: 0, guests: 0, notWritable: 0, unchanged: 0, toWrite: 0, skippedFailing: 0, pending: 0 };
  private readonly jobs: { job: WriteJob; lastOrderAt: number; scoredAt: number }[] = [];
  private readonly triggers: TriggerJob[] = [];

  constructor(
    private readonly ctx: PlanContext,
    private readonly options: PlanOptions = {},
  ) {}

  add(row: CustomerRow): void {
    this.counts.customers++;
    const outcome = outcomeFor(row, this.ctx, this.options);
    switch (outcome.kind) {
      case "guest":
        this.counts.guests++;
        break;
      case "notWritable":
        this.counts.notWritable++;
        break;
      case "pending":
        this.counts.pending++;
        break;
      case "skippedFailing":
        this.counts.skippedFailing++;
        break;
      case "unchanged":
        this.counts.unchanged++;
        if (outcome.trigger) this.triggers.push(outcome.trigger);
        break;
      case "write":
        this.counts.toWrite++;
        this.jobs.push({ job: outcome.job, lastOrderAt: row.lastOrderAt ?? -Infinity, scoredAt: row.scoredAt ?? 0 });
        break;
    }
  }

  /** The plan of the customers added, in the order they came (customer key) within each urgency. */
  plan(): ShopPlan {
    return { jobs: byUrgency(this.jobs, this.ctx.nowMs), triggers: this.triggers, counts: this.counts };
  }
}

export function planShop(rows: Iterable<CustomerRow>, ctx: PlanContext, options: PlanOptions = {}): ShopPlan {
  const planner = new ShopPlanner(ctx, options);
  for (const row of rows) planner.add(row);
  return planner.plan();
}
