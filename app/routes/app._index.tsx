import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DashboardPage } from "~/components/pages/DashboardPage";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { GRID_AXES } from "~/dashboard/grid-axes";
import { getDashboard } from "~/dashboard/overview.server";
import { parseSearchParams } from "~/dashboard/request.server";
import { services } from "~/services.server";
import { adminHeaders, requireMerchant } from "~/platforms/merchant.server";

const querySchema = z.object({
  grid: z.enum(GRID_AXES, { errorMap: () => ({ message: "must be rf, fm or rm" }) }).default("rf"),
});

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, locale } = await requireMerchant(request);
  const { db } = services();
  const { grid } = parseSearchParams(querySchema, request);
  return { ...getDashboard(db, shop.id, { grid }), locale };
};

export default function Dashboard() {
  return <DashboardPage data={useLoaderData<typeof loader>()} />;
}

export function ErrorBoundary() {
  return <RouteErrorBoundary title="Dashboard" />;
}

export const headers = adminHeaders;
