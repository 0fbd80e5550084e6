import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { PersonaPage } from "~/components/pages/PersonaPage";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { getPersonaDetail } from "~/dashboard/personas.server";
import { parseSearchParams } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";
import { adapterFor } from "~/platforms/registry.server";
import { personaInStore } from "~/writeback/status.server";
import { backdatedThrough } from "~/scoring/history.server";
import { countedPeriod } from "~/dashboard/overview.server";
import { shopSettings } from "~/shops/settings.server";

const paramsSchema = z.object({
  slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a persona slug such as champions"),
});
const querySchema = z.object({
  days: z
    .enum(["7", "30", "90"], { error: "must be 7, 30 or 90" })
    .default("30")
    .transform(Number),
});

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  const slug = paramsSchema.safeParse(params);
  if (!slug.success) {
    throw Response.json({ message: "Invalid persona", errors: { slug: slug.error.issues[0].message } }, { status: 400 });
  }
  const { days } = parseSearchParams(querySchema, request);
  const detail = await getPersonaDetail(db, shop.id, slug.data.slug, { days });
  if (!detail) throw Response.json({ message: `No persona "${slug.data.slug}" in your persona map` }, { status: 404 });
  const adapter = adapterFor(shop.platform);
  const inStore = await personaInStore(db, shop.id, detail.persona.slug, detail.persona.tag, adapter.writer.capabilities);
  const actions = (await adapter.personaActions?.(db, shop, { slug: detail.persona.slug, name: detail.persona.name })) ?? null;
  const { period } = await countedPeriod(db, shop.id, (await shopSettings(db, shop.id)).rules.lookbackDays);
  return { ...detail, inStore, actions, backdatedThrough: await backdatedThrough(db, shop.id), period, locale };
};

export default function Persona() {
  const loaded = useLoaderData<typeof loader>();
  return <PersonaPage data={loaded} inStore={loaded.inStore} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Persona" />;
}

export const headers = adminHeaders;
