/**
 * Write-back waits for the merchant's go-ahead (platform-neutral). `writebackGate` is asked
 * by every run and by store setup before anything is written; `writebackSummary` computes
 * what the first write would change from the same plan a run uses, so the consent step
 * shows real numbers; `approveWriteback` / `pauseWriteback` are what the dashboard and the
 * settings page call. See docs/decisions/016-write-consent.md.
 */
import type { Db } from "~/db/index.server";
import type { JobQueue } from "~/jobs/queue.server";
import type { CustomerIds, WriterCapabilities } from "~/platforms/types";
import { compilePersonaMap, personaRulesFor } from "~/rfm";
import { enableWriteback, shopSettings } from "~/shops/settings.server";
import { setWriteConsent, writeConsent, type WriteConsent, type WriteConsentState } from "~/shops/write-consent.server";
import { personaNamesFor, writability, type Writability } from "./desired";
import { personaTag, segmentName } from "./naming";
import { outcomeFor, type CustomerOutcome, type CustomerRow } from "./shop-plan";
import { isEmptyState, parseWritten } from "./state";
import { eachNeverWrittenCustomer, eachWrittenCustomer, eachWrittenState, hasFinishedRun, type NeverWrittenCustomer } from "./store.server";

export type WritebackGate =
  | { allowed: true }
  /** disabled: turned off in the settings; the others: the merchant's consent (WriteConsentState). */
  | { allowed: false; reason: "disabled" | Exclude<WriteConsentState, "granted"> };

/** Whether write-back may touch the store now: turned on in the settings and approved by the merchant. */
export async function writebackGate(db: Db, shopId: string): Promise<WritebackGate> {
  const consent = await writeConsent(db, shopId);
  if (consent.state !== "granted") return { allowed: false, reason: consent.state };
  if (!(await shopSettings(db, shopId)).writeback.enabled) return { allowed: false, reason: "disabled" };
  return { allowed: true };
}

/** What the next write-back would change in the store, from the plan a run would make. */
export interface WritebackSummary {
  /** What the store can carry (labels, fields, segments, persona-changed trigger). */
  carries: WriterCapabilities;
  /** Customers who would be written to at all. */
  customers: number;
  /** Customers who would get a persona label added. */
  customersLabelled: number;
  /** Customers who would get persona fields set. */
  customersWithFields: number;
  /** The field keys that would be set (e.g. persona, r_score). */
  fieldKeys: string[];
  /** A label as customers would carry it (e.g. "rfm:champions"), or null. */
  exampleLabel: string | null;
  /** Saved segments that would be created (one per persona), and their names. */
  segmentsToCreate: string[];
  /** Persona-changed triggers the run would send (none on a shop's first write-back). */
  personaChangedTriggers: number;
  /** Scored guests: no customer record, nothing written. */
  guests: number;
}

/** What the store can carry and which customer keys it can write: the platform's adapter parts a summary needs. */
export interface SummaryStore {
  customers: Pick<CustomerIds, "isWritable">;
  writer: { capabilities: WriterCapabilities };
}

// Only field keys are reported, so the place a writer keeps fields under does not matter here.
const SUMMARY_PLACE = "store";

/** What one customer adds to a summary. */
interface SummaryPart {
  guest: boolean;
  write: boolean;
  labelled: boolean;
  withFields: boolean;
  fieldKeys: readonly string[];
  /** The persona differs from the one last written (the writer sends a trigger for it). */
  changedPersona: boolean;
  /** Unchanged, with a persona-changed trigger still owed. */
  owedTrigger: boolean;
  firstLabel: string | null;
}

function summaryPart(outcome: CustomerOutcome): SummaryPart {
  const part: SummaryPart = { guest: outcome.kind === "guest", write: false, labelled: false, withFields: false, fieldKeys: [], changedPersona: false, owedTrigger: false, firstLabel: null };
  if (outcome.kind === "unchanged") part.owedTrigger = outcome.trigger !== null;
  if (outcome.kind !== "write") return part;
  const { plan, written, target } = outcome.job;
  return {
    ...part,
    write: true,
    labelled: plan.labelsAdd.length > 0,
    withFields: plan.fieldsSet.length > 0,
    fieldKeys: plan.fieldsSet.map((f) => f.key),
    // As the writer decides (settleCustomer): a customer whose persona differs from the one last written.
    changedPersona: (written?.persona ?? null) !== target.persona,
    firstLabel: plan.labelsAdd[0] ?? null,
  };
}

