import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { PersonasPage } from "~/components/pages/PersonasPage";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { syncProgress } from "~/dashboard/overview.server";
import { listPersonas } from "~/dashboard/personas.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  return { ...(await listPersonas(db, shop.id)), sync: await syncProgress(db, shop.id), locale };
};

export default function Personas() {
  return <PersonasPage data={useLoaderData<typeof loader>()} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Personas" />;
}

export const headers = adminHeaders;
