/**
 * The settings page: the shop's settings with the persona map's completeness check,
 * saving (validate → store → queue a recompute) and the data a preview needs.
 * Errors are keyed by the settings path ("rules.lookbackDays", "personas.rules.2.name")
 * so the form shows each one on its field.
 */
import { PERSONAS, personaRulesFor, validatePersonaMap, type PersonaMapCheck } from "~/rfm";
import { cellCounts, personaMapProblems } from "~/rfm/persona-map";
import { shopScoreEdges } from "./edges.server";
import type { JobQueue } from "~/jobs/queue.server";
import { disableWriteback, shopSettings, writeShopSettings } from "~/shops/settings.server";
import { parseShopSettings, type ShopSettings } from "~/settings/shop-settings";
import type { Db } from "~/db/index.server";
import { pauseWriteback } from "~/writeback/consent.server";

export interface SettingsPage {
  settings: ShopSettings;
  currency: string;
  personaCheck: PersonaMapCheck;
  /** Built-in persona colours and descriptions, for the rule editor's defaults. */
  builtIn: { slug: string; name: string; color: string; description: string }[];
  /** Scored customers per (R, F, M) cell, in cellIndex order, for the map editor. */
  cellCustomers: number[];
  /** The edges customers are scored by now (R days, F orders, M minor units), to pre-fill "My own edges"; null before the first scoring. */
  currentEdges: { r: (number | null)[]; f: (number | null)[]; m: (number | null)[] } | null;
}

export async function getSettingsPage(db: Db, shopId: string): Promise<SettingsPage> {
  const settings = await shopSettings(db, shopId);
  const currency = (await db.prepare(`SELECT currency FROM "Shop" WHERE id = ?`).pluck().get(shopId) as string) ?? "USD";
  return {
    settings,
    currency,
    personaCheck: validatePersonaMap(personaRulesFor(settings.personas)),
    builtIn: PERSONAS.map(({ slug, name, color, description }) => ({ slug, name, color, description })),
    currentEdges: await currentEdges(db, shopId),
    cellCustomers: cellCounts(
      (await db
        .prepare(
          `SELECT r, f, m, count(*) AS customers FROM "Customer"
           WHERE shopId = ? AND persona IS NOT NULL AND r IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL GROUP BY r, f, m`,
        )
        .all(shopId)) as { r: number; f: number; m: number; customers: number }[],
    ),
  };
}

async function currentEdges(db: Db, shopId: string): Promise<SettingsPage["currentEdges"]> {
  const edges = await shopScoreEdges(db, shopId);
  return edges && { r: edges.r.edges, f: edges.f.edges, m: edges.m.edges };
}

export type FieldErrors = Record<string, string>;

export type ParsedCandidate = { ok: true; settings: ShopSettings } | { ok: false; errors: FieldErrors };

/**
 * Settings as posted by the form (JSON in the `settings` field) → validated settings,
 * or one message per field path. zod's type messages become words a merchant reads.
 * `saving`: a custom persona map must also pass the save checks (no cell without a persona,
 * no rule that never applies, a usable unique slug per persona); a preview may show any map.
 */
export function parseCandidate(raw: FormDataEntryValue | null, { saving = false } = {}): ParsedCandidate {
  if (typeof raw !== "string" || raw.trim() === "") return { ok: false, errors: { settings: "settings are missing" } };
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    return { ok: false, errors: { settings: "settings are not valid JSON" } };
  }
  const parsed = parseShopSettings(input);
  const problems = parsed.ok
    ? saving && parsed.settings.personas.map === "custom"
      ? personaMapProblems(parsed.settings.personas.rules)
      : []
    : parsed.errors;
  if (parsed.ok && problems.length === 0) return parsed;
  const errors: FieldErrors = {};
  for (const e of problems) errors[e.path || "settings"] ??= friendlyMessage(e.message);
  return { ok: false, errors };
}

function friendlyMessage(message: string): string {
  const typed = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (typed) return typed[1] === "number" ? "must be a number" : `must be a ${typed[1]}`;
  if (/^Unrecognized keys?:/.test(message)) return message.replace(/^Unrecognized keys?:/, "unknown setting:");
  return message;
}

export interface SaveDeps {
  db: Db;
  queue: JobQueue;
  now?: () => Date;
}

/**
 * "Remove all persona tags and metafields": write-back is paused until the merchant approves
 * again (or the next run would write everything again), and the bulk removal of what we
 * wrote is queued — with the saved segments too when `segments`.
 */
export async function requestPersonaDataRemoval(shopId: string, { db, queue, now = () => new Date() }: SaveDeps, { segments = false } = {}): Promise<void> {
  await db.transaction(async () => {
    await disableWriteback(db, shopId, now());
    await pauseWriteback(shopId, { db, now }, "removed");
  });
  await queue.enqueue("cleanup", shopId, { payload: { segments } });
}

/** Stores valid settings and queues the recompute they call for (write-back follows it). */
export async function saveSettings(shopId: string, settings: ShopSettings, { db, queue, now = () => new Date() }: SaveDeps): Promise<void> {
  await writeShopSettings(db, shopId, settings, now());
  await queue.enqueue("recompute", shopId);
}