/**
 * A customer nothing was ever written to stands in for every customer of its shape: what a
 * summary counts of a plan (written or not, labelled, which field keys, a persona change)
 * follows from which of its values are there, not from the values, so its plan is made from
 * placeholders in their place.
 */
function shapeKey(c: NeverWrittenCustomer, kind: Writability): string {
  return `${kind}|${c.persona ?? ""}|${+c.hasScores}${+c.hasPreviousPersona}${+c.hasPersonaSince}${+c.hasScoredAt}|${c.failedAttempts ?? ""}`;
}

function placeholderRow(c: NeverWrittenCustomer): CustomerRow {
  return {
    customerKey: c.customerKey,
    guest: c.guest,
    persona: c.persona,
    previousPersona: c.hasPreviousPersona ? c.persona : null,
    personaSince: c.hasPersonaSince ? 0 : null,
    r: c.hasScores ? 1 : null,
    f: c.hasScores ? 1 : null,
    m: c.hasScores ? 1 : null,
    scoredAt: c.hasScoredAt ? 0 : null,
    written: null,
    writeStatus: c.failedAttempts === null ? null : "failed",
    writeAttempts: c.failedAttempts ?? 0,
  };
}

/**
 * What approving would write, counted over the shop's customers one at a time through the
 * plan's own per-customer decision (outcomeFor). Planning the whole shop as a run does (an
 * object per customer to write, sorted by urgency) took 3–4 s and hundreds of MB in the web
 * process for 337k customers, on every dashboard load while the go-ahead was pending. Customers
 * never written to (all of them at install) are read as which values they have and planned
 * once per shape; those with a stored state are planned one by one.
 */
export async function writebackSummary(db: Db, shopId: string, store: SummaryStore): Promise<WritebackSummary> {
  const settings = await shopSettings(db, shopId);
  const carries = store.writer.capabilities;
  const isWritable = (key: string) => store.customers.isWritable(key);
  const ctx = {
    writeback: settings.writeback,
    personaName: personaNamesFor(settings.personas),
    fieldPlace: SUMMARY_PLACE,
    isWritable,
    carries,
  };
  const fieldKeys = new Set<string>();
  let customers = 0;
  let labelled = 0;
  let withFields = 0;
  let changedPersona = 0;
  let owedTriggers = 0;
  let guests = 0;
  let exampleLabel: string | null = null;
  const add = (part: SummaryPart) => {
    if (part.guest) guests++;
    if (part.owedTrigger) owedTriggers++;
    if (!part.write) return;
    customers++;
    if (part.labelled) labelled++;
    if (part.withFields) withFields++;
    for (const key of part.fieldKeys) fieldKeys.add(key);
    if (part.changedPersona) changedPersona++;
    exampleLabel ??= part.firstLabel;
  };
  const shapes = new Map<string, SummaryPart>();
  await eachNeverWrittenCustomer(db, shopId, (c) => {
    const shape = shapeKey(c, writability(c, isWritable));
    let part = shapes.get(shape);
    if (!part) shapes.set(shape, (part = summaryPart(outcomeFor(placeholderRow(c), ctx))));
    add(part);
  });
  await eachWrittenCustomer(db, shopId, (row) => add(summaryPart(outcomeFor(row, ctx))));
  const personas = compilePersonaMap(personaRulesFor(settings.personas)).personas;
  const haveSegment = new Set(
    ((await db.prepare(`SELECT persona FROM "PersonaSegment" WHERE shopId = ?`).pluck().all(shopId)) as string[]) ?? [],
  );
  const triggers = carries.personaChangedTrigger && (await hasFinishedRun(db, shopId)) ? changedPersona + owedTriggers : 0;
  return {
    carries,
    customers,
    customersLabelled: labelled,
    customersWithFields: withFields,
    fieldKeys: [...fieldKeys],
    exampleLabel: exampleLabel ?? (carries.labels && personas[0] ? personaTag(settings.writeback, personas[0].slug) : null),
    segmentsToCreate: carries.segments ? personas.filter((p) => !haveSegment.has(p.slug)).map((p) => segmentName(p.name)) : [],
    personaChangedTriggers: triggers,
    guests,
  };
}

