import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { SettingsPage } from "~/components/pages/SettingsPage";
import { WritebackControls } from "~/components/settings/WritebackControls";
import { getSettingsPage, parseCandidate, requestPersonaDataRemoval, saveSettings } from "~/dashboard/settings.server";
import { previewInWorker } from "~/scoring/pool.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";
import { adapterFor } from "~/platforms/registry.server";
import { writeConsent } from "~/shops/write-consent.server";
import { pauseWriteback, removalSummary } from "~/writeback/consent.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  return {
    ...(await getSettingsPage(db, shop.id)),
    writeConsent: await writeConsent(db, shop.id),
    removal: await removalSummary(db, shop.id, adapterFor(shop.platform)),
    locale,
  };
};

const intentSchema = z.enum(["preview", "save", "remove", "pause"], { error: "must be preview, save, remove or pause" });

/**
 * intent=preview: what these settings would change, computed without writing anything.
 * intent=save: validate, store, queue a recompute (write-back follows it).
 * intent=pause: write-back stops until the merchant approves again on the dashboard.
 * intent=remove: pause, and remove persona data from the store (segments=true: the segments too).
 * Invalid settings: 400 with { errors: { "rules.lookbackDays": "…" } }; a persona map that may not be
 * saved (cells without a persona, a rule that never applies, a bad or shared slug) is refused the same way.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireMerchant(request);
  const { db, runner } = services();
  const form = await request.formData();
  const intent = intentSchema.safeParse(form.get("intent"));
  if (!intent.success) {
    return data({ intent: null, errors: { intent: intent.error.issues[0].message } }, { status: 400 });
  }
  if (intent.data === "remove") {
    await requestPersonaDataRemoval(shop.id, { db, queue: runner.queue }, { segments: form.get("segments") === "true" });
    return { intent: intent.data, removing: true as const };
  }
  if (intent.data === "pause") {
    await pauseWriteback(shop.id, { db });
    return { intent: intent.data, paused: true as const };
  }
  const candidate = parseCandidate(form.get("settings"), { saving: intent.data === "save" });
  if (!candidate.ok) return data({ intent: intent.data, errors: candidate.errors }, { status: 400 });
  if (intent.data === "preview") {
    // On a scoring thread; dropped if the merchant leaves before it is done.
    const { result: preview } = await previewInWorker(shop.id, candidate.settings, { db, signal: request.signal });
    return { intent: intent.data, preview };
  }
  await saveSettings(shop.id, candidate.settings, { db, queue: runner.queue });
  return { intent: intent.data, saved: true as const };
};

export default function Settings() {
  const loaded = useLoaderData<typeof loader>();
  return <SettingsPage data={loaded} writeback={<WritebackControls consent={loaded.writeConsent} removal={loaded.removal} locale={loaded.locale} />} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Settings" />;
}

export const headers = adminHeaders;
