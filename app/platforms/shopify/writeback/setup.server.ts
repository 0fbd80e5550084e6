/**
 * Store setup for write-back, run at install and whenever write-back or persona settings
 * change: a metafield definition per persona metafield (so merchants can filter and build
 * segments on them) and one native customer segment per persona, on its tag.
 *
 * Definitions live in the app-reserved namespace `$app` and are declared in
 * shopify.app.toml, so Shopify normally has them in place; setup checks them and creates
 * any that are missing (an app version deployed without them). A definition that exists
 * with another type is never reused: it is reported as a conflict and write-back leaves
 * that key alone (docs/decisions/009-metafield-ownership.md).
 * Idempotent: segments are remembered in PersonaSegment and also found by name, so
 * installing twice never duplicates them; renamed or redefined personas update their segment.
 */
import { compilePersonaMap, personaRulesFor } from "~/rfm";
import { shopSettings } from "~/shops/settings.server";
import { dataOf, resilient, type AdminGraphql, type AdminStats, type GraphqlResponse } from "~/platforms/shopify/admin-graphql.server";
import type { Db } from "~/db/index.server";
import {
  METAFIELD_DEFINITION_CREATE,
  METAFIELD_DEFINITIONS,
  SEGMENT_CREATE,
  SEGMENT_DELETE,
  SEGMENT_UPDATE,
  SEGMENTS_BY_ID,
  SEGMENTS_LIST,
} from "./documents";
import { PERSONA_METAFIELDS, PERSONA_NAMESPACE, type PersonaMetafieldSpec } from "./metafields";
import { personaTag, segmentName } from "~/writeback/naming";
import { writebackGate } from "~/writeback/consent.server";
import type { SetupOutcome } from "~/writeback/run.server";