/** What the dashboard shows about write-back's go-ahead. */
export interface WritebackConsentView {
  consent: WriteConsent;
  /** Turned off in the settings (the gate stays closed even with consent). */
  enabled: boolean;
  /**
   * What approving would change, still being counted: the page streams it in (decision 071),
   * since the count reads every customer of the shop (seconds at 1M customers) and nothing
   * else on the dashboard depends on it. Null once approved, and while the shop's first scoring
   * runs, when the guide waits and there is nothing yet to count.
   */
  summary: Promise<WritebackSummary> | null;
}

export async function writebackConsentView(
  db: Db,
  shopId: string,
  store: SummaryStore,
  { firstScoring = false }: { firstScoring?: boolean } = {},
): Promise<WritebackConsentView> {
  const consent = await writeConsent(db, shopId);
  const settings = await shopSettings(db, shopId);
  const summary = consent.state === "granted" || firstScoring ? null : sharedSummary(db, shopId, store, JSON.stringify(settings));
  return { consent, enabled: settings.writeback.enabled, summary };
}

/**
 * Counts under way, one per shop and settings. The dashboard revalidates every few seconds
 * while the shop is busy and no longer waits for the count, so a count that takes longer than
 * that would otherwise start again beside itself at every revalidation. A page that joins one
 * gets customers as they were when it began: seconds earlier, under the same settings.
 */
const counting = new Map<string, Promise<WritebackSummary>>();

function sharedSummary(db: Db, shopId: string, store: SummaryStore, settingsKey: string): Promise<WritebackSummary> {
  const key = `${shopId}\n${settingsKey}`;
  let count = counting.get(key);
  if (!count) {
    count = writebackSummary(db, shopId, store).finally(() => counting.delete(key));
    // Whoever renders it reports a failure; until then it must not count as unhandled.
    count.catch(() => {});
    counting.set(key, count);
  }
  return count;
}

export interface ConsentDeps {
  db: Db;
  queue: JobQueue;
  now?: () => Date;
}

/**
 * The merchant approved writing to their store: consent is recorded with its time,
 * write-back is turned on and a run is queued (it sets the store up, then writes).
 * Approving while the import is still running writes once customers are scored.
 */
export async function approveWriteback(shopId: string, { db, queue, now = () => new Date() }: ConsentDeps): Promise<void> {
  await db.transaction(async () => {
    await setWriteConsent(db, shopId, "granted", now());
    await enableWriteback(db, shopId, now());
  });
  // Before the first scoring there is nothing to write: the recompute that ends the import queues
  // the run. Once scored (even a store without customers), the run marks the shop's first
  // write-back — the one that sends no persona-changed triggers — so later changes do send them.
  const scored =
    (await db.prepare(`SELECT 1 FROM "SyncState" WHERE shopId = ? AND lastRecomputeAt IS NOT NULL`).get(shopId)) ??
    (await db.prepare(`SELECT 1 FROM "Customer" WHERE shopId = ? AND scoredAt IS NOT NULL LIMIT 1`).get(shopId));
  if (scored) await queue.enqueue("writeback", shopId);
}

/**
 * The merchant paused write-back (or removed persona data: `removed`): nothing more is
 * written until they approve again on the dashboard. What is in the store stays.
 */
export async function pauseWriteback(shopId: string, { db, now = () => new Date() }: Omit<ConsentDeps, "queue">, state: "paused" | "removed" = "paused"): Promise<void> {
  await setWriteConsent(db, shopId, state, now());
}

/** What "Remove all persona data" would take out of the store (the confirmation says it). */
export interface RemovalSummary {
  carries: WriterCapabilities;
  /** Customers carrying labels or fields we wrote. */
  customers: number;
  /** Saved segments we created or adopted. */
  segments: number;
}

export async function removalSummary(db: Db, shopId: string, store: Pick<SummaryStore, "writer">): Promise<RemovalSummary> {
  let customers = 0;
  await eachWrittenState(db, shopId, (written) => {
    if (!isEmptyState(parseWritten(written))) customers++;
  });
  const segments = store.writer.capabilities.segments
    ? ((await db.prepare(`SELECT count(*) FROM "PersonaSegment" WHERE shopId = ?`).pluck().get(shopId)) as number)
    : 0;
  return { carries: store.writer.capabilities, customers, segments };
}