export interface SetupDeps {
  db: Db;
  /** The shop's Admin API client; wrapped in resilient() here. */
  graphql: AdminGraphql;
  stats?: AdminStats;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface DefinitionConflict {
  key: string;
  /** The namespace as Shopify reports it (app--<client id>). */
  namespace: string;
  expectedType: string;
  actualType: string;
}

export interface SetupReport {
  /** Why nothing was done (write-back off, or not a Shopify shop). */
  skipped?: string;
  namespace: string;
  definitions: {
    created: string[];
    existing: string[];
    notFilterable: string[];
    failed: { key: string; message: string }[];
    /** Defined in the store with another type: not reused, not written. */
    conflicts: DefinitionConflict[];
  };
  segments: {
    created: string[];
    updated: string[];
    unchanged: string[];
    /** Found by name (e.g. the app's database was reset) and taken over. */
    adopted: string[];
    /** Segments of personas the map no longer has, deleted. */
    removed: string[];
    failed: { persona: string; message: string }[];
  };
}

interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

interface Segment {
  id: string;
  name: string;
  query: string;
}

type SegmentPage = { segments: { nodes: Segment[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

const CAPABILITY_ERRORS = new Set(["OWNER_TYPE_LIMIT_EXCEEDED_FOR_USE_AS_ADMIN_FILTERS", "INVALID_CAPABILITY"]);

interface ExistingDefinition {
  key: string;
  namespace: string;
  type: { name: string };
  capabilities: { adminFilterable: { enabled: boolean } };
}

async function createDefinition(graphql: AdminGraphql, spec: PersonaMetafieldSpec, filterable: boolean): Promise<UserError[]> {
  const response = await graphql<{ metafieldDefinitionCreate: { createdDefinition: { id: string } | null; userErrors: UserError[] } }>(
    METAFIELD_DEFINITION_CREATE,
    {
      definition: {
        name: spec.name,
        namespace: PERSONA_NAMESPACE,
        key: spec.key,
        type: spec.type,
        description: spec.description,
        ownerType: "CUSTOMER",
        // Merchants read (customer page, filters, segments); only this app writes.
        access: { admin: "MERCHANT_READ" },
        ...(filterable ? { capabilities: { adminFilterable: { enabled: true } } } : {}),
      },
    },
  );
  return dataOf(response, "metafieldDefinitionCreate").metafieldDefinitionCreate.userErrors;
}

async function readDefinitions(graphql: AdminGraphql): Promise<Map<string, ExistingDefinition>> {
  const response = await graphql<{ metafieldDefinitions: { nodes: ExistingDefinition[] } }>(METAFIELD_DEFINITIONS, {
    namespace: PERSONA_NAMESPACE,
  });
  return new Map(dataOf(response, "metafieldDefinitions").metafieldDefinitions.nodes.map((d) => [d.key, d]));
}

/** A definition we can use as it is, or the conflict that stops us from using it. */
function checkExisting(spec: PersonaMetafieldSpec, found: ExistingDefinition, report: SetupReport["definitions"]): void {
  if (found.type.name !== spec.type) {
    report.conflicts.push({ key: spec.key, namespace: found.namespace, expectedType: spec.type, actualType: found.type.name });
    report.failed.push({ key: spec.key, message: conflictMessage(spec.key, found.namespace, spec.type, found.type.name) });
    return;
  }
  report.existing.push(spec.key);
  if (!found.capabilities.adminFilterable.enabled) report.notFilterable.push(spec.key);
}

export function conflictMessage(key: string, namespace: string, expectedType: string, actualType: string): string {
  return `metafield definition ${namespace}.${key} has type ${actualType}, but RFM Personas writes ${expectedType}: ${key} is not written until the definition is corrected`;
}

async function ensureDefinitions(graphql: AdminGraphql, report: SetupReport["definitions"]): Promise<void> {
  let existing = await readDefinitions(graphql);
  for (const spec of PERSONA_METAFIELDS) {
    const found = existing.get(spec.key);
    if (found) {
      checkExisting(spec, found, report);
      continue;
    }
    // Missing although declared in shopify.app.toml (e.g. an app version deployed without it): define it.
    let errors = await createDefinition(graphql, spec, true);
    if (errors.some((e) => CAPABILITY_ERRORS.has(e.code ?? ""))) {
      // The shop ran out of filterable definitions: still define it, unfilterable.
      errors = await createDefinition(graphql, spec, false);
      if (errors.length === 0) report.notFilterable.push(spec.key);
    }
    if (errors.length === 0) report.created.push(spec.key);
    else if (errors.some((e) => e.code === "TAKEN")) {
      // Created meanwhile (a deploy, or another process): check it like any existing one.
      existing = await readDefinitions(graphql);
      const now = existing.get(spec.key);
      if (now) checkExisting(spec, now, report);
      else report.failed.push({ key: spec.key, message: errors.map((e) => e.message).join("; ") });
    } else report.failed.push({ key: spec.key, message: errors.map((e) => e.message).join("; ") });
  }
}

/** What write-back must work around after this setup, in its terms. */
export function setupOutcome(report: SetupReport | null | undefined): SetupOutcome {
  return { heldFieldKeys: heldMetafieldKeys(report), problems: setupProblems(report) };
}

/** Persona metafield keys write-back must leave alone after this setup. */
export function heldMetafieldKeys(report: SetupReport | null | undefined): string[] {
  return report?.definitions.conflicts.map((c) => c.key) ?? [];
}

/** What the merchant should read about this setup (shown with the write-back run). */
export function setupProblems(report: SetupReport | null | undefined): string[] {
  if (!report) return [];
  return [
    ...report.definitions.failed.map((f) =>
      report.definitions.conflicts.some((c) => c.key === f.key) ? f.message : `metafield definition ${f.key}: ${f.message}`,
    ),
    ...report.segments.failed.map((f) => `segment for ${f.persona}: ${f.message}`),
  ];
}

async function listSegments(graphql: AdminGraphql): Promise<Segment[]> {
  const all: Segment[] = [];
  let after: string | null = null;
  for (;;) {
    const response: GraphqlResponse<SegmentPage> = await graphql<SegmentPage>(SEGMENTS_LIST, { after });
    const { nodes, pageInfo } = dataOf(response, "segments").segments;
    all.push(...nodes);
    if (!pageInfo.hasNextPage || !pageInfo.endCursor) return all;
    after = pageInfo.endCursor;
  }
}

/** Segment query on the persona tag (Shopify's segment query language). */
export function segmentQuery(tag: string): string {
  return `customer_tags CONTAINS '${tag.replace(/'/g, "\\'")}'`;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function ensureStoreSetup(shopId: string, deps: SetupDeps): Promise<SetupReport> {
  const { db } = deps;
  const graphql = resilient(deps.graphql, { stats: deps.stats, sleep: deps.sleep });
  const settings = await shopSettings(db, shopId);
  const { writeback } = settings;
  const report: SetupReport = {
    namespace: PERSONA_NAMESPACE,
    definitions: { created: [], existing: [], notFilterable: [], failed: [], conflicts: [] },
    segments: { created: [], updated: [], unchanged: [], adopted: [], removed: [], failed: [] },
  };
  const platform = ((await db.prepare(`SELECT platform FROM "Shop" WHERE id = ?`).get(shopId)) as { platform: string } | undefined)?.platform;
  if (platform !== "shopify") return { ...report, skipped: "not a Shopify shop" };
  // Write-back off, or not approved by the merchant yet: leave the merchant's store alone.
  const gate = await writebackGate(db, shopId);
  if (!gate.allowed) return { ...report, skipped: gate.reason === "disabled" ? "write-back is turned off" : "write-back awaits the merchant's approval" };
  await ensureDefinitions(graphql, report.definitions);

  const personas = compilePersonaMap(personaRulesFor(settings.personas)).personas;
  const rows = (await db.prepare(`SELECT persona, segmentId FROM "PersonaSegment" WHERE shopId = ?`).all(shopId)) as { persona: string; segmentId: string }[];
  const stored = new Map(rows.map((r) => [r.persona, r.segmentId]));
  const byId = new Map<string, Segment>();
  if (stored.size > 0) {
    const response = await graphql<{ nodes: (Segment | null)[] }>(SEGMENTS_BY_ID, { ids: [...stored.values()] });
    for (const node of dataOf(response, "nodes").nodes) if (node?.id) byId.set(node.id, node);
  }
  let listed: Segment[] | null = null;
  const findByName = async (name: string) => {
    listed ??= await listSegments(graphql);
    return listed.find((s) => sameName(s.name, name)) ?? null;
  };
  const upsertRow = db.prepare(`
    INSERT INTO "PersonaSegment" (shopId, persona, segmentId, name, query, updatedAt) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (shopId, persona) DO UPDATE SET segmentId = excluded.segmentId, name = excluded.name,
      query = excluded.query, updatedAt = excluded.updatedAt`);
  const now = () => deps.now?.() ?? new Date();

  const update = async (segment: Segment, name: string, query: string): Promise<Segment | string> => {
    const response = await graphql<{ segmentUpdate: { segment: Segment | null; userErrors: UserError[] } }>(SEGMENT_UPDATE, {
      id: segment.id,
      name: segment.name === name ? null : name,
      query: segment.query === query ? null : query,
    });
    const result = dataOf(response, "segmentUpdate").segmentUpdate;
    return result.segment ?? result.userErrors.map((e) => e.message).join("; ");
  };
  const create = async (name: string, query: string): Promise<Segment | string> => {
    const response = await graphql<{ segmentCreate: { segment: Segment | null; userErrors: UserError[] } }>(SEGMENT_CREATE, { name, query });
    const result = dataOf(response, "segmentCreate").segmentCreate;
    return result.segment ?? result.userErrors.map((e) => e.message).join("; ");
  };

  for (const persona of personas) {
    const name = segmentName(persona.name);
    const query = segmentQuery(personaTag(writeback, persona.slug));
    const storedId = stored.get(persona.slug);
    let current = storedId ? (byId.get(storedId) ?? null) : null;
    let outcome: "created" | "updated" | "unchanged" | "adopted";
    let result: Segment | string;
    if (!current) {
      // Not ours yet (or deleted by the merchant): take over a segment of that name, else create it.
      current = await findByName(name);
      if (current) outcome = "adopted";
      else {
        result = await create(name, query);
        if (typeof result === "string" && /taken/i.test(result)) {
          listed = null;
          current = await findByName(name);
        }
        if (!current) {
          if (typeof result === "string") {
            report.segments.failed.push({ persona: persona.slug, message: result });
            continue;
          }
          await upsertRow.run(shopId, persona.slug, result.id, result.name, result.query, now());
          report.segments.created.push(persona.slug);
          continue;
        }
        outcome = "adopted";
      }
    } else outcome = "unchanged";
    if (current.name !== name || current.query !== query) {
      result = await update(current, name, query);
      if (typeof result === "string") {
        report.segments.failed.push({ persona: persona.slug, message: result });
        continue;
      }
      current = result;
      if (outcome === "unchanged") outcome = "updated";
    }
    await upsertRow.run(shopId, persona.slug, current.id, current.name, current.query, now());
    report.segments[outcome].push(persona.slug);
  }
  // Personas the map no longer has (a reset map, a removed persona): their segments select a tag no
  // customer keeps, so they go too rather than linger in the merchant's segment list.
  const current = new Set(personas.map((p) => p.slug));
  const gone = await removeSegments(shopId, deps, (persona) => !current.has(persona));
  report.segments.removed.push(...gone.removed);
  report.segments.failed.push(...gone.failed);
  return report;
}

/**
 * The merchant removed persona data and asked for the segments to go too: every segment we
 * created or adopted (PersonaSegment) is deleted from the store and forgotten. A segment the
 * merchant already deleted counts as removed. Returns the personas whose segment is gone and
 * those that could not be deleted. `which`: only the segments of these personas.
 */
export async function removeSegments(
  shopId: string,
  deps: SetupDeps,
  which: (persona: string) => boolean = () => true,
): Promise<{ removed: string[]; failed: { persona: string; message: string }[] }> {
  const graphql = resilient(deps.graphql, { stats: deps.stats, sleep: deps.sleep });
  const all = (await deps.db.prepare(`SELECT persona, segmentId FROM "PersonaSegment" WHERE shopId = ?`).all(shopId)) as { persona: string; segmentId: string }[];
  const rows = all.filter((row) => which(row.persona));
  const forget = deps.db.prepare(`DELETE FROM "PersonaSegment" WHERE shopId = ? AND persona = ?`);
  const out = { removed: [] as string[], failed: [] as { persona: string; message: string }[] };
  for (const row of rows) {
    const response = await graphql<{ segmentDelete: { deletedSegmentId: string | null; userErrors: UserError[] } }>(SEGMENT_DELETE, { id: row.segmentId });
    const result = dataOf(response, "segmentDelete").segmentDelete;
    const gone = result.deletedSegmentId !== null || result.userErrors.some((e) => /does not exist|not found/i.test(e.message));
    if (gone) {
      await forget.run(shopId, row.persona);
      out.removed.push(row.persona);
    } else out.failed.push({ persona: row.persona, message: result.userErrors.map((e) => e.message).join("; ") });
  }
  return out;
}
